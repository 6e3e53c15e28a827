package toolexec

import (
	"strings"
	"testing"
)

func TestSwitchValue(t *testing.T) {
	for _, tc := range []struct {
		value   string
		want    bool
		wantErr bool
	}{
		{"", false, false},
		{"0", false, false},
		{"false", false, false},
		{"No", false, false},
		{"OFF", false, false},
		{"1", true, false},
		{"true", true, false},
		{"TRUE", true, false},
		{" yes ", true, false},
		{"on", true, false},
		// A typo is neither: it counts as on, and the build fails on it.
		{"ture", true, true},
		{"2", true, true},
		{"-1", true, true},
	} {
		t.Setenv("LLMINSTR_STRICT", tc.value)
		got, err := switchValue("LLMINSTR_STRICT")
		if got != tc.want || (err != nil) != tc.wantErr {
			t.Errorf("LLMINSTR_STRICT=%q: %v, %v; want %v, error %v", tc.value, got, err, tc.want, tc.wantErr)
		}
		if err != nil && !strings.Contains(err.Error(), "LLMINSTR_STRICT=") {
			t.Errorf("error %q does not name the variable", err)
		}
		if strict() != tc.want {
			t.Errorf("LLMINSTR_STRICT=%q: strict() = %v", tc.value, strict())
		}
	}
}

func TestChildEnvDropsObservingSwitches(t *testing.T) {
	t.Setenv("LLMINSTR_REPORT", "/tmp/r.jsonl")
	t.Setenv("LLMINSTR_KEEP", "/tmp/keep")
	t.Setenv("LLMINSTR_DEBUG", "1")
	t.Setenv("LLMINSTR_STRICT", "1")
	env := strings.Join(childEnv(), "\n")
	for _, name := range observingVars {
		if strings.Contains(env, name+"=") {
			t.Errorf("child environment keeps %s", name)
		}
	}
	for _, kv := range []string{"LLMINSTR_STRICT=1", resolveEnv + "=1"} {
		if !strings.Contains(env, kv) {
			t.Errorf("child environment lacks %s", kv)
		}
	}
}
