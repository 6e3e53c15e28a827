package goopenai_test

import (
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/openai/openaitest"
)

// TestIntegration builds testdata/app against the oldest supported and
// the newest served release of github.com/sashabaranov/go-openai and checks
// the spans of each way it calls the SDK. Its streams are concrete types
// read with Recv: the span is attached to the stream object and ends on
// io.EOF, an error, Close, the end of the call's context, or garbage
// collection of an abandoned stream.
func TestIntegration(t *testing.T) {
	llmtest.SkipShort(t)
	// v1.32 is the first release with max_completion_tokens and usage
	// details; before v1.40 responses carry no service tier, and the
	// fallback adapter serves them.
	for _, version := range []string{"v1.32.5", "v1.43.0"} {
		t.Run(version, func(t *testing.T) { testGoOpenAI(t, version) })
	}
}

func testGoOpenAI(t *testing.T, version string) {
	bin := llmtest.BuildApp(t, "testdata/app", "github.com/sashabaranov/go-openai@"+version)
	e := llmtest.NewSession(t, &openaitest.Server{}, "CHATAPP_BASE_URL", "/v1/")
	serverPort := llmtest.Port(t, e.Provider.URL)
	request := map[string]any{
		"gen_ai.provider.name": "openai", "gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini",
		"gen_ai.request.temperature": 0.5, "gen_ai.request.top_p": 0.9, "gen_ai.request.max_tokens": int64(64),
		"gen_ai.request.seed": int64(42), "gen_ai.request.choice.count": int64(2),
		"gen_ai.request.stop_sequences": []any{"\n\n", "END"}, "gen_ai.output.type": "text",
		"server.address": "127.0.0.1", "server.port": serverPort,
	}
	response := map[string]any{"gen_ai.response.id": openaitest.ResponseID, "gen_ai.response.model": "gpt-4o-mini-2024-07-18"}
	for _, tc := range []struct {
		mode   string
		want   map[string]any
		absent []string
		failed bool
	}{
		{mode: "plain", want: map[string]any{"gen_ai.response.finish_reasons": []any{"stop", "stop"},
			"gen_ai.usage.input_tokens": int64(openaitest.PromptTokens), "gen_ai.usage.output_tokens": int64(10)},
			absent: []string{"gen_ai.request.stream", "gen_ai.response.time_to_first_chunk"}},
		{mode: "stream", want: map[string]any{"gen_ai.request.stream": true, "gen_ai.response.finish_reasons": []any{"stop", "stop"},
			"gen_ai.usage.input_tokens": int64(openaitest.PromptTokens), "gen_ai.usage.output_tokens": int64(2 * len(fakeprovider.AnswerChunks))}},
		{mode: "embedded", want: map[string]any{"gen_ai.request.stream": true, "gen_ai.response.finish_reasons": []any{"stop", "stop"},
			"gen_ai.usage.input_tokens": int64(openaitest.PromptTokens), "gen_ai.usage.output_tokens": int64(2 * len(fakeprovider.AnswerChunks))}},
		{mode: "interface", want: map[string]any{"gen_ai.request.stream": true, "gen_ai.response.finish_reasons": []any{"stop", "stop"},
			"gen_ai.usage.input_tokens": int64(openaitest.PromptTokens), "gen_ai.usage.output_tokens": int64(2 * len(fakeprovider.AnswerChunks))},
			absent: []string{"error.type"}},
		{mode: "interface-unclosed", want: map[string]any{"gen_ai.request.stream": true, "gen_ai.response.finish_reasons": []any{"stop", "stop"},
			"gen_ai.usage.input_tokens": int64(openaitest.PromptTokens), "gen_ai.usage.output_tokens": int64(2 * len(fakeprovider.AnswerChunks))},
			absent: []string{"error.type"}},
		{mode: "via", want: map[string]any{"gen_ai.request.stream": true, "gen_ai.response.finish_reasons": []any{"stop", "stop"}},
			absent: []string{"gen_ai.usage.input_tokens"}},
		{mode: "early", want: map[string]any{"gen_ai.request.stream": true},
			absent: []string{"gen_ai.response.finish_reasons", "error.type"}},
		{mode: "cancel", want: map[string]any{"error.type": "canceled", "gen_ai.response.finish_reasons": []any{"error"}}, failed: true},
		{mode: "abandon", want: map[string]any{"gen_ai.request.stream": true}, absent: []string{"error.type"}},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			out, spans := e.Run(t, bin, false, tc.mode)
			if tc.mode == "plain" || tc.mode == "stream" || tc.mode == "embedded" || tc.mode == "via" || strings.HasPrefix(tc.mode, "interface") {
				if !strings.Contains(out, fakeprovider.Answer) {
					t.Errorf("program output changed: %s", out)
				}
			}
			s := llmtest.OneChatSpan(t, spans)
			if s.Name != "chat gpt-4o-mini" || s.Kind != "client" {
				t.Errorf("span %q kind %s", s.Name, s.Kind)
			}
			if (s.StatusCode == "error") != tc.failed {
				t.Errorf("status %s, want failed=%v", s.StatusCode, tc.failed)
			}
			llmtest.WantAttrs(t, s, request)
			llmtest.WantAttrs(t, s, response)
			llmtest.WantAttrs(t, s, tc.want)
			llmtest.NoAttrs(t, s, tc.absent...)
			if tc.mode != "plain" {
				if _, ok := s.Attrs["gen_ai.response.time_to_first_chunk"].(float64); !ok {
					t.Errorf("no time_to_first_chunk:\n%s", otlpreceiver.Describe(spans))
				}
			}
			for k, v := range s.Attrs {
				if str, ok := v.(string); ok && strings.Contains(str, "sk-test-secret") {
					t.Errorf("attribute %s carries the API key", k)
				}
			}
		})
	}

	t.Run("content", func(t *testing.T) {
		e.Receiver.Reset()
		out, err := llmtest.RunErr("", append(e.Env, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true"), bin, "content")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		s := llmtest.OneChatSpan(t, e.Receiver.Spans())
		llmtest.WantJSON(t, s, "gen_ai.input.messages", `[{"role":"system","parts":[{"type":"text","content":"You are terse."}]},`+
			`{"role":"user","parts":[{"type":"text","content":"Mail [REDACTED:email] my key [REDACTED:api_key]"}]}]`)
		// Two choices, accumulated from the chunks.
		answer := `{"role":"assistant","parts":[{"type":"text","content":"` + fakeprovider.Answer + `"}],"finish_reason":"stop"}`
		llmtest.WantJSON(t, s, "gen_ai.output.messages", "["+answer+","+answer+"]")
		if len(s.Events) != 0 {
			t.Errorf("content on the span only, but events %v", s.Events)
		}
	})
	t.Run("no_content_by_default", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "content")
		llmtest.NoAttrs(t, llmtest.OneChatSpan(t, spans), "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")
	})

	t.Run("completion", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "completion")
		s := llmtest.OneGenAISpan(t, spans)
		llmtest.WantAttrs(t, s, map[string]any{"gen_ai.operation.name": "text_completion", "gen_ai.request.model": "gpt-3.5-turbo-instruct",
			"gen_ai.request.max_tokens": int64(16), "gen_ai.response.finish_reasons": []any{"length"},
			"gen_ai.usage.input_tokens": int64(openaitest.PromptTokens), "gen_ai.usage.output_tokens": int64(len(fakeprovider.AnswerChunks)),
			"server.port": serverPort})
	})
	t.Run("completion_stream", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "completion-stream")
		s := llmtest.OneGenAISpan(t, spans)
		llmtest.WantAttrs(t, s, map[string]any{"gen_ai.operation.name": "text_completion", "gen_ai.request.stream": true,
			"gen_ai.response.finish_reasons": []any{"stop"}})
	})
	t.Run("embeddings", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "embed")
		s := llmtest.OneGenAISpan(t, spans)
		if s.Name != "embeddings text-embedding-3-small" {
			t.Errorf("span name %q", s.Name)
		}
		llmtest.WantAttrs(t, s, map[string]any{"gen_ai.operation.name": "embeddings", "gen_ai.embeddings.dimension.count": int64(4),
			"gen_ai.request.encoding_formats": []any{"float"}, "gen_ai.usage.input_tokens": int64(openaitest.EmbeddingTokens),
			"gen_ai.response.model": "text-embedding-3-small"})
		llmtest.NoAttrs(t, s, "gen_ai.usage.output_tokens")
	})
	t.Run("api_error", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "error")
		s := llmtest.OneChatSpan(t, spans)
		if s.StatusCode != "error" {
			t.Errorf("status %s", s.StatusCode)
		}
		llmtest.WantAttrs(t, s, map[string]any{"error.type": "NotFoundError", "gen_ai.request.model": fakeprovider.UnknownModel})
		llmtest.NoAttrs(t, s, "gen_ai.response.id", "gen_ai.response.model", "gen_ai.usage.input_tokens")
	})
}
