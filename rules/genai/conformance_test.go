package genai_test

import (
	"path/filepath"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
)

// TestConformance replays the Vertex AI cassette through
// google.golang.org/genai built with -toolexec=llminstr and checks the
// values its suite expects.
func TestConformance(t *testing.T) {
	llmtest.SkipShort(t)
	cassette := filepath.Join(llmtest.ConformanceDir(t, "gemini"), "test_non_streaming_vertex.yaml")
	bin := llmtest.Build(t, llmtest.CopyApp(t, "testdata/conformance"))
	receiver := otlpreceiver.Start()
	defer receiver.Close()
	spans, _ := llmtest.Replay(t, bin, receiver, cassette)
	if len(spans) != 1 {
		t.Fatalf("spans:\n%s", otlpreceiver.Describe(spans))
	}
	s := spans[0]
	if s.Name != "generate_content gemini-2.5-flash" {
		t.Errorf("span %q", s.Name)
	}
	llmtest.WantAttrs(t, s, map[string]any{
		"gen_ai.provider.name": "gcp.vertex_ai", "gen_ai.operation.name": "generate_content",
		"gen_ai.response.id": "hizpaKmcH9qs698P85HHgAU", "gen_ai.usage.input_tokens": int64(8),
		"gen_ai.usage.output_tokens": int64(433 + 1477), "gen_ai.usage.reasoning.output_tokens": int64(1477),
		"gen_ai.response.finish_reasons": []any{"stop"},
		"server.address":                 "test-location-aiplatform.googleapis.com", "server.port": int64(443),
	})
}
