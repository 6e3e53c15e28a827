package injected

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"
)

func TestMCPTraceContext(t *testing.T) {
	rec := withAppProvider(t)
	meta := map[string]any{"progressToken": "p1"}
	ctx, client := StartMCPRequest(context.Background(), false, MCPToolCall, "add", "sess-1", nil)
	sent := InjectTraceContext(ctx, meta)
	if len(meta) != 1 {
		t.Errorf("the caller's _meta changed: %v", meta)
	}
	if sent["progressToken"] != "p1" || sent["traceparent"] == nil {
		t.Errorf("sent _meta %v", sent)
	}
	_, server := StartMCPRequest(context.Background(), true, MCPToolCall, "add", "sess-1", sent)
	server.End(nil)
	client.End(nil)
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans", len(spans))
	}
	s, c := spans[0], spans[1]
	if s.SpanKind() != trace.SpanKindServer || c.SpanKind() != trace.SpanKindClient {
		t.Errorf("kinds %v %v", s.SpanKind(), c.SpanKind())
	}
	if s.Parent().SpanID() != c.SpanContext().SpanID() || s.SpanContext().TraceID() != c.SpanContext().TraceID() || !s.Parent().IsRemote() {
		t.Error("the server's span does not continue the client's trace")
	}
	want := map[string]string{"mcp.method.name": "tools/call", "mcp.session.id": "sess-1", "gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "add"}
	for _, sp := range spans {
		got := emitted(sp.Attributes())
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: %s = %q, want %q", sp.Name(), k, got[k], v)
			}
		}
		if sp.Name() != "tools/call add" {
			t.Errorf("name %q", sp.Name())
		}
	}
	// Without a span there is nothing to carry; other methods are not tools.
	if got := InjectTraceContext(context.Background(), meta); len(got) != 1 {
		t.Errorf("injected %v without a span", got)
	}
	_, list := StartMCPRequest(context.Background(), false, "tools/list", "", "", nil)
	list.End(nil)
	if got := emitted(rec.Ended()[2].Attributes()); got["gen_ai.operation.name"] != "" || rec.Ended()[2].Name() != "tools/list" {
		t.Errorf("tools/list span %q %v", rec.Ended()[2].Name(), got)
	}
}

func TestMCPMetrics(t *testing.T) {
	withAppProvider(t)
	reader := sdkmetric.NewManualReader()
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetMeterProvider(prev) })

	_, c := StartMCPRequest(context.Background(), false, MCPToolCall, "add", "s", nil)
	c.End(nil)
	_, c = StartMCPRequest(context.Background(), false, MCPToolCall, "add", "s", nil)
	c.EndWithErrorType(errors.New("invalid params"), JSONRPCErrorType(-32602))
	_, s := StartMCPRequest(context.Background(), true, "tools/list", "", "s", nil)
	s.End(nil)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	points := map[string][]metricdata.HistogramDataPoint[float64]{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if h, ok := m.Data.(metricdata.Histogram[float64]); ok {
				points[m.Name] = h.DataPoints
			}
		}
	}
	client, server := points["mcp.client.operation.duration"], points["mcp.server.operation.duration"]
	if len(client) != 2 || len(server) != 1 {
		t.Fatalf("client points %d, server points %d", len(client), len(server))
	}
	var failed int
	for _, p := range client {
		if v, ok := p.Attributes.Value(keyErrorType); ok {
			failed++
			if v.AsString() != "-32602" {
				t.Errorf("error.type %s", v.AsString())
			}
		}
		if v, _ := p.Attributes.Value(keyToolName); v.AsString() != "add" {
			t.Errorf("tool %q", v.AsString())
		}
		if _, ok := p.Attributes.Value(keyMCPSessionID); ok {
			t.Error("the session id is on a metric")
		}
	}
	if failed != 1 {
		t.Errorf("%d failed points, want 1", failed)
	}
	if v, _ := server[0].Attributes.Value(keyMCPMethodName); v.AsString() != "tools/list" || !reflect.DeepEqual(server[0].Bounds, mcpDurationBuckets) {
		t.Errorf("server point %v bounds %v", server[0].Attributes, server[0].Bounds)
	}
}
