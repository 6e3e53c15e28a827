package openai_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
)

// TestConformance replays every OpenAI cassette through openai-go v3
// and through go-openai (whose conformance program is in ../goopenai), each built with -toolexec=llminstr, and checks the
// values the cassettes' own suites expect (see
// ../shared/conformance/README.md).
func TestConformance(t *testing.T) {
	llmtest.SkipShort(t)
	cassettes := llmtest.ConformanceDir(t, "openai")
	for _, app := range []string{"testdata/conformance", "../goopenai/testdata/conformance"} {
		t.Run(app, func(t *testing.T) { conformanceOpenAI(t, cassettes, app) })
	}
}

func conformanceOpenAI(t *testing.T, cassettes, app string) {
	bin := llmtest.Build(t, llmtest.CopyApp(t, app))
	receiver := otlpreceiver.Start()
	defer receiver.Close()

	var logs []otlpreceiver.LogRecord
	replay := func(t *testing.T, name string) ([]otlpreceiver.Span, []otlpreceiver.Point) {
		t.Helper()
		spans, points := llmtest.Replay(t, bin, receiver, filepath.Join(cassettes, name), "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=SPAN_AND_EVENT")
		logs = receiver.Logs()
		return spans, points
	}
	common := map[string]any{
		"gen_ai.provider.name": "openai", "gen_ai.operation.name": "chat",
		"server.address": "api.openai.com", "server.port": int64(443),
	}

	t.Run("chat_completion_with_content", func(t *testing.T) {
		spans, points := replay(t, "test_chat_completion_with_content.yaml")
		s := llmtest.OneChatSpan(t, spans)
		if s.Name != "chat gpt-4o-mini" || s.Kind != "client" {
			t.Errorf("span %q kind %s", s.Name, s.Kind)
		}
		llmtest.WantAttrs(t, s, common)
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.request.model":           "gpt-4o-mini",
			"gen_ai.response.id":             "chatcmpl-ASYMQRl3A3DXL9FWCK9tnGRcKIO7q",
			"gen_ai.response.model":          "gpt-4o-mini-2024-07-18",
			"gen_ai.usage.input_tokens":      int64(12),
			"gen_ai.usage.output_tokens":     int64(5),
			"gen_ai.response.finish_reasons": []any{"stop"},
		})
		llmtest.WantJSON(t, s, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]`)
		llmtest.WantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"This is a test."}],"finish_reason":"stop"}]`)
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
		if app == "testdata/conformance" {
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
		s := llmtest.OneChatSpan(t, spans)
		llmtest.WantAttrs(t, s, common)
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.request.model":           "gpt-4",
			"gen_ai.response.model":          "gpt-4-0613",
			"gen_ai.response.id":             "chatcmpl-ASYMZ4oSykiIFK4lXLReDiKyAjsQl",
			"gen_ai.usage.input_tokens":      int64(12),
			"gen_ai.usage.output_tokens":     int64(5),
			"gen_ai.response.finish_reasons": []any{"stop"},
			"gen_ai.request.stream":          true,
		})
		llmtest.WantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"\"This is a test.\""}],"finish_reason":"stop"}]`)
	})

	t.Run("chat_completion_tool_calls", func(t *testing.T) {
		spans, _ := replay(t, "test_chat_completion_tool_calls_with_content.yaml")
		chats := llmtest.ChatSpans(spans)
		if len(chats) != 2 {
			t.Fatalf("got %d chat spans, want 2:\n%s", len(chats), otlpreceiver.Describe(spans))
		}
		byID := map[any]otlpreceiver.Span{}
		for _, s := range chats {
			byID[s.Attrs["gen_ai.response.id"]] = s
		}
		llmtest.WantAttrs(t, byID["chatcmpl-ASYMU9Ntix7ePttk0MSuerJstef6U"], map[string]any{
			"gen_ai.usage.input_tokens": int64(75), "gen_ai.usage.output_tokens": int64(51),
			"gen_ai.response.finish_reasons": []any{"tool_calls"},
		})
		llmtest.WantAttrs(t, byID["chatcmpl-ASYMVzdmBGDbUoHFmt6R16tdtZUzR"], map[string]any{
			"gen_ai.usage.input_tokens": int64(99), "gen_ai.usage.output_tokens": int64(25),
			"gen_ai.response.finish_reasons": []any{"stop"},
		})
		first, second := byID["chatcmpl-ASYMU9Ntix7ePttk0MSuerJstef6U"], byID["chatcmpl-ASYMVzdmBGDbUoHFmt6R16tdtZUzR"]
		var out []struct {
			Parts []struct{ Type, ID, Name string }
		}
		llmtest.ParseJSON(t, first, "gen_ai.output.messages", &out)
		if len(out) != 1 || len(out[0].Parts) != 2 || out[0].Parts[0].Type != "tool_call" || out[0].Parts[1].Type != "tool_call" {
			t.Errorf("first call's output messages: %v", first.Attrs["gen_ai.output.messages"])
		}
		var tools []struct{ Type, Name string }
		llmtest.ParseJSON(t, first, "gen_ai.tool.definitions", &tools)
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
		llmtest.ParseJSON(t, second, "gen_ai.input.messages", &in)
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
		llmtest.WantAttrs(t, llmtest.OneChatSpan(t, spans), map[string]any{
			"gen_ai.request.choice.count":    int64(2),
			"gen_ai.response.finish_reasons": []any{"stop", "stop"},
			"gen_ai.usage.input_tokens":      int64(12),
			"gen_ai.usage.output_tokens":     int64(24),
		})
		var out []struct {
			FinishReason string `json:"finish_reason"`
		}
		llmtest.ParseJSON(t, llmtest.OneChatSpan(t, spans), "gen_ai.output.messages", &out)
		if len(out) != 2 || out[0].FinishReason != "stop" || out[1].FinishReason != "stop" {
			t.Errorf("output messages %+v, want two that stopped", out)
		}
	})

	t.Run("embeddings_with_dimensions", func(t *testing.T) {
		spans, _ := replay(t, "test_embeddings_with_dimensions.yaml")
		if len(spans) != 1 || spans[0].Name != "embeddings text-embedding-3-small" {
			t.Fatalf("spans:\n%s", otlpreceiver.Describe(spans))
		}
		llmtest.WantAttrs(t, spans[0], map[string]any{
			"gen_ai.operation.name":             "embeddings",
			"gen_ai.usage.input_tokens":         int64(8),
			"gen_ai.embeddings.dimension.count": int64(512),
			"server.address":                    "api.openai.com",
		})
	})
}
