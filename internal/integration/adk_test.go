package integration

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/genai/genaitest"
)

// TestADK builds a Google ADK agent (testdata/adk) on a Gemini model,
// whose genai call the genai rule rewrites, and checks that each model
// request has one generate_content span: llminstr's when ADK's own spans do
// not record (the program set no TracerProvider), ADK's when they do (the
// program set ADK's telemetry as the global providers), with no second one
// from llminstr or the wire-level fallback.
func TestADK(t *testing.T) {
	dir := llmtest.CopyApp(t, "testdata/adk")
	plain := filepath.Join(t.TempDir(), "plain")
	llmtest.Run(t, dir, nil, "go", "build", "-o", plain, ".")
	bin := llmtest.Build(t, dir)
	e := llmtest.NewSession(t, genaitest.Server{}, "ADKAPP_BASE_URL", "/")

	run := func(t *testing.T, args ...string) []otlpreceiver.Span {
		t.Helper()
		want, err := llmtest.RunErr("", e.Env, plain, args...)
		if err != nil {
			t.Fatalf("plain: %v\n%s", err, want)
		}
		out, spans := e.Run(t, bin, false, args...)
		if out != want || !strings.Contains(out, "answer: "+fakeprovider.Answer) {
			t.Errorf("instrumented output\n%s\nplain output\n%s", out, want)
		}
		return spans
	}
	inference := func(spans []otlpreceiver.Span) []otlpreceiver.Span {
		var out []otlpreceiver.Span
		for _, s := range spans {
			if s.Attrs["gen_ai.operation.name"] == "generate_content" {
				out = append(out, s)
			}
		}
		return out
	}

	t.Run("no provider", func(t *testing.T) {
		spans := run(t)
		gen := inference(spans)
		if len(spans) != 1 || len(gen) != 1 {
			t.Fatalf("want one generate_content span:\n%s", otlpreceiver.Describe(spans))
		}
		s := gen[0]
		if s.Name != "generate_content gemini-2.5-flash" || s.Scope != "github.com/llminstr/llminstr/runtime" {
			t.Errorf("span %q of %q", s.Name, s.Scope)
		}
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.provider.name":      "gcp.gemini",
			"gen_ai.usage.input_tokens": int64(genaitest.PromptTokens),
		})
	})

	t.Run("ADK's telemetry", func(t *testing.T) {
		spans := run(t, "appotel")
		gen := inference(spans)
		if len(gen) != 1 {
			t.Fatalf("want one generate_content span:\n%s", otlpreceiver.Describe(spans))
		}
		if s := gen[0]; s.Scope != "gcp.vertex.agent" || s.Name != "generate_content gemini-2.5-flash" {
			t.Errorf("span %q of %q, want ADK's", s.Name, s.Scope)
		}
		for _, s := range spans {
			if s.Scope == "github.com/llminstr/llminstr/runtime" {
				t.Errorf("a span of llminstr's under ADK's: %q", s.Name)
			}
		}
	})
}
