package toolexec

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/llminstr/llminstr/rules"
)

// TestRuleIndex: the first compile of a build makes the index from the
// rules and writes it; the others read the same index without loading the
// rules; an index cut short is made again.
func TestRuleIndex(t *testing.T) {
	rs := rules.All()
	want := &ruleIndex{sdk: map[string]bool{}, impl: map[string]bool{}}
	for _, p := range rules.SDKPackages(rs) {
		want.sdk[p] = true
	}
	for _, r := range rs {
		for _, p := range r.Packages {
			if rules.IsSDKImplementation(rs, p, []string{"client.go"}) {
				want.impl[p] = true
			}
		}
	}
	if len(want.sdk) < 10 || len(want.impl) < 10 {
		t.Fatalf("the rules target %d packages, %d of them SDK code", len(want.sdk), len(want.impl))
	}

	workDir := t.TempDir()
	idx, loaded := loadRuleIndex(workDir)
	if loaded == nil || !reflect.DeepEqual(idx, want) {
		t.Fatalf("first compile: index %v (rules loaded: %v), want %v", idx, loaded != nil, want)
	}
	idx, loaded = loadRuleIndex(workDir)
	if loaded != nil || !reflect.DeepEqual(idx, want) {
		t.Fatalf("second compile: index %v (rules loaded: %v), want it read", idx, loaded != nil)
	}

	file := filepath.Join(workDir, "llminstr", ruleIndexFile)
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, data[:len(data)/2], 0o666); err != nil {
		t.Fatal(err)
	}
	idx, loaded = loadRuleIndex(workDir)
	if loaded == nil || !reflect.DeepEqual(idx, want) {
		t.Fatalf("index cut short: index %v (rules loaded: %v), want it made again", idx, loaded != nil)
	}

	for _, tc := range []struct {
		path  string
		files []string
		want  bool
	}{
		{"github.com/openai/openai-go/v3", []string{"client.go"}, true},
		{"github.com/openai/openai-go/v3", []string{"client.go", "client_test.go"}, false},
		{"example.com/app", []string{"main.go"}, false},
	} {
		if got := idx.isImplementation(tc.path, tc.files); got != tc.want || got != rules.IsSDKImplementation(rs, tc.path, tc.files) {
			t.Errorf("isImplementation(%s, %v) = %v, want %v", tc.path, tc.files, got, tc.want)
		}
	}
}
