package genkit_test

import (
	"path/filepath"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/fantasy/fantasytest"
)

// TestIntegration builds testdata/app (Genkit v1.4.0 with its OpenAI
// plugin, on openai-go), plain and with -toolexec=llminstr, runs both
// against a model that calls the tools it is offered and then answers, and
// checks that they print the same and that the instrumented one exports
// one chat span per model request (openai-go's, from the openai rule) and
// an execute_tool span per tool run. Genkit installs a TracerProvider
// without exporters as the global one; without the genkit rule, these
// spans would be recorded there and exported nowhere.
func TestIntegration(t *testing.T) {
	llmtest.SkipShort(t)
	e := llmtest.NewSession(t, fantasytest.Server{}, "GENKITAPP_BASE_URL", "/v1/")
	dir := llmtest.PrepareApp(t, "testdata/app")
	plain := filepath.Join(t.TempDir(), "plain")
	llmtest.Run(t, dir, nil, "go", "build", "-o", plain, ".")
	bin := llmtest.Build(t, dir)

	run := func(t *testing.T, mode string, env ...string) []otlpreceiver.Span {
		t.Helper()
		want, _ := llmtest.RunErr("", e.Env, plain, mode)
		e.Receiver.Reset()
		out, err := llmtest.RunErr("", append(e.Env, env...), bin, mode)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if out != want {
			t.Errorf("instrumented output\n%s\nplain output\n%s", out, want)
		}
		return e.Receiver.Spans()
	}
	chat := func(t *testing.T, s otlpreceiver.Span) {
		t.Helper()
		if s.Name != "chat gpt-4o-mini" || s.Kind != "client" || s.StatusCode != "unset" || s.Scope != "github.com/llminstr/llminstr/runtime" {
			t.Errorf("chat span %q kind %s status %s scope %s", s.Name, s.Kind, s.StatusCode, s.Scope)
		}
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
			"gen_ai.usage.input_tokens": int64(fantasytest.PromptTokens), "gen_ai.usage.output_tokens": int64(fantasytest.CompletionTokens),
		})
	}
	byOperation := func(spans []otlpreceiver.Span) map[string][]otlpreceiver.Span {
		out := map[string][]otlpreceiver.Span{}
		for _, s := range spans {
			op, _ := s.Attrs["gen_ai.operation.name"].(string)
			out[op] = append(out[op], s)
		}
		return out
	}

	t.Run("generate", func(t *testing.T) {
		spans := run(t, "generate")
		if len(spans) != 1 {
			t.Fatalf("want one span:\n%s", otlpreceiver.Describe(spans))
		}
		chat(t, spans[0])
		if spans[0].ParentSpanID != "" {
			t.Errorf("the chat span's parent %s is a span of Genkit's, which is exported nowhere", spans[0].ParentSpanID)
		}
	})
	t.Run("stream", func(t *testing.T) {
		spans := run(t, "stream")
		ops := byOperation(spans)
		if len(spans) != 4 || len(ops["chat"]) != 2 || len(ops["execute_tool"]) != 2 {
			t.Fatalf("want 2 chat and 2 execute_tool spans:\n%s", otlpreceiver.Describe(spans))
		}
		for _, s := range ops["chat"] {
			if s.Name != "chat gpt-4o-mini" || s.Kind != "client" || s.StatusCode != "unset" {
				t.Errorf("chat span %q kind %s status %s", s.Name, s.Kind, s.StatusCode)
			}
			if _, ok := s.Attrs["gen_ai.response.time_to_first_chunk"].(float64); !ok {
				t.Errorf("streamed chat span without time to first chunk: %v", s.Attrs)
			}
		}
		// The first request ends in tool calls, the second in the answer.
		finishes := map[string]bool{}
		for _, s := range ops["chat"] {
			if fr, ok := s.Attrs["gen_ai.response.finish_reasons"].([]any); ok && len(fr) == 1 {
				finishes[fr[0].(string)] = true
			}
		}
		if !finishes["tool_calls"] || !finishes["stop"] {
			t.Errorf("finish reasons of the streamed requests: %v, want tool_calls and stop", finishes)
		}
	})
	t.Run("tools", func(t *testing.T) {
		spans := run(t, "tools", "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
		ops := byOperation(spans)
		if len(spans) != 4 || len(ops["chat"]) != 2 || len(ops["execute_tool"]) != 2 {
			t.Fatalf("want 2 chat and 2 execute_tool spans:\n%s", otlpreceiver.Describe(spans))
		}
		for _, s := range ops["chat"] {
			chat(t, s)
		}
		for _, s := range ops["execute_tool"] {
			name, _ := s.Attrs["gen_ai.tool.name"].(string)
			if s.Name != "execute_tool "+name || s.Kind != "internal" || s.StatusCode != "unset" {
				t.Errorf("tool span %q kind %s status %s", s.Name, s.Kind, s.StatusCode)
			}
			want := map[string]map[string]any{
				"get_weather": {"gen_ai.tool.call.arguments": `{"city":"Paris"}`, "gen_ai.tool.call.result": `"sunny in Paris"`},
				"get_time":    {"gen_ai.tool.call.arguments": `{}`, "gen_ai.tool.call.result": `"noon"`},
			}[name]
			if want == nil {
				t.Errorf("tool %q", name)
				continue
			}
			llmtest.WantAttrs(t, s, want)
		}
	})
}
