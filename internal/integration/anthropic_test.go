package integration

import (
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"golang.org/x/mod/semver"
)

// TestAnthropic builds testdata/anthropicapp against the oldest supported
// and the newest served release of github.com/anthropics/anthropic-sdk-go,
// runs it against a server speaking the Messages wire format (JSON, and SSE
// with event: lines), and checks the spans. From v1.81 the SDK records spans
// of its own; llminstr turns those off for the calls it traces, so each call
// has one span.
func TestAnthropic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	for _, version := range []string{"v1.2.0", "v1.84.0"} {
		t.Run(version, func(t *testing.T) { testAnthropic(t, version) })
	}
}

func testAnthropic(t *testing.T, version string) {
	dir := copyApp(t, "anthropicapp")
	run(t, dir, []string{"GOFLAGS=-mod=mod"}, "go", "get", "github.com/anthropics/anthropic-sdk-go@"+version)
	run(t, dir, []string{"GOFLAGS=-mod=mod"}, "go", "mod", "tidy")
	bin := filepath.Join(t.TempDir(), "anthropicapp")
	out := run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, ".")
	if strings.Contains(out, "warning") {
		t.Errorf("build warned:\n%s", out)
	}
	server := httptest.NewServer(fakeprovider.Anthropic{})
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
		out, err := runErr("", env, bin, mode)
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
		"server.address":                "127.0.0.1", "server.port": port(t, server.URL),
	}
	input := int64(fakeprovider.AnthropicInputTokens + fakeprovider.AnthropicCacheRead + fakeprovider.AnthropicCacheCreation)
	usage := map[string]any{
		"gen_ai.usage.input_tokens": input, "gen_ai.usage.output_tokens": int64(fakeprovider.AnthropicOutputTokens),
		"gen_ai.usage.cache_read.input_tokens":     int64(fakeprovider.AnthropicCacheRead),
		"gen_ai.usage.cache_creation.input_tokens": int64(fakeprovider.AnthropicCacheCreation),
		"gen_ai.response.id":                       fakeprovider.AnthropicMessageID, "gen_ai.response.model": model,
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
			wantAttrs(t, s, request)
			wantAttrs(t, s, usage)
			wantAttrs(t, s, tc.want)
			noAttrs(t, s, tc.absent...)
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
			wantJSON(t, s, "gen_ai.system_instructions", `[{"type":"text","content":"You are terse."}]`)
			wantJSON(t, s, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]`)
			wantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+fakeprovider.Answer+`"},`+
				`{"type":"tool_call","id":"`+fakeprovider.AnthropicToolUseID+`","name":"get_weather","arguments":{"city":"Paris"}}],"finish_reason":"tool_use"}]`)
			var tools []struct{ Type, Name, Description string }
			parseJSON(t, s, "gen_ai.tool.definitions", &tools)
			if len(tools) != 1 || tools[0].Type != "function" || tools[0].Name != "get_weather" || tools[0].Description != "The weather in a city" {
				t.Errorf("%s: tool definitions %v", mode, s.Attrs["gen_ai.tool.definitions"])
			}
		}
	})

	t.Run("early_close", func(t *testing.T) {
		s := runMode(t, "early")
		noAttrs(t, s, "error.type", "gen_ai.response.finish_reasons")
		wantAttrs(t, s, map[string]any{"gen_ai.response.id": fakeprovider.AnthropicMessageID})
	})
	t.Run("stream_error_event", func(t *testing.T) {
		s := runMode(t, "overloaded")
		if s.StatusCode != "error" {
			t.Errorf("status %s", s.StatusCode)
		}
		wantAttrs(t, s, map[string]any{"gen_ai.response.finish_reasons": []any{"error"}})
		wantAttrs(t, s, map[string]any{"error.type": "overloaded_error"})
	})
	t.Run("api_error", func(t *testing.T) {
		s := runMode(t, "error")
		wantAttrs(t, s, map[string]any{"error.type": "NotFoundError"})
		noAttrs(t, s, "gen_ai.response.id", "gen_ai.usage.input_tokens")
	})
	t.Run("no_credentials", func(t *testing.T) {
		// What the SDK does without credentials (fail before sending, from
		// v1.60) the instrumented build does too.
		plain := filepath.Join(t.TempDir(), "anthropicapp-plain")
		run(t, dir, nil, "go", "build", "-o", plain, ".")
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
