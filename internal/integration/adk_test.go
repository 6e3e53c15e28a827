package integration

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/genai/genaitest"
)

// TestADK builds a Google ADK agent (testdata/adk) on a Gemini model,
// whose genai call the genai rule rewrites, runs it plain, with a tool
// and streamed, and checks that each model request has one
// generate_content span: llminstr's when ADK's own spans do
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
		if out != want || !strings.Contains(out, "answer: ") {
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

	// mode is the program's second argument: a plain run, an agent with a
	// tool the model calls (two model requests), a streamed run.
	for _, c := range []struct {
		mode     string
		requests int
	}{{"", 1}, {"tool", 2}, {"stream", 1}} {
		t.Run("no provider "+c.mode, func(t *testing.T) {
			spans := run(t, "-", c.mode)
			gen := inference(spans)
			if len(spans) != c.requests || len(gen) != c.requests {
				t.Fatalf("want %d generate_content spans and nothing else:\n%s", c.requests, otlpreceiver.Describe(spans))
			}
			for _, s := range gen {
				if s.Name != "generate_content gemini-2.5-flash" || s.Scope != "github.com/llminstr/llminstr/runtime" {
					t.Errorf("span %q of %q", s.Name, s.Scope)
				}
				llmtest.WantAttrs(t, s, map[string]any{
					"gen_ai.provider.name":      "gcp.gemini",
					"gen_ai.usage.input_tokens": int64(genaitest.PromptTokens),
				})
			}
		})
		t.Run("ADK's telemetry "+c.mode, func(t *testing.T) {
			spans := run(t, "appotel", c.mode)
			gen := inference(spans)
			if len(gen) != c.requests {
				t.Fatalf("want %d generate_content spans:\n%s", c.requests, otlpreceiver.Describe(spans))
			}
			for _, s := range gen {
				if s.Scope != "gcp.vertex.agent" || s.Name != "generate_content gemini-2.5-flash" {
					t.Errorf("span %q of %q, want ADK's", s.Name, s.Scope)
				}
			}
			tools := 0
			for _, s := range spans {
				if s.Scope == "github.com/llminstr/llminstr/runtime" {
					t.Errorf("a span of llminstr's under ADK's: %q", s.Name)
				}
				if s.Attrs["gen_ai.operation.name"] == "execute_tool" {
					tools++
				}
			}
			if want := c.requests - 1; tools != want {
				t.Errorf("%d execute_tool spans of ADK's, want %d:\n%s", tools, want, otlpreceiver.Describe(spans))
			}
		})
	}
}
