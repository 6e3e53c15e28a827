package anthropic_test

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/anthropic/anthropictest"
	"golang.org/x/mod/semver"
)

// TestIntegration builds testdata/app against the oldest supported
// and the newest served release of github.com/anthropics/anthropic-sdk-go,
// runs it against a server speaking the Messages wire format (JSON, and SSE
// with event: lines), and checks the spans. From v1.81 the SDK records spans
// of its own; llminstr turns those off for the calls it traces, so each call
// has one span.
func TestIntegration(t *testing.T) {
	llmtest.SkipShort(t)
	for _, version := range []string{"v1.2.0", "v1.84.0"} {
		t.Run(version, func(t *testing.T) { testAnthropic(t, version) })
	}
}

func testAnthropic(t *testing.T, version string) {
	dir := llmtest.PrepareApp(t, "testdata/app", "github.com/anthropics/anthropic-sdk-go@"+version)
	bin := llmtest.Build(t, dir)
	server := httptest.NewServer(anthropictest.Server{})
	defer server.Close()
	receiver := otlpreceiver.Start()
	defer receiver.Close()
	runMode := func(t *testing.T, mode string, extra ...string) otlpreceiver.Span {
		t.Helper()
		receiver.Reset()
		env := append([]string{
			"ANTHROPICAPP_BASE_URL=" + server.URL + "/",
			"OTEL_EXPORTER_OTLP_ENDPOINT=" + receiver.URL(),
			"OTEL_BSP_SCHEDULE_DELAY=60000",
		}, extra...)
		out, err := llmtest.RunErr("", env, bin, mode)
		if err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, out)
		}
		spans := receiver.Spans()
		if len(spans) != 1 {
			t.Fatalf("%d spans, want 1 (the SDK's own must be off):\n%s", len(spans), otlpreceiver.Describe(spans))
		}
		return spans[0]
	}
	const model = "claude-sonnet-4-5-20250929"
	request := map[string]any{
		"gen_ai.provider.name": "anthropic", "gen_ai.operation.name": "chat", "gen_ai.request.model": model,
		"gen_ai.request.max_tokens": int64(256), "gen_ai.request.temperature": 0.5, "gen_ai.request.top_k": 40.0,
		"gen_ai.request.stop_sequences": []any{"END"},
		"server.address":                "127.0.0.1", "server.port": llmtest.Port(t, server.URL),
	}
	input := int64(anthropictest.InputTokens + anthropictest.CacheRead + anthropictest.CacheCreation)
	usage := map[string]any{
		"gen_ai.usage.input_tokens": input, "gen_ai.usage.output_tokens": int64(anthropictest.OutputTokens),
		"gen_ai.usage.cache_read.input_tokens":     int64(anthropictest.CacheRead),
		"gen_ai.usage.cache_creation.input_tokens": int64(anthropictest.CacheCreation),
		"gen_ai.response.id":                       anthropictest.MessageID, "gen_ai.response.model": model,
	}
	for _, tc := range []struct {
		mode   string
		want   map[string]any
		absent []string
	}{
		{"plain", map[string]any{"gen_ai.response.finish_reasons": []any{"end_turn"}}, []string{"gen_ai.request.stream", "error.type", "gen_ai.input.messages"}},
		{"tools", map[string]any{"gen_ai.response.finish_reasons": []any{"tool_use"}}, nil},
		{"stream", map[string]any{"gen_ai.response.finish_reasons": []any{"end_turn"}, "gen_ai.request.stream": true}, []string{"error.type"}},
		{"tools-stream", map[string]any{"gen_ai.response.finish_reasons": []any{"tool_use"}, "gen_ai.request.stream": true}, nil},
		{"beta-tools", map[string]any{"gen_ai.response.finish_reasons": []any{"tool_use"}}, []string{"gen_ai.request.stream"}},
		{"beta-tools-stream", map[string]any{"gen_ai.response.finish_reasons": []any{"tool_use"}, "gen_ai.request.stream": true}, nil},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			s := runMode(t, tc.mode)
			if s.Name != "chat "+model || s.Kind != "client" || s.StatusCode == "error" {
				t.Errorf("span %q kind %s status %s", s.Name, s.Kind, s.StatusCode)
			}
			llmtest.WantAttrs(t, s, request)
			llmtest.WantAttrs(t, s, usage)
			llmtest.WantAttrs(t, s, tc.want)
			llmtest.NoAttrs(t, s, tc.absent...)
			if strings.HasSuffix(tc.mode, "stream") {
				if _, ok := s.Attrs["gen_ai.response.time_to_first_chunk"].(float64); !ok {
					t.Error("no time_to_first_chunk")
				}
			}
		})
	}

	t.Run("content", func(t *testing.T) {
		for _, mode := range []string{"tools", "tools-stream", "beta-tools", "beta-tools-stream"} {
			s := runMode(t, mode, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
			llmtest.WantJSON(t, s, "gen_ai.system_instructions", `[{"type":"text","content":"You are terse."}]`)
			llmtest.WantJSON(t, s, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]`)
			llmtest.WantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+fakeprovider.Answer+`"},`+
				`{"type":"tool_call","id":"`+anthropictest.ToolUseID+`","name":"get_weather","arguments":{"city":"Paris"}}],"finish_reason":"tool_use"}]`)
			var tools []struct{ Type, Name, Description string }
			llmtest.ParseJSON(t, s, "gen_ai.tool.definitions", &tools)
			if len(tools) != 1 || tools[0].Type != "function" || tools[0].Name != "get_weather" || tools[0].Description != "The weather in a city" {
				t.Errorf("%s: tool definitions %v", mode, s.Attrs["gen_ai.tool.definitions"])
			}
		}
	})

	t.Run("early_close", func(t *testing.T) {
		s := runMode(t, "early")
		llmtest.NoAttrs(t, s, "error.type", "gen_ai.response.finish_reasons")
		llmtest.WantAttrs(t, s, map[string]any{"gen_ai.response.id": anthropictest.MessageID})
	})
	t.Run("stream_error_event", func(t *testing.T) {
		s := runMode(t, "overloaded")
		if s.StatusCode != "error" {
			t.Errorf("status %s", s.StatusCode)
		}
		llmtest.WantAttrs(t, s, map[string]any{"gen_ai.response.finish_reasons": []any{"error"}})
		llmtest.WantAttrs(t, s, map[string]any{"error.type": "overloaded_error"})
	})
	t.Run("api_error", func(t *testing.T) {
		s := runMode(t, "error")
		llmtest.WantAttrs(t, s, map[string]any{"error.type": "NotFoundError"})
		llmtest.NoAttrs(t, s, "gen_ai.response.id", "gen_ai.usage.input_tokens")
	})
	t.Run("no_credentials", func(t *testing.T) {
		// What the SDK does without credentials (fail before sending, from
		// v1.60) the instrumented build does too.
		plain := filepath.Join(t.TempDir(), "anthropicapp-plain")
		llmtest.Run(t, dir, nil, "go", "build", "-o", plain, ".")
		env := []string{"ANTHROPICAPP_BASE_URL=" + server.URL + "/", "ANTHROPIC_API_KEY=", "ANTHROPIC_AUTH_TOKEN=",
			"ANTHROPIC_CONFIG_DIR=" + t.TempDir(), "HOME=" + t.TempDir()}
		var outs []string
		for _, b := range []string{plain, bin} {
			cmd := exec.Command(b, "nocreds")
			for _, kv := range append(os.Environ(), env...) {
				if !strings.HasPrefix(kv, "ANTHROPIC_API_KEY=") && !strings.HasPrefix(kv, "ANTHROPIC_AUTH_TOKEN=") {
					cmd.Env = append(cmd.Env, kv)
				}
			}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s nocreds: %v", b, err)
			}
			outs = append(outs, string(out))
		}
		if outs[0] != outs[1] {
			t.Errorf("without credentials, plain: %q\ninstrumented: %q", outs[0], outs[1])
		}
		if wantErr := semver.Compare(version, "v1.60.0") >= 0; wantErr != strings.Contains(outs[1], "no Anthropic credentials found") {
			t.Errorf("%s without credentials: %q", version, outs[1])
		}
	})
}
