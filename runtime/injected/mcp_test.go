package injected

import (
	"context"
	"testing"

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
