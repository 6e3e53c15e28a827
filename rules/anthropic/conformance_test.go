package anthropic_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
)

// TestConformance replays the Anthropic cassettes through
// anthropic-sdk-go built with -toolexec=llminstr and checks the values their
// suites expect.
func TestConformance(t *testing.T) {
	llmtest.SkipShort(t)
	cassettes := llmtest.ConformanceDir(t, "anthropic")
	bin := llmtest.Build(t, llmtest.CopyApp(t, "testdata/conformance"))
	receiver := otlpreceiver.Start()
	defer receiver.Close()
	replay := func(t *testing.T, name string) otlpreceiver.Span {
		t.Helper()
		spans, _ := llmtest.Replay(t, bin, receiver, filepath.Join(cassettes, name), "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
		return llmtest.OneChatSpan(t, spans)
	}
	common := map[string]any{
		"gen_ai.provider.name": "anthropic", "gen_ai.operation.name": "chat",
		"server.address": "api.anthropic.com", "server.port": int64(443),
	}
	t.Run("message_create", func(t *testing.T) {
		s := replay(t, "test_anthropic_message_create_legacy.yaml")
		llmtest.WantAttrs(t, s, common)
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.request.model": "claude-3-opus-20240229", "gen_ai.response.model": "claude-3-opus-20240229",
			"gen_ai.response.id": "msg_01TPXhkPo8jy6yQMrMhjpiAE", "gen_ai.response.finish_reasons": []any{"end_turn"},
			"gen_ai.usage.input_tokens": int64(17), "gen_ai.usage.output_tokens": int64(220),
		})
		var out []struct {
			Role         string
			FinishReason string `json:"finish_reason"`
			Parts        []struct{ Type, Content string }
		}
		llmtest.ParseJSON(t, s, "gen_ai.output.messages", &out)
		if len(out) != 1 || out[0].FinishReason != "end_turn" || len(out[0].Parts) != 1 || out[0].Parts[0].Type != "text" || out[0].Parts[0].Content == "" {
			t.Errorf("output messages %v", s.Attrs["gen_ai.output.messages"])
		}
	})
	t.Run("message_streaming", func(t *testing.T) {
		s := replay(t, "test_anthropic_message_streaming_legacy.yaml")
		llmtest.WantAttrs(t, s, common)
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.request.model": "claude-3-haiku-20240307", "gen_ai.response.id": "msg_01MXWxhWoPSgrYhjTuMDM6F1",
			"gen_ai.usage.input_tokens": int64(17), "gen_ai.usage.output_tokens": int64(171),
			"gen_ai.request.stream": true, "gen_ai.request.max_tokens": int64(1024),
		})
	})
	t.Run("tools", func(t *testing.T) {
		s := replay(t, "test_anthropic_tools_legacy.yaml")
		llmtest.WantAttrs(t, s, common)
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.request.model": "claude-3-5-sonnet-20240620", "gen_ai.response.finish_reasons": []any{"tool_use"},
			"gen_ai.usage.input_tokens": int64(514), "gen_ai.usage.output_tokens": int64(152),
		})
		var out []struct {
			Parts []struct{ Type, Name string }
		}
		llmtest.ParseJSON(t, s, "gen_ai.output.messages", &out)
		var types []string
		for _, p := range out[0].Parts {
			types = append(types, p.Type)
		}
		if strings.Join(types, ",") != "text,tool_call,tool_call" {
			t.Errorf("output parts %v, want text and two tool calls", types)
		}
		var tools []struct{ Name string }
		llmtest.ParseJSON(t, s, "gen_ai.tool.definitions", &tools)
		if len(tools) == 0 || tools[0].Name == "" {
			t.Errorf("tool definitions %v", s.Attrs["gen_ai.tool.definitions"])
		}
	})
}
