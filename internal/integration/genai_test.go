package integration

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
)

// TestGenAI builds testdata/genaiapp against the oldest supported and the
// newest served release of google.golang.org/genai, runs it against a
// server speaking the Gemini API (JSON and SSE), and checks the spans.
func TestGenAI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	for _, version := range []string{"v1.20.0", "v1.77.0"} {
		t.Run(version, func(t *testing.T) { testGenAI(t, version) })
	}
}

func testGenAI(t *testing.T, version string) {
	dir := copyApp(t, "genaiapp")
	run(t, dir, []string{"GOFLAGS=-mod=mod"}, "go", "get", "google.golang.org/genai@"+version)
	run(t, dir, []string{"GOFLAGS=-mod=mod"}, "go", "mod", "tidy")
	bin := filepath.Join(t.TempDir(), "genaiapp")
	out := run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, ".")
	if strings.Contains(out, "warning") {
		t.Errorf("build warned:\n%s", out)
	}
	server := httptest.NewServer(fakeprovider.Gemini{})
	defer server.Close()
	receiver := otlpreceiver.Start()
	defer receiver.Close()
	runMode := func(t *testing.T, mode string, extra ...string) otlpreceiver.Span {
		t.Helper()
		receiver.Reset()
		env := append([]string{"GENAIAPP_BASE_URL=" + server.URL + "/", "OTEL_EXPORTER_OTLP_ENDPOINT=" + receiver.URL(),
			"OTEL_BSP_SCHEDULE_DELAY=60000"}, extra...)
		out, err := runErr("", env, bin, mode)
		if err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, out)
		}
		if mode != "error" && mode != "embed" && mode != "early" && !strings.Contains(out, fakeprovider.Answer) {
			t.Errorf("program output changed: %s", out)
		}
		spans := receiver.Spans()
		if len(spans) != 1 {
			t.Fatalf("%d spans, want 1:\n%s", len(spans), otlpreceiver.Describe(spans))
		}
		return spans[0]
	}
	request := map[string]any{
		"gen_ai.provider.name": "gcp.gemini", "gen_ai.operation.name": "generate_content", "gen_ai.request.model": "gemini-2.5-flash",
		"gen_ai.request.temperature": 0.7, "gen_ai.request.top_k": 20.0, "gen_ai.request.max_tokens": int64(128),
		"gen_ai.request.stop_sequences": []any{"END"}, "server.address": "127.0.0.1", "server.port": port(t, server.URL),
	}
	response := map[string]any{
		"gen_ai.response.id": fakeprovider.GeminiResponseID, "gen_ai.response.model": "gemini-2.5-flash",
		"gen_ai.response.finish_reasons":       []any{"stop"},
		"gen_ai.usage.input_tokens":            int64(fakeprovider.GeminiPromptTokens),
		"gen_ai.usage.output_tokens":           int64(fakeprovider.GeminiOutputTokens + fakeprovider.GeminiThoughts),
		"gen_ai.usage.reasoning.output_tokens": int64(fakeprovider.GeminiThoughts),
	}
	for _, mode := range []string{"plain", "stream", "chat", "chat_stream"} {
		t.Run(mode, func(t *testing.T) {
			s := runMode(t, mode)
			if s.Name != "generate_content gemini-2.5-flash" || s.Kind != "client" || s.StatusCode == "error" {
				t.Errorf("span %q kind %s status %s", s.Name, s.Kind, s.StatusCode)
			}
			wantAttrs(t, s, request)
			wantAttrs(t, s, response)
			if strings.HasSuffix(mode, "stream") {
				wantAttrs(t, s, map[string]any{"gen_ai.request.stream": true})
				if _, ok := s.Attrs["gen_ai.response.time_to_first_chunk"].(float64); !ok {
					t.Error("no time_to_first_chunk")
				}
			}
		})
	}
	t.Run("content", func(t *testing.T) {
		s := runMode(t, "tools", "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
		wantJSON(t, s, "gen_ai.system_instructions", `[{"type":"text","content":"You are terse."}]`)
		wantJSON(t, s, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]`)
		wantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+fakeprovider.Answer+`"},`+
			`{"type":"tool_call","name":"get_weather","arguments":{"city":"Paris"}}],"finish_reason":"stop"}]`)
		wantJSON(t, s, "gen_ai.tool.definitions", `[{"type":"function","name":"get_weather","description":"The weather in a city",`+
			`"parameters":{"type":"object","properties":{"city":{"type":"string"}}}}]`)
	})
	t.Run("chat_content", func(t *testing.T) {
		for _, mode := range []string{"chat", "chat_stream"} {
			s := runMode(t, mode, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
			wantJSON(t, s, "gen_ai.system_instructions", `[{"type":"text","content":"You are terse."}]`)
			wantJSON(t, s, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Hi"}]},`+
				`{"role":"assistant","parts":[{"type":"text","content":"Hello."}]},`+
				`{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]`)
			wantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+fakeprovider.Answer+`"}],"finish_reason":"stop"}]`)
		}
	})
	t.Run("early_stop", func(t *testing.T) {
		s := runMode(t, "early")
		noAttrs(t, s, "error.type")
		wantAttrs(t, s, map[string]any{"gen_ai.response.id": fakeprovider.GeminiResponseID})
	})
	t.Run("embeddings", func(t *testing.T) {
		s := runMode(t, "embed")
		if s.Name != "embeddings text-embedding-004" {
			t.Errorf("span %q", s.Name)
		}
		wantAttrs(t, s, map[string]any{"gen_ai.operation.name": "embeddings", "gen_ai.embeddings.dimension.count": int64(fakeprovider.GeminiDimensions)})
	})
	t.Run("api_error", func(t *testing.T) {
		s := runMode(t, "error")
		wantAttrs(t, s, map[string]any{"error.type": "NotFoundError"})
		noAttrs(t, s, "gen_ai.response.id")
	})
}
