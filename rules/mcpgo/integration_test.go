package mcpgo_test

import (
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
)

// TestIntegration builds testdata/app, an mcp-go client that starts an
// mcp-go server (the same binary) over stdio, with -toolexec=llminstr,
// against an old and the newest release, and checks both processes' spans:
// a CLIENT span per tool call, carrying its trace context in _meta, and a
// SERVER span per tool call the server runs, its child in the same trace.
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
	run := func(t *testing.T, mode string, servers int) (clients, serversByName map[string]otlpreceiver.Span, out string) {
		t.Helper()
		receiver.Reset()
		out = llmtest.Run(t, "", env, bin, mode)
		for _, want := range []string{"add: 5", "request untouched: true", "fail: isError true", "missing: true"} {
			if !strings.Contains(out, want) {
				t.Errorf("program output changed: %s", out)
			}
		}
		// The server exports when it exits, which may be after the client.
		spans := llmtest.AwaitSpans(receiver, func(spans []otlpreceiver.Span) bool { return len(llmtest.SpansOfKind(spans, "server")) >= servers })
		clients, serversByName = map[string]otlpreceiver.Span{}, map[string]otlpreceiver.Span{}
		for _, s := range spans {
			switch s.Kind {
			case "client":
				clients[s.Name] = s
			case "server":
				serversByName[s.Name] = s
			default:
				t.Errorf("unexpected span %q kind %s", s.Name, s.Kind)
			}
		}
		return clients, serversByName, out
	}

	t.Run("traced", func(t *testing.T) {
		clients, servers, _ := run(t, "client", 2)
		if len(clients) != 3 || len(servers) != 2 {
			t.Fatalf("%d client and %d server spans, want 3 and 2 (an unknown tool reaches no handler)", len(clients), len(servers))
		}
		for _, tool := range []string{"add", "fail", "missing"} {
			c := clients["tools/call "+tool]
			llmtest.WantAttrs(t, c, map[string]any{"mcp.method.name": "tools/call", "gen_ai.tool.name": tool, "gen_ai.operation.name": "execute_tool"})
			if tool == "missing" {
				continue
			}
			s := servers["tools/call "+tool]
			llmtest.WantAttrs(t, s, map[string]any{"mcp.method.name": "tools/call", "gen_ai.tool.name": tool, "gen_ai.operation.name": "execute_tool"})
			if s.TraceID != c.TraceID || s.ParentSpanID != c.SpanID {
				t.Errorf("%s: the server's span is not the client's child", tool)
			}
		}
		llmtest.NoAttrs(t, clients["tools/call add"], "error.type")
		for _, s := range []otlpreceiver.Span{clients["tools/call fail"], servers["tools/call fail"]} {
			llmtest.WantAttrs(t, s, map[string]any{"error.type": "tool_error"})
			if s.StatusMessage != "the tool broke" {
				t.Errorf("%s fail: status %q", s.Kind, s.StatusMessage)
			}
		}
		// An unknown tool is a JSON-RPC error: invalid params.
		missing := clients["tools/call missing"]
		llmtest.WantAttrs(t, missing, map[string]any{"error.type": "-32602"})
		if missing.StatusCode != "error" {
			t.Errorf("missing: status %s", missing.StatusCode)
		}
	})
	t.Run("self_traced", func(t *testing.T) {
		clients, servers, out := run(t, "selftraced", 2)
		if !strings.Contains(out, "own spans: true") {
			t.Errorf("the program's own tracer saw nothing: %s", out)
		}
		if len(clients) != 0 {
			t.Errorf("%d client spans from llminstr for a client that traces itself", len(clients))
		}
		if len(servers) != 2 {
			t.Errorf("%d server spans, want 2", len(servers))
		}
	})
}
