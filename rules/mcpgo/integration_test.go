package mcpgo_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
)

// TestIntegration builds testdata/app, an mcp-go client that starts an
// mcp-go server (the same binary) over stdio, with -toolexec=llminstr,
// against an old and the newest release, and checks both processes' spans:
// a CLIENT span per request (on the client, through the SDK's interface, or
// through a wrapper of the program's: once), tool calls carrying their
// trace context in _meta, and a SERVER span per tool call the server runs,
// its child in the same trace.
// A client with mcp-go's own tracing turned on is left to it.
func TestIntegration(t *testing.T) {
	llmtest.SkipShort(t)
	for _, version := range []string{"v0.56.0", "v1.2.1"} {
		t.Run(version, func(t *testing.T) { testIntegration(t, version) })
	}
}

func testIntegration(t *testing.T, version string) {
	bin := llmtest.BuildApp(t, "testdata/app", "github.com/mark3labs/mcp-go@"+version)
	receiver := otlpreceiver.Start()
	defer receiver.Close()
	env := []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + receiver.URL(), "OTEL_BSP_SCHEDULE_DELAY=60000"}
	run := func(t *testing.T, mode string, servers int) (clients, serversSpans []otlpreceiver.Span, out string) {
		t.Helper()
		receiver.Reset()
		out = llmtest.Run(t, "", env, bin, mode)
		for _, want := range []string{"tools: 2", "add: 5", "request untouched: true", "wrapped add: 5", "fail: isError true", "missing: true"} {
			if !strings.Contains(out, want) {
				t.Errorf("program output changed: %s", out)
			}
		}
		// The server exports when it exits, which may be after the client.
		spans := llmtest.AwaitSpans(receiver, func(spans []otlpreceiver.Span) bool { return len(llmtest.SpansOfKind(spans, "server")) >= servers })
		for _, s := range spans {
			switch s.Kind {
			case "client":
				clients = append(clients, s)
			case "server":
				serversSpans = append(serversSpans, s)
			default:
				t.Errorf("unexpected span %q kind %s", s.Name, s.Kind)
			}
		}
		return clients, serversSpans, out
	}

	t.Run("traced", func(t *testing.T) {
		clients, servers, out := run(t, "client", 3)
		protocol, _, _ := strings.Cut(strings.SplitN(out, "protocol: ", 2)[1], "\n")
		var names []string
		for _, c := range clients {
			names = append(names, c.Name)
		}
		slices.Sort(names)
		// One span per request: the wrapper's call of the client it
		// wraps is the same request. An unknown tool reaches no handler.
		want := []string{"initialize", "tools/call add", "tools/call add", "tools/call fail", "tools/call missing", "tools/list"}
		if !slices.Equal(names, want) || len(servers) != 3 {
			t.Fatalf("client spans %q and %d server spans, want %q and 3", names, len(servers), want)
		}
		byID := map[string]otlpreceiver.Span{}
		for _, c := range clients {
			byID[c.SpanID] = c
			llmtest.WantAttrs(t, c, map[string]any{"network.transport": "pipe"})
			llmtest.NoAttrs(t, c, "server.address", "mcp.session.id")
			// The version is known once initialize has negotiated it, from
			// releases that tell it (v1.x).
			if version == "v1.2.1" && c.Name != "initialize" {
				llmtest.WantAttrs(t, c, map[string]any{"mcp.protocol.version": protocol})
			}
			if !strings.HasPrefix(c.Name, "tools/call") {
				llmtest.NoAttrs(t, c, "gen_ai.operation.name", "gen_ai.tool.name")
				continue
			}
			tool := strings.TrimPrefix(c.Name, "tools/call ")
			llmtest.WantAttrs(t, c, map[string]any{"mcp.method.name": "tools/call", "gen_ai.tool.name": tool, "gen_ai.operation.name": "execute_tool"})
		}
		for _, s := range servers {
			tool := strings.TrimPrefix(s.Name, "tools/call ")
			llmtest.WantAttrs(t, s, map[string]any{"mcp.method.name": "tools/call", "gen_ai.tool.name": tool, "gen_ai.operation.name": "execute_tool", "network.transport": "pipe"})
			if c, ok := byID[s.ParentSpanID]; !ok || c.Name != s.Name || c.TraceID != s.TraceID {
				t.Errorf("%s: the server's span is not the client's child", s.Name)
			}
		}
		for _, s := range append(clients, servers...) {
			switch s.Name {
			case "tools/call fail":
				llmtest.WantAttrs(t, s, map[string]any{"error.type": "tool_error"})
				if s.StatusMessage != "the tool broke" {
					t.Errorf("%s fail: status %q", s.Kind, s.StatusMessage)
				}
			case "tools/call missing":
				// An unknown tool is a JSON-RPC error: invalid params.
				llmtest.WantAttrs(t, s, map[string]any{"error.type": "-32602"})
				if s.StatusCode != "error" {
					t.Errorf("missing: status %s", s.StatusCode)
				}
			default:
				llmtest.NoAttrs(t, s, "error.type")
			}
		}
	})
	t.Run("self_traced", func(t *testing.T) {
		clients, servers, out := run(t, "selftraced", 3)
		if !strings.Contains(out, "own spans: true") {
			t.Errorf("the program's own tracer saw nothing: %s", out)
		}
		if len(clients) != 0 {
			t.Errorf("%d client spans from llminstr for a client that traces itself", len(clients))
		}
		if len(servers) != 3 {
			t.Errorf("%d server spans, want 3", len(servers))
		}
	})
}
