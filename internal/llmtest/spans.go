package llmtest

import (
	"encoding/json"
	"flag"
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/runtime/injected"
)

// Tests that call adapters in process are programs that link the
// OpenTelemetry API, whose main package llminstr would give the runtime
// the global providers; a test that imports this package gets them.
var _ = injected.SetGlobalProviders(otel.GetTracerProvider, otel.GetMeterProvider)

// WantAttrs checks that the span has each attribute of want, with that
// value (int64, float64, bool, string or []any, as the receiver decodes
// them).
func WantAttrs(t testing.TB, s otlpreceiver.Span, want map[string]any) {
	t.Helper()
	for k, v := range want {
		got, ok := s.Attrs[k]
		if !ok {
			t.Errorf("span %q: missing %s (want %v)", s.Name, k, v)
			continue
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("span %q: %s = %#v, want %#v", s.Name, k, got, v)
		}
	}
}

// NoAttrs checks that the span has none of the attributes.
func NoAttrs(t testing.TB, s otlpreceiver.Span, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if v, ok := s.Attrs[k]; ok {
			t.Errorf("span %q: unexpected %s = %v", s.Name, k, v)
		}
	}
}

// ParseJSON decodes the JSON string attribute key of s into v.
func ParseJSON(t testing.TB, s otlpreceiver.Span, key string, v any) {
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

// WantJSON checks that the JSON string attribute key of s equals want as
// JSON.
func WantJSON(t testing.TB, s otlpreceiver.Span, key, want string) {
	t.Helper()
	var got, exp any
	ParseJSON(t, s, key, &got)
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("span %q: %s = %v\nwant %s", s.Name, key, s.Attrs[key], want)
	}
}

// ChatSpans returns the spans of chat operations.
func ChatSpans(spans []otlpreceiver.Span) []otlpreceiver.Span {
	var out []otlpreceiver.Span
	for _, s := range spans {
		if s.Attrs["gen_ai.operation.name"] == "chat" {
			out = append(out, s)
		}
	}
	return out
}

// OneChatSpan returns the single chat span, failing otherwise.
func OneChatSpan(t testing.TB, spans []otlpreceiver.Span) otlpreceiver.Span {
	t.Helper()
	chats := ChatSpans(spans)
	if len(chats) != 1 {
		t.Fatalf("got %d chat spans, want 1:\n%s", len(chats), otlpreceiver.Describe(spans))
	}
	return chats[0]
}

// OneGenAISpan returns the single span of any GenAI operation, failing
// otherwise.
func OneGenAISpan(t testing.TB, spans []otlpreceiver.Span) otlpreceiver.Span {
	t.Helper()
	var found []otlpreceiver.Span
	for _, s := range spans {
		if _, ok := s.Attrs["gen_ai.operation.name"]; ok {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		t.Fatalf("got %d GenAI spans, want 1:\n%s", len(found), otlpreceiver.Describe(spans))
	}
	return found[0]
}

// Recorder installs a global tracer provider that records every span, for
// tests that call adapters in process, and restores the previous provider
// when the test ends.
func Recorder(tb testing.TB) *tracetest.SpanRecorder {
	tb.Helper()
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	tb.Cleanup(func() { otel.SetTracerProvider(prev) })
	return rec
}

// Attrs returns the attributes of a recorded span by key.
func Attrs(s sdktrace.ReadOnlySpan) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		m[kv.Key] = kv.Value
	}
	return m
}

func flagValue(name string) string {
	if f := flag.Lookup(name); f != nil {
		return f.Value.String()
	}
	return ""
}

// SpansOfKind returns the spans of one kind ("client", "server", ...).
func SpansOfKind(spans []otlpreceiver.Span, kind string) []otlpreceiver.Span {
	var out []otlpreceiver.Span
	for _, s := range spans {
		if s.Kind == kind {
			out = append(out, s)
		}
	}
	return out
}

// AwaitSpans returns the receiver's spans once done says they are all
// there, or after ten seconds, for spans exported by processes that exit
// after the one the test ran (an MCP server the program started).
func AwaitSpans(r *otlpreceiver.Receiver, done func([]otlpreceiver.Span) bool) []otlpreceiver.Span {
	spans := r.Spans()
	for deadline := time.Now().Add(10 * time.Second); !done(spans) && time.Now().Before(deadline); spans = r.Spans() {
		time.Sleep(50 * time.Millisecond)
	}
	return spans
}
