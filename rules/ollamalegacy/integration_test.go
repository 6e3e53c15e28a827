package ollamalegacy_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/ollama/ollamatest"
)

// TestIntegration builds testdata/app against v0.1.29 of
// github.com/jmorganca/ollama/api (the release real applications pin
// under the old module path), runs it against a server speaking Ollama's
// API, and checks the spans.
func TestIntegration(t *testing.T) {
	llmtest.SkipShort(t)
	bin := llmtest.BuildApp(t, "testdata/app", "github.com/jmorganca/ollama@v0.1.29")
	server := httptest.NewServer(ollamatest.Server{})
	defer server.Close()
	receiver := otlpreceiver.Start()
	defer receiver.Close()
	runMode := func(t *testing.T, mode string, extra ...string) otlpreceiver.Span {
		t.Helper()
		receiver.Reset()
		env := append([]string{"OLLAMA_HOST=" + server.URL, "OTEL_EXPORTER_OTLP_ENDPOINT=" + receiver.URL(),
			"OTEL_BSP_SCHEDULE_DELAY=60000"}, extra...)
		out, err := llmtest.RunErr("", env, bin, mode)
		if err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, out)
		}
		if strings.HasPrefix(mode, "chat") || mode == "generate" {
			if !strings.Contains(out, fakeprovider.Answer) {
				t.Errorf("program output changed: %s", out)
			}
		}
		spans := receiver.Spans()
		if len(spans) != 1 {
			t.Fatalf("%d spans, want 1:\n%s", len(spans), otlpreceiver.Describe(spans))
		}
		return spans[0]
	}
	common := map[string]any{
		"gen_ai.provider.name": "ollama", "gen_ai.request.model": "llama3.2", "gen_ai.response.model": "llama3.2",
		"gen_ai.request.temperature": 0.2, "gen_ai.request.max_tokens": int64(64), "gen_ai.request.stop_sequences": []any{"END"},
		"gen_ai.response.finish_reasons": []any{"stop"},
		"gen_ai.usage.input_tokens":      int64(ollamatest.PromptTokens), "gen_ai.usage.output_tokens": int64(ollamatest.EvalTokens),
		"server.address": "127.0.0.1", "server.port": llmtest.Port(t, server.URL),
	}
	for _, tc := range []struct {
		mode, op string
		stream   bool
	}{{"chat", "chat", true}, {"chat-sync", "chat", false}, {"generate", "text_completion", true}} {
		t.Run(tc.mode, func(t *testing.T) {
			s := runMode(t, tc.mode)
			llmtest.WantAttrs(t, s, common)
			llmtest.WantAttrs(t, s, map[string]any{"gen_ai.operation.name": tc.op})
			if s.Name != tc.op+" llama3.2" || s.StatusCode == "error" {
				t.Errorf("span %q status %s", s.Name, s.StatusCode)
			}
			if tc.stream {
				llmtest.WantAttrs(t, s, map[string]any{"gen_ai.request.stream": true})
			} else {
				llmtest.NoAttrs(t, s, "gen_ai.request.stream")
			}
		})
	}
	t.Run("content", func(t *testing.T) {
		s := runMode(t, "chat", "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
		llmtest.WantJSON(t, s, "gen_ai.input.messages", `[{"role":"system","parts":[{"type":"text","content":"You are terse."}]},`+
			`{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]`)
		llmtest.WantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+fakeprovider.Answer+`"}],"finish_reason":"stop"}]`)
	})
	t.Run("embeddings", func(t *testing.T) {
		s := runMode(t, "embeddings")
		if s.Name != "embeddings nomic-embed-text" {
			t.Errorf("span %q", s.Name)
		}
		llmtest.WantAttrs(t, s, map[string]any{"gen_ai.operation.name": "embeddings", "gen_ai.provider.name": "ollama",
			"gen_ai.embeddings.dimension.count": int64(ollamatest.Dimensions)})
		llmtest.NoAttrs(t, s, "error.type")
	})
	t.Run("api_error", func(t *testing.T) {
		s := runMode(t, "error")
		if s.StatusCode != "error" {
			t.Errorf("status %s", s.StatusCode)
		}
		if _, ok := s.Attrs["error.type"]; !ok {
			t.Error("no error.type")
		}
	})
}
