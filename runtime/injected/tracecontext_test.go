package injected

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// The runtime's Trace Context must read and write _meta exactly as the
// OpenTelemetry propagator it replaces reads and writes headers.
func TestTraceContextIsThePropagators(t *testing.T) {
	const (
		tid = "4bf92f3577b34da6a3ce929d0e0e4736"
		sid = "00f067aa0ba902b7"
	)
	tests := []struct{ traceparent, tracestate string }{
		{"00-" + tid + "-" + sid + "-01", ""},
		{"00-" + tid + "-" + sid + "-00", "vendor=value,other=x"},
		{"00-" + tid + "-" + sid + "-02", ""},
		{"00-" + tid + "-" + sid + "-03", ""},
		{"00-" + tid + "-" + sid + "-01-extra", ""},
		{"01-" + tid + "-" + sid + "-09-extra", ""},
		{"01-" + tid + "-" + sid + "-ff", "a=b"},
		{"fe-" + tid + "-" + sid + "-01", ""},
		{"ff-" + tid + "-" + sid + "-01", ""},
		{"00-4BF92F3577B34DA6A3CE929D0E0E4736-" + sid + "-01", ""},
		{"00-00000000000000000000000000000000-" + sid + "-01", ""},
		{"00-" + tid + "-0000000000000000-01", ""},
		{"00-" + tid + "-" + sid, ""},
		{"00-" + tid[1:] + "-" + sid + "-01", ""},
		{"00-" + tid + "-" + sid + "-0g", ""},
		{"0-" + tid + "-" + sid + "-01", ""},
		{"00-" + tid + "-" + sid + "-01", "not a tracestate"},
		{"00-" + tid + "-" + sid + "-01", "a=1,a=2"},
		{"", "a=b"},
		{"garbage", ""},
	}
	for _, tt := range tests {
		meta := map[string]any{}
		headers := propagation.MapCarrier{}
		if tt.traceparent != "" {
			meta["traceparent"], headers["traceparent"] = tt.traceparent, tt.traceparent
		}
		if tt.tracestate != "" {
			meta["tracestate"], headers["tracestate"] = tt.tracestate, tt.tracestate
		}
		got := trace.SpanContextFromContext(extractTraceContext(context.Background(), meta))
		want := trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), headers))
		if !got.Equal(want) || got.IsRemote() != want.IsRemote() {
			t.Errorf("extract %q %q: got %v, want %v", tt.traceparent, tt.tracestate, got, want)
		}
		if !want.IsValid() {
			continue
		}
		ctx := trace.ContextWithSpanContext(context.Background(), want)
		out := map[string]any{}
		injectTraceContext(ctx, out)
		wantOut := propagation.MapCarrier{}
		propagation.TraceContext{}.Inject(ctx, wantOut)
		if len(out) != len(wantOut) {
			t.Errorf("inject %v: got %v, want %v", want, out, wantOut)
		}
		for k, v := range wantOut {
			if out[k] != v {
				t.Errorf("inject %v: %s = %v, want %q", want, k, out[k], v)
			}
		}
	}
	// A context without a span injects nothing.
	out := map[string]any{}
	injectTraceContext(context.Background(), out)
	if len(out) != 0 {
		t.Errorf("inject without a span: %v", out)
	}
}
