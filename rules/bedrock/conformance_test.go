package bedrock_test

import (
	"path/filepath"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
)

// TestConformance replays the Bedrock Converse cassette through
// bedrockruntime built with -toolexec=llminstr and checks the values its
// suite expects, and the captured content.
func TestConformance(t *testing.T) {
	llmtest.SkipShort(t)
	cassette := filepath.Join(llmtest.ConformanceDir(t, "bedrock"), "test_converse_with_content.yaml")
	bin := llmtest.Build(t, llmtest.CopyApp(t, "testdata/conformance"))
	receiver := otlpreceiver.Start()
	defer receiver.Close()
	spans, _ := llmtest.Replay(t, bin, receiver, cassette, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
	s := llmtest.OneChatSpan(t, spans)
	if s.Name != "chat amazon.titan-text-lite-v1" || s.Kind != "client" {
		t.Errorf("span %q kind %s", s.Name, s.Kind)
	}
	llmtest.WantAttrs(t, s, map[string]any{
		"gen_ai.provider.name": "aws.bedrock", "gen_ai.operation.name": "chat",
		"gen_ai.request.model": "amazon.titan-text-lite-v1", "gen_ai.request.max_tokens": int64(10),
		"gen_ai.request.temperature": 0.8, "gen_ai.request.top_p": 1.0, "gen_ai.request.stop_sequences": []any{"|"},
		"gen_ai.response.finish_reasons": []any{"max_tokens"},
		"gen_ai.usage.input_tokens":      int64(8), "gen_ai.usage.output_tokens": int64(10),
		"server.address": "bedrock-runtime.us-east-1.amazonaws.com", "server.port": int64(443),
	})
	llmtest.WantJSON(t, s, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]`)
	llmtest.WantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"Hi, how can I help you"}],"finish_reason":"max_tokens"}]`)
	if s.StatusCode == "error" {
		t.Errorf("status %s %s", s.StatusCode, s.StatusMessage)
	}
}
