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
			}, known)
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
