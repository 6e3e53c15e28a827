package integration

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/report"
	"github.com/llminstr/llminstr/rules/openai/openaitest"
)

// TestUserRules builds a program whose in-house client (testdata/inhouse)
// no built-in rule knows, with a rule for it in llminstr.yaml: its calls
// get one chat span with what the rule points at, and no second span from
// the wire-level fallback, which also sees its requests. A rule that does
// not resolve fails the build, naming its line.
func TestUserRules(t *testing.T) {
	dir := llmtest.CopyApp(t, "testdata/inhouse")
	bin := llmtest.Build(t, dir)
	e := llmtest.NewSession(t, &openaitest.Server{}, "CHATAPP_BASE_URL", "/v1/")

	t.Run("call", func(t *testing.T) {
		out, spans := e.Run(t, bin, false)
		if !strings.Contains(out, "answer: "+fakeprovider.Answer+" (12+5 tokens)") {
			t.Errorf("program output changed: %s", out)
		}
		if len(spans) != 1 {
			t.Fatalf("%d spans, want 1: %+v", len(spans), spans)
		}
		s := spans[0]
		if s.Name != "chat gpt-4o-mini" || s.Kind != "client" || s.StatusCode != "unset" {
			t.Errorf("span name=%q kind=%s status=%s", s.Name, s.Kind, s.StatusCode)
		}
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.operation.name":          "chat",
			"gen_ai.provider.name":           "acme",
			"gen_ai.request.model":           "gpt-4o-mini",
			"gen_ai.response.model":          "gpt-4o-mini" + openaitest.ModelSuffix,
			"gen_ai.response.id":             openaitest.ResponseID,
			"gen_ai.response.finish_reasons": []any{"stop"},
			"gen_ai.usage.input_tokens":      int64(openaitest.PromptTokens),
			"gen_ai.usage.output_tokens":     int64(5),
		})
		llmtest.NoAttrs(t, s, "error.type", "gen_ai.input.messages")
		for k, v := range s.Attrs {
			if str, ok := v.(string); ok && strings.Contains(str, "sk-test-secret") {
				t.Errorf("attribute %s records the API key", k)
			}
		}
	})

	t.Run("error", func(t *testing.T) {
		out, spans := e.Run(t, bin, true, fakeprovider.UnknownModel)
		if !strings.Contains(out, "error: llm: 404 Not Found") {
			t.Errorf("program output changed: %s", out)
		}
		if len(spans) != 1 {
			t.Fatalf("%d spans, want 1: %+v", len(spans), spans)
		}
		s := spans[0]
		if s.StatusCode != "error" || s.Attrs["error.type"] == nil {
			t.Errorf("span status=%s error.type=%v", s.StatusCode, s.Attrs["error.type"])
		}
		llmtest.NoAttrs(t, s, "gen_ai.usage.input_tokens", "gen_ai.response.finish_reasons")
	})

	t.Run("report", func(t *testing.T) {
		// A rule nothing calls is noted, naming its line.
		yaml := filepath.Join(dir, "llminstr.yaml")
		orig, _ := os.ReadFile(yaml)
		t.Cleanup(func() { os.WriteFile(yaml, orig, 0o666) })
		os.WriteFile(yaml, append(orig, "  - {call: example.com/inhouse/other.Ask, operation: embeddings, provider: acme}\n"...), 0o666)
		out, stderr, code := llminstrCmd(t, dir, nil, "report", "-json", "-strict")
		if code != 0 {
			t.Fatalf("report exited %d: %s", code, stderr)
		}
		if want := "llminstr.yaml:12: rule user.other.Ask matched no call site"; !strings.Contains(stderr, want) {
			t.Errorf("report's stderr has no %q:\n%s", want, stderr)
		}
		var rep report.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Sites) != 1 {
			t.Fatalf("%d sites, want 1:\n%s", len(rep.Sites), out)
		}
		s := rep.Sites[0]
		if s.Rule != "user.llm.Client.Complete" || s.Status != "rewritten" || s.Provider != "acme" || s.Operation != "chat" ||
			s.File != filepath.Join(dir, "main.go") || s.Line != lineOf(t, filepath.Join(dir, "main.go"), "c.Complete(") {
			t.Errorf("site %+v", s)
		}
	})

	t.Run("bad rule", func(t *testing.T) {
		bad := t.TempDir()
		if err := os.CopyFS(bad, os.DirFS(dir)); err != nil {
			t.Fatal(err)
		}
		yaml := filepath.Join(bad, "llminstr.yaml")
		// A build error naming the line, whether or not the path is reached.
		data, _ := os.ReadFile(yaml)
		os.WriteFile(yaml, []byte(strings.Replace(string(data), "model: req.Model", "model: req.Modle", 1)), 0o666)
		cmd := exec.Command("go", "build", "-toolexec="+llmtest.Tool(t), "-o", os.DevNull, ".")
		cmd.Dir = bad
		out, err := cmd.CombinedOutput()
		want := "llminstr.yaml:6: req.Modle: *example.com/inhouse/llm.Request has no field or method Modle"
		if err == nil || !strings.Contains(string(out), want) {
			t.Errorf("build: err=%v, want %q in:\n%s", err, want, out)
		}
	})
}
