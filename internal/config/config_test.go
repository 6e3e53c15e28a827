package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var known = []string{"anthropic", "openai"}

func TestLoad(t *testing.T) {
	cases := []struct {
		name    string
		file    string // "" means no file
		env     string
		want    []string
		wantErr string
	}{
		{name: "nothing"},
		{name: "flow", file: "disable: [openai, \"anthropic\"] # both\n", want: []string{"anthropic", "openai"}},
		{name: "block", file: "# comment\ndisable:\n  - openai\n", want: []string{"openai"}},
		{name: "env adds", file: "disable: [openai]\n", env: "anthropic", want: []string{"anthropic", "openai"}},
		{name: "unknown key", file: "disable: [openai]\nenable: [x]\n", wantErr: "llminstr.yaml:2: unknown key \"enable\""},
		{name: "unknown integration", file: "disable:\n  - openai\n  - gemeni\n", wantErr: "llminstr.yaml:3: unknown integration \"gemeni\""},
		{name: "not a list", file: "disable: openai\n", wantErr: "llminstr.yaml:1: disable must be a list"},
		{name: "bad item", file: "disable:\n  openai\n", wantErr: "llminstr.yaml:2: disable must be a list"},
		{name: "tab", file: "disable:\n\t- openai\n", wantErr: "llminstr.yaml:2: found character that cannot start any token"},
		// Valid YAML in the forms people write.
		{name: "document header", file: "---\ndisable: [openai]\n", want: []string{"openai"}},
		{name: "document header and end", file: "--- # llminstr\ndisable:\n  - openai\n...\n", want: []string{"openai"}},
		{name: "unindented list", file: "disable:\n- openai\n- anthropic\n", want: []string{"anthropic", "openai"}},
		{name: "quoted key", file: "\"disable\": ['openai']\n", want: []string{"openai"}},
		{name: "single-quoted key", file: "'disable':\n  - \"anthropic\"\n", want: []string{"anthropic"}},
		{name: "empty list", file: "disable: []\n"},
		{name: "null", file: "disable:\n"},
		{name: "only comments", file: "# nothing yet\n"},
		{name: "empty document", file: "---\n"},
		{name: "flow multi-line", file: "disable: [\n  openai,\n  anthropic,\n]\n", want: []string{"anthropic", "openai"}},
		{name: "unknown integration in flow", file: "disable:\n  [openai,\n   gemeni]\n", wantErr: "llminstr.yaml:3: unknown integration \"gemeni\""},
		{name: "syntax error", file: "disable: [openai\n", wantErr: "llminstr.yaml:"},
		{name: "not a mapping", file: "- openai\n", wantErr: "llminstr.yaml:1: expected keys"},
		{name: "nested item", file: "disable:\n  - [openai]\n", wantErr: "llminstr.yaml:2: each item"},
		{name: "two documents", file: "disable: [openai]\n---\ndisable: [anthropic]\n", wantErr: "llminstr.yaml:2: more than one YAML document"},
		{name: "env unknown", env: "openai,nope", wantErr: "LLMINSTR_DISABLE: unknown integration \"nope\""},
		// Names are the integrations' whatever their case.
		{name: "env any case", env: " OpenAI ,Anthropic", want: []string{"anthropic", "openai"}},
		{name: "file any case", file: "disable: [OpenAI]\n", want: []string{"openai"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.file != "" {
				os.WriteFile(filepath.Join(dir, FileName), []byte(tc.file), 0o666)
			}
			c, err := Load(dir, func(k string) string {
				if k == "LLMINSTR_DISABLE" {
					return tc.env
				}
				return ""
			}, func() []string { return known })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.DisabledList(); !reflect.DeepEqual(got, tc.want) && len(got)+len(tc.want) > 0 {
				t.Errorf("disabled = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestLoadAsksNamesOnlyToCheckThem: the integrations' names, which cost
// parsing every built-in rule, are asked for only when a name is to be
// checked.
func TestLoadAsksNamesOnlyToCheckThem(t *testing.T) {
	for _, tc := range []struct {
		name, file, env string
		wantAsked       bool
	}{
		{name: "nothing", wantAsked: false},
		{name: "rules only", file: "rules:\n  - call: example.com/sdk.(*Client).Chat\n    operation: chat\n    provider: p\n", wantAsked: false},
		{name: "disable", file: "disable: [openai]\n", wantAsked: true},
		{name: "env", env: "openai", wantAsked: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.file != "" {
				os.WriteFile(filepath.Join(dir, FileName), []byte(tc.file), 0o666)
			}
			asked := false
			_, err := Load(dir, func(k string) string {
				if k == "LLMINSTR_DISABLE" {
					return tc.env
				}
				return ""
			}, func() []string { asked = true; return known })
			if err != nil {
				t.Fatal(err)
			}
			if asked != tc.wantAsked {
				t.Errorf("names asked: %v, want %v", asked, tc.wantAsked)
			}
		})
	}
}

func TestLoadRules(t *testing.T) {
	const valid = `rules:
  - call: example.com/app/llm.(*Client).Complete
    operation: chat
    provider: acme
    model: req.Model
    input_tokens: result.Usage.In
  - id: embed
    call: example.com/app/llm.Embed
    operation: embeddings
    provider: acme
disable: [user]
`
	cases := []struct {
		name    string
		file    string
		want    []string // rule IDs
		wantErr string
	}{
		{name: "valid", file: valid, want: []string{"user.llm.Client.Complete", "user.embed"}},
		{name: "empty", file: "rules:\n"},
		{name: "not a list", file: "rules: x\n", wantErr: "llminstr.yaml:1: rules must be a list"},
		{name: "item not a mapping", file: "rules:\n  - x\n", wantErr: "llminstr.yaml:2: each rule must be a mapping"},
		{name: "unknown key", file: "rules:\n  - call: a.B\n    modle: req.Model\n", wantErr: "llminstr.yaml:3: unknown key \"modle\" in a rule"},
		{name: "missing operation", file: "rules:\n  - call: a.B\n    provider: p\n", wantErr: "llminstr.yaml:2: a rule needs operation"},
		{name: "bad call", file: "rules:\n  - call: a\n    operation: chat\n    provider: p\n", wantErr: "llminstr.yaml:2: call: \"a\" is not in the form"},
		{name: "bad operation", file: "rules:\n  - call: a.B\n    operation: talk\n    provider: p\n", wantErr: "llminstr.yaml:2: operation \"talk\" is not one of"},
		{name: "not a string", file: "rules:\n  - call: a.B\n    operation: chat\n    provider: p\n    model: [x]\n", wantErr: "llminstr.yaml:5: model must be a string"},
		{name: "twice", file: "rules:\n  - call: a.B\n    call: a.C\n", wantErr: "llminstr.yaml:3: call is given twice"},
		{name: "same id", file: "rules:\n  - {call: a.B, operation: chat, provider: p}\n  - {call: a.B, operation: chat, provider: q}\n", wantErr: "llminstr.yaml:3: rule user.a.B is also declared at line 2"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, FileName), []byte(tc.file), 0o666)
			c, err := Load(dir, func(string) string { return "" }, func() []string { return append(known, "user") })
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range c.Rules {
				got = append(got, r.ID)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("rules = %v, want %v", got, tc.want)
			}
		})
	}
	t.Run("paths", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, FileName), []byte(valid), 0o666)
		c, err := Load(dir, func(string) string { return "" }, func() []string { return append(known, "user") })
		if err != nil {
			t.Fatal(err)
		}
		r := c.Rules[0]
		path := filepath.Join(dir, FileName)
		if r.Origin != path+":2" || r.Extract.Model.Path != "req.Model" || r.Extract.Model.Origin != path+":5" ||
			r.Extract.InputTokens.Origin != path+":6" || r.Packages[0] != "example.com/app/llm" || r.Receiver != "Client" || r.Name != "Complete" {
			t.Errorf("rule = %+v, extract %+v", r, *r.Extract)
		}
	})
}
