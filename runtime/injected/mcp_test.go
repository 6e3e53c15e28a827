package injected

import (
	"context"
	"errors"
	"net/url"
	"reflect"
	"strings"
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

func TestMCPNetwork(t *testing.T) {
	rec := withAppProvider(t)
	reader := sdkmetric.NewManualReader()
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetMeterProvider(prev) })

	u, _ := url.Parse("http://user:secret@127.0.0.1:8931/mcp?key=k")
	_, c := StartMCPRequest(context.Background(), false, MCPToolCall, "add", "", nil)
	c.SetNetwork("tcp", u)
	c.End(nil)
	_, s := StartMCPRequest(context.Background(), true, MCPToolCall, "add", "", nil)
	s.SetNetwork("pipe", nil)
	s.End(nil)
	var nilOp *OperationSpan
	nilOp.SetNetwork("tcp", u)

	spans := rec.Ended()
	want := []map[string]string{
		{"network.transport": "tcp", "server.address": "127.0.0.1", "server.port": "8931"},
		{"network.transport": "pipe", "server.address": "", "server.port": ""},
	}
	for i, sp := range spans {
		got := emitted(sp.Attributes())
		for k, v := range want[i] {
			if got[k] != v {
				t.Errorf("%s span: %s = %q, want %q", sp.SpanKind(), k, got[k], v)
			}
		}
		for k, v := range got {
			if strings.Contains(v, "secret") || strings.Contains(v, "key=") {
				t.Errorf("%s = %q leaks the URL's credentials or query", k, v)
			}
		}
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			h, ok := m.Data.(metricdata.Histogram[float64])
			if !ok || m.Name != "mcp.client.operation.duration" {
				continue
			}
			if v, _ := h.DataPoints[0].Attributes.Value(keyNetworkTransport); v.AsString() != "tcp" {
				t.Errorf("client metric network.transport %q", v.AsString())
			}
			if v, _ := h.DataPoints[0].Attributes.Value(keyServerPort); v.AsInt64() != 8931 {
				t.Errorf("client metric server.port %d", v.AsInt64())
			}
		}
	}
}

// A client that wraps the SDK's (and so is rewritten too) sends one
// request, traced once; a server handling it in process starts afresh.
func TestMCPNestedClientRequest(t *testing.T) {
	rec := withAppProvider(t)
	ctx, outer := StartMCPRequest(context.Background(), false, MCPToolCall, "add", "", nil)
	inner, again := StartMCPRequest(ctx, false, MCPToolCall, "add", "", nil)
	if again != nil || inner != ctx {
		t.Error("a request inside the same request got a second span")
	}
	again.End(nil)
	listCtx, list := StartMCPRequest(ctx, false, "tools/list", "", "", nil)
	if list == nil {
		t.Fatal("another method inside a request got no span")
	}
	list.End(nil)
	_ = listCtx
	serverCtx, server := StartMCPRequest(ctx, true, MCPToolCall, "add", "", nil)
	_, fromHandler := StartMCPRequest(serverCtx, false, MCPToolCall, "add", "", nil)
	if fromHandler == nil {
		t.Error("a request a server's handler sends in process got no span")
	}
	fromHandler.End(nil)
	server.End(nil)
	outer.End(nil)
	if n := len(rec.Ended()); n != 4 {
		t.Errorf("%d spans, want 4", n)
	}
}
