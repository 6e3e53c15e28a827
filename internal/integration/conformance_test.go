package integration

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/cassette"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
)

// conformanceDir is the recorded provider traffic shared beside the repo.
func conformanceDir(t *testing.T) string {
	dir := filepath.Join(repoRoot(t), "..", "shared", "conformance")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("conformance data not found at %s: skipping the replay of recorded provider traffic", dir)
	}
	return dir
}

// TestConformanceOpenAI replays every OpenAI cassette through openai-go v3
// and through go-openai, each built with -toolexec=llminstr, and checks the
// values the cassettes' own suites expect (see
// ../shared/conformance/README.md).
func TestConformanceOpenAI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	cassettes := filepath.Join(conformanceDir(t), "openai")
	for _, app := range []string{"conformance-openai", "conformance-goopenai"} {
		t.Run(app, func(t *testing.T) { conformanceOpenAI(t, cassettes, app) })
	}
}

func conformanceOpenAI(t *testing.T, cassettes, app string) {
	dir := copyApp(t, app)
	bin := filepath.Join(t.TempDir(), "conformance")
	run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, ".")
	receiver := otlpreceiver.Start()
	defer receiver.Close()

	var logs []otlpreceiver.LogRecord
	replay := func(t *testing.T, name string) ([]otlpreceiver.Span, []otlpreceiver.Point) {
		t.Helper()
		its, err := cassette.Load(filepath.Join(cassettes, name))
		if err != nil {
			t.Fatal(err)
		}
		script := filepath.Join(t.TempDir(), "replay.json")
		if err := cassette.WriteJSON(script, its); err != nil {
			t.Fatal(err)
		}
		receiver.Reset()
		run(t, "", []string{"REPLAY_FILE=" + script, "OTEL_EXPORTER_OTLP_ENDPOINT=" + receiver.URL(),
			"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=SPAN_AND_EVENT"}, bin)
		logs = receiver.Logs()
		return receiver.Spans(), receiver.Points()
	}
	common := map[string]any{
		"gen_ai.provider.name": "openai", "gen_ai.operation.name": "chat",
		"server.address": "api.openai.com", "server.port": int64(443),
	}

	t.Run("chat_completion_with_content", func(t *testing.T) {
		spans, points := replay(t, "test_chat_completion_with_content.yaml")
		s := oneChatSpan(t, spans)
		if s.Name != "chat gpt-4o-mini" || s.Kind != "client" {
			t.Errorf("span %q kind %s", s.Name, s.Kind)
		}
		wantAttrs(t, s, common)
		wantAttrs(t, s, map[string]any{
			"gen_ai.request.model":           "gpt-4o-mini",
			"gen_ai.response.id":             "chatcmpl-ASYMQRl3A3DXL9FWCK9tnGRcKIO7q",
			"gen_ai.response.model":          "gpt-4o-mini-2024-07-18",
			"gen_ai.usage.input_tokens":      int64(12),
			"gen_ai.usage.output_tokens":     int64(5),
			"gen_ai.response.finish_reasons": []any{"stop"},
		})
		wantJSON(t, s, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]`)
		wantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"This is a test."}],"finish_reason":"stop"}]`)
		// The details event carries the same content.
		details := 0
		for _, e := range s.Events {
			if e.Name == "gen_ai.client.inference.operation.details" {
				details++
				if e.Attrs["gen_ai.input.messages"] != s.Attrs["gen_ai.input.messages"] || e.Attrs["gen_ai.output.messages"] != s.Attrs["gen_ai.output.messages"] {
					t.Errorf("details event %v differs from the span's content", e.Attrs)
				}
			}
		}
		if details != 1 {
			t.Errorf("%d details events, want 1", details)
		}
		// openai-go's program forwards the structured event to its log
		// pipeline (runtime.SetEventSink): one log record, in the span's
		// context, whose content is structured and equals the span's.
		if app == "conformance-openai" {
			var records []otlpreceiver.LogRecord
			for _, l := range logs {
				if l.EventName == "gen_ai.client.inference.operation.details" {
					records = append(records, l)
				}
			}
			if len(records) != 1 {
				t.Fatalf("%d details log records, want 1: %+v", len(records), logs)
			}
			e := records[0]
			if e.TraceID != s.TraceID || e.SpanID != s.SpanID {
				t.Errorf("event in trace %s span %s, the span is %s %s", e.TraceID, e.SpanID, s.TraceID, s.SpanID)
			}
			for _, key := range []string{"gen_ai.input.messages", "gen_ai.output.messages"} {
				var fromSpan any
				json.Unmarshal([]byte(s.Attrs[key].(string)), &fromSpan)
				if _, structured := e.Attrs[key].([]any); !structured || !reflect.DeepEqual(e.Attrs[key], fromSpan) {
					t.Errorf("event %s = %#v, want the span's %v, structured", key, e.Attrs[key], fromSpan)
				}
			}
		}
		durationBounds := []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
		tokens := map[string]float64{}
		for _, p := range points {
			switch p.Metric {
			case "gen_ai.client.token.usage":
				tokens[p.Attrs["gen_ai.token.type"].(string)] = p.Sum
				// 12 and 5 are both in the (4,16] bucket.
				if len(p.BucketCounts) < 3 || p.BucketCounts[2] != 1 {
					t.Errorf("token usage buckets %v", p.BucketCounts)
				}
			case "gen_ai.client.operation.duration":
				if !reflect.DeepEqual(p.Bounds, durationBounds) {
					t.Errorf("duration bounds %v", p.Bounds)
				}
			}
		}
		if tokens["input"] != 12 || tokens["output"] != 5 {
			t.Errorf("token usage metric %v, want input 12 output 5", tokens)
		}
	})

	t.Run("chat_completion_streaming", func(t *testing.T) {
		spans, _ := replay(t, "test_chat_completion_streaming.yaml")
		s := oneChatSpan(t, spans)
		wantAttrs(t, s, common)
		wantAttrs(t, s, map[string]any{
			"gen_ai.request.model":           "gpt-4",
			"gen_ai.response.model":          "gpt-4-0613",
			"gen_ai.response.id":             "chatcmpl-ASYMZ4oSykiIFK4lXLReDiKyAjsQl",
			"gen_ai.usage.input_tokens":      int64(12),
			"gen_ai.usage.output_tokens":     int64(5),
			"gen_ai.response.finish_reasons": []any{"stop"},
			"gen_ai.request.stream":          true,
		})
		wantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"\"This is a test.\""}],"finish_reason":"stop"}]`)
	})

	t.Run("chat_completion_tool_calls", func(t *testing.T) {
		spans, _ := replay(t, "test_chat_completion_tool_calls_with_content.yaml")
		chats := chatSpans(spans)
		if len(chats) != 2 {
			t.Fatalf("got %d chat spans, want 2:\n%s", len(chats), otlpreceiver.Describe(spans))
		}
		byID := map[any]otlpreceiver.Span{}
		for _, s := range chats {
			byID[s.Attrs["gen_ai.response.id"]] = s
		}
		wantAttrs(t, byID["chatcmpl-ASYMU9Ntix7ePttk0MSuerJstef6U"], map[string]any{
			"gen_ai.usage.input_tokens": int64(75), "gen_ai.usage.output_tokens": int64(51),
			"gen_ai.response.finish_reasons": []any{"tool_calls"},
		})
		wantAttrs(t, byID["chatcmpl-ASYMVzdmBGDbUoHFmt6R16tdtZUzR"], map[string]any{
			"gen_ai.usage.input_tokens": int64(99), "gen_ai.usage.output_tokens": int64(25),
			"gen_ai.response.finish_reasons": []any{"stop"},
		})
		first, second := byID["chatcmpl-ASYMU9Ntix7ePttk0MSuerJstef6U"], byID["chatcmpl-ASYMVzdmBGDbUoHFmt6R16tdtZUzR"]
		var out []struct {
			Parts []struct{ Type, ID, Name string }
		}
		parseJSON(t, first, "gen_ai.output.messages", &out)
		if len(out) != 1 || len(out[0].Parts) != 2 || out[0].Parts[0].Type != "tool_call" || out[0].Parts[1].Type != "tool_call" {
			t.Errorf("first call's output messages: %v", first.Attrs["gen_ai.output.messages"])
		}
		var tools []struct{ Type, Name string }
		parseJSON(t, first, "gen_ai.tool.definitions", &tools)
		if len(tools) == 0 || tools[0].Type != "function" || tools[0].Name == "" {
			t.Errorf("tool definitions: %v", first.Attrs["gen_ai.tool.definitions"])
		}
		var in []struct {
			Role  string
			Parts []struct {
				Type, ID            string
				Arguments, Response any
			}
		}
		parseJSON(t, second, "gen_ai.input.messages", &in)
		var calls, responses []string
		for _, m := range in {
			for _, p := range m.Parts {
				switch {
				case m.Role == "assistant" && p.Type == "tool_call":
					calls = append(calls, p.ID)
					if _, ok := p.Arguments.(map[string]any); !ok {
						t.Errorf("tool call arguments %v are not an object", p.Arguments)
					}
				case m.Role == "tool" && p.Type == "tool_call_response":
					responses = append(responses, fmt.Sprint(p.Response))
				}
			}
		}
		if strings.Join(calls, ",") != "call_JpNb8OiAkbIbHzDggfpdDHpi,call_vaFQc3zK6hHTRZKXRI5Eo2cJ" ||
			strings.Join(responses, ",") != "50 degrees and raining,70 degrees and sunny" {
			t.Errorf("second call's input: calls %v, responses %v", calls, responses)
		}
	})

	t.Run("chat_completion_multiple_choices", func(t *testing.T) {
		spans, _ := replay(t, "test_chat_completion_multiple_choices.yaml")
		wantAttrs(t, oneChatSpan(t, spans), map[string]any{
			"gen_ai.request.choice.count":    int64(2),
			"gen_ai.response.finish_reasons": []any{"stop", "stop"},
			"gen_ai.usage.input_tokens":      int64(12),
			"gen_ai.usage.output_tokens":     int64(24),
		})
		var out []struct {
			FinishReason string `json:"finish_reason"`
		}
		parseJSON(t, oneChatSpan(t, spans), "gen_ai.output.messages", &out)
		if len(out) != 2 || out[0].FinishReason != "stop" || out[1].FinishReason != "stop" {
			t.Errorf("output messages %+v, want two that stopped", out)
		}
	})

	t.Run("embeddings_with_dimensions", func(t *testing.T) {
		spans, _ := replay(t, "test_embeddings_with_dimensions.yaml")
		if len(spans) != 1 || spans[0].Name != "embeddings text-embedding-3-small" {
			t.Fatalf("spans:\n%s", otlpreceiver.Describe(spans))
		}
		wantAttrs(t, spans[0], map[string]any{
			"gen_ai.operation.name":             "embeddings",
			"gen_ai.usage.input_tokens":         int64(8),
			"gen_ai.embeddings.dimension.count": int64(512),
			"server.address":                    "api.openai.com",
		})
	})
}

// parseJSON decodes the JSON string attribute key of s into v.
func parseJSON(t *testing.T, s otlpreceiver.Span, key string, v any) {
	t.Helper()
	str, ok := s.Attrs[key].(string)
	if !ok {
		t.Errorf("span %q: no %s", s.Name, key)
		return
	}
	if err := json.Unmarshal([]byte(str), v); err != nil {
		t.Errorf("span %q: %s is not JSON: %v\n%s", s.Name, key, err, str)
	}
}

// wantJSON checks that the JSON string attribute key of s equals want as
// JSON.
func wantJSON(t *testing.T, s otlpreceiver.Span, key, want string) {
	t.Helper()
	var got, exp any
	parseJSON(t, s, key, &got)
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("span %q: %s = %v\nwant %s", s.Name, key, s.Attrs[key], want)
	}
}

// TestConformanceAnthropic replays the Anthropic cassettes through
// anthropic-sdk-go built with -toolexec=llminstr and checks the values their
// suites expect.
func TestConformanceAnthropic(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	cassettes := filepath.Join(conformanceDir(t), "anthropic")
	dir := copyApp(t, "conformance-anthropic")
	bin := filepath.Join(t.TempDir(), "conformance")
	run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, ".")
	receiver := otlpreceiver.Start()
	defer receiver.Close()
	replay := func(t *testing.T, name string) otlpreceiver.Span {
		t.Helper()
		its, err := cassette.Load(filepath.Join(cassettes, name))
		if err != nil {
			t.Fatal(err)
		}
		script := filepath.Join(t.TempDir(), "replay.json")
		if err := cassette.WriteJSON(script, its); err != nil {
			t.Fatal(err)
		}
		receiver.Reset()
		run(t, "", []string{"REPLAY_FILE=" + script, "OTEL_EXPORTER_OTLP_ENDPOINT=" + receiver.URL(),
			"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true"}, bin)
		return oneChatSpan(t, receiver.Spans())
	}
	common := map[string]any{
		"gen_ai.provider.name": "anthropic", "gen_ai.operation.name": "chat",
		"server.address": "api.anthropic.com", "server.port": int64(443),
	}
	t.Run("message_create", func(t *testing.T) {
		s := replay(t, "test_anthropic_message_create_legacy.yaml")
		wantAttrs(t, s, common)
		wantAttrs(t, s, map[string]any{
			"gen_ai.request.model": "claude-3-opus-20240229", "gen_ai.response.model": "claude-3-opus-20240229",
			"gen_ai.response.id": "msg_01TPXhkPo8jy6yQMrMhjpiAE", "gen_ai.response.finish_reasons": []any{"end_turn"},
			"gen_ai.usage.input_tokens": int64(17), "gen_ai.usage.output_tokens": int64(220),
		})
		var out []struct {
			Role         string
			FinishReason string `json:"finish_reason"`
			Parts        []struct{ Type, Content string }
		}
		parseJSON(t, s, "gen_ai.output.messages", &out)
		if len(out) != 1 || out[0].FinishReason != "end_turn" || len(out[0].Parts) != 1 || out[0].Parts[0].Type != "text" || out[0].Parts[0].Content == "" {
			t.Errorf("output messages %v", s.Attrs["gen_ai.output.messages"])
		}
	})
	t.Run("message_streaming", func(t *testing.T) {
		s := replay(t, "test_anthropic_message_streaming_legacy.yaml")
		wantAttrs(t, s, common)
		wantAttrs(t, s, map[string]any{
			"gen_ai.request.model": "claude-3-haiku-20240307", "gen_ai.response.id": "msg_01MXWxhWoPSgrYhjTuMDM6F1",
			"gen_ai.usage.input_tokens": int64(17), "gen_ai.usage.output_tokens": int64(171),
			"gen_ai.request.stream": true, "gen_ai.request.max_tokens": int64(1024),
		})
	})
	t.Run("tools", func(t *testing.T) {
		s := replay(t, "test_anthropic_tools_legacy.yaml")
		wantAttrs(t, s, common)
		wantAttrs(t, s, map[string]any{
			"gen_ai.request.model": "claude-3-5-sonnet-20240620", "gen_ai.response.finish_reasons": []any{"tool_use"},
			"gen_ai.usage.input_tokens": int64(514), "gen_ai.usage.output_tokens": int64(152),
		})
		var out []struct {
			Parts []struct{ Type, Name string }
		}
		parseJSON(t, s, "gen_ai.output.messages", &out)
		var types []string
		for _, p := range out[0].Parts {
			types = append(types, p.Type)
		}
		if strings.Join(types, ",") != "text,tool_call,tool_call" {
			t.Errorf("output parts %v, want text and two tool calls", types)
		}
		var tools []struct{ Name string }
		parseJSON(t, s, "gen_ai.tool.definitions", &tools)
		if len(tools) == 0 || tools[0].Name == "" {
			t.Errorf("tool definitions %v", s.Attrs["gen_ai.tool.definitions"])
		}
	})
}

// TestConformanceGenAI replays the Vertex AI cassette through
// google.golang.org/genai built with -toolexec=llminstr and checks the
// values its suite expects.
func TestConformanceGenAI(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	its, err := cassette.Load(filepath.Join(conformanceDir(t), "gemini", "test_non_streaming_vertex.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := copyApp(t, "conformance-genai")
	bin := filepath.Join(t.TempDir(), "conformance")
	run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, ".")
	receiver := otlpreceiver.Start()
	defer receiver.Close()
	script := filepath.Join(t.TempDir(), "replay.json")
	if err := cassette.WriteJSON(script, its); err != nil {
		t.Fatal(err)
	}
	run(t, "", []string{"REPLAY_FILE=" + script, "OTEL_EXPORTER_OTLP_ENDPOINT=" + receiver.URL()}, bin)
	spans := receiver.Spans()
	if len(spans) != 1 {
		t.Fatalf("spans:\n%s", otlpreceiver.Describe(spans))
	}
	s := spans[0]
	if s.Name != "generate_content gemini-2.5-flash" {
		t.Errorf("span %q", s.Name)
	}
	wantAttrs(t, s, map[string]any{
		"gen_ai.provider.name": "gcp.vertex_ai", "gen_ai.operation.name": "generate_content",
		"gen_ai.response.id": "hizpaKmcH9qs698P85HHgAU", "gen_ai.usage.input_tokens": int64(8),
		"gen_ai.usage.output_tokens": int64(433 + 1477), "gen_ai.usage.reasoning.output_tokens": int64(1477),
		"gen_ai.response.finish_reasons": []any{"stop"},
		"server.address":                 "test-location-aiplatform.googleapis.com", "server.port": int64(443),
	})
}
