package mcp_test

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
)

// TestIntegration builds testdata/app, an MCP client that starts an MCP
// server (the same binary) over stdio, with -toolexec=llminstr, against
// the oldest supported and the newest release of the SDK, and checks both
// processes' spans: a CLIENT span per request the client sends, carrying
// its trace context in _meta, and a SERVER span per request the server
// handles, its child in the same trace.
func TestIntegration(t *testing.T) {
	llmtest.SkipShort(t)
	for _, version := range []string{"v1.2.0", "v1.8.0"} {
		t.Run(version, func(t *testing.T) { testIntegration(t, version) })
	}
}

func testIntegration(t *testing.T, version string) {
	bin := llmtest.BuildApp(t, "testdata/app", "github.com/modelcontextprotocol/go-sdk@"+version)
	receiver := otlpreceiver.Start()
	defer receiver.Close()
	// Over stdio, and over streamable HTTP, whose sessions have ids.
	for _, mode := range []string{"client", "httpclient"} {
		t.Run(mode, func(t *testing.T) { testTransport(t, bin, receiver, mode) })
	}
}

func testTransport(t *testing.T, bin string, receiver *otlpreceiver.Receiver, mode string) {
	receiver.Reset()
	env := []string{"OTEL_EXPORTER_OTLP_ENDPOINT=" + receiver.URL(), "OTEL_BSP_SCHEDULE_DELAY=60000"}
	out := llmtest.Run(t, "", env, bin, mode)
	if !strings.Contains(out, "add: map[sum:5]") || !strings.Contains(out, "fail: isError true") || !strings.Contains(out, "missing: true") ||
		!strings.Contains(out, "params untouched: true") {
		t.Errorf("program output changed: %s", out)
	}
	// The server exports when it exits, which may be after the client.
	spans := llmtest.AwaitSpans(receiver, func(spans []otlpreceiver.Span) bool { return len(spans) >= 10 })
	clients, servers := map[string]otlpreceiver.Span{}, map[string]otlpreceiver.Span{}
	for _, s := range spans {
		switch s.Kind {
		case "client":
			clients[s.Name] = s
		case "server":
			servers[s.Name] = s
		}
	}
	// The session starts with initialize, or from protocol 2026-07-28
	// (v1.6 on) with server/discover, over HTTP followed by initialize.
	var handshakes []string
	for _, h := range []string{"server/discover", "initialize"} {
		if _, ok := clients[h]; ok {
			handshakes = append(handshakes, h)
		}
	}
	if len(handshakes) == 0 {
		t.Fatalf("no handshake:\n%s", otlpreceiver.Describe(spans))
	}
	isHandshake := func(name string) bool { return slices.Contains(handshakes, name) }
	names := append(handshakes[:len(handshakes):len(handshakes)], "tools/list", "tools/call add", "tools/call fail", "tools/call missing")
	if len(spans) != 2*len(names) || len(clients) != len(names) || len(servers) != len(names) {
		t.Fatalf("want a client and a server span for each of %v:\n%s", names, otlpreceiver.Describe(spans))
	}
	// How the messages travel; a client knows its server's address.
	network := map[string]any{"network.transport": "pipe"}
	if mode == "httpclient" {
		endpoint, _, _ := strings.Cut(strings.SplitN(out, "endpoint: ", 2)[1], "\n")
		u, err := url.Parse(endpoint)
		if err != nil {
			t.Fatal(err)
		}
		port, _ := strconv.Atoi(u.Port())
		network = map[string]any{"network.transport": "tcp", "server.address": u.Hostname(), "server.port": int64(port)}
	}
	for _, name := range names {
		c, s := clients[name], servers[name]
		llmtest.WantAttrs(t, c, network)
		llmtest.WantAttrs(t, s, map[string]any{"network.transport": network["network.transport"]})
		llmtest.NoAttrs(t, s, "server.address")
		if c.Name == "" || s.Name == "" {
			t.Errorf("%s: no client or server span", name)
			continue
		}
		if s.TraceID != c.TraceID || s.ParentSpanID != c.SpanID {
			t.Errorf("%s: the server's span is not the client's child (trace %s/%s, parent %s, client %s)", name, s.TraceID, c.TraceID, s.ParentSpanID, c.SpanID)
		}
		// The session has its id once the handshake is answered.
		if mode == "httpclient" && !isHandshake(name) {
			id, _ := c.Attrs["mcp.session.id"].(string)
			if id == "" || s.Attrs["mcp.session.id"] != id {
				t.Errorf("%s: session ids %v and %v, want one, on both sides", name, c.Attrs["mcp.session.id"], s.Attrs["mcp.session.id"])
			}
		} else if mode == "client" {
			llmtest.NoAttrs(t, c, "mcp.session.id")
		}
		method, tool, _ := strings.Cut(name, " ")
		for _, sp := range []otlpreceiver.Span{c, s} {
			llmtest.WantAttrs(t, sp, map[string]any{"mcp.method.name": method})
			if method == "tools/call" {
				llmtest.WantAttrs(t, sp, map[string]any{"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool})
			} else {
				llmtest.NoAttrs(t, sp, "gen_ai.operation.name", "gen_ai.tool.name")
			}
		}
	}
	// After an initialize, both sides know the protocol version.
	if isHandshake("initialize") {
		for _, name := range []string{"tools/list", "tools/call add"} {
			v, _ := clients[name].Attrs["mcp.protocol.version"].(string)
			if v == "" || servers[name].Attrs["mcp.protocol.version"] != v {
				t.Errorf("%s: protocol versions %v and %v, want one, on both sides", name, clients[name].Attrs["mcp.protocol.version"], servers[name].Attrs["mcp.protocol.version"])
			}
		}
	}
	for _, name := range append(handshakes, "tools/list", "tools/call add") {
		for _, sp := range []otlpreceiver.Span{clients[name], servers[name]} {
			if sp.StatusCode == "error" {
				t.Errorf("%s %s failed: %s", sp.Kind, name, sp.StatusMessage)
			}
		}
	}
	for _, sp := range []otlpreceiver.Span{clients["tools/call fail"], servers["tools/call fail"]} {
		llmtest.WantAttrs(t, sp, map[string]any{"error.type": "tool_error"})
		if sp.StatusCode != "error" || sp.StatusMessage != "the tool broke" {
			t.Errorf("%s tools/call fail: status %s %q", sp.Kind, sp.StatusCode, sp.StatusMessage)
		}
	}
	// Both processes measure each request: by method and tool, with the
	// error type of the failed ones.
	counts := map[string]uint64{}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		counts = map[string]uint64{}
		for _, p := range receiver.Points() {
			if p.Metric == "mcp.client.operation.duration" || p.Metric == "mcp.server.operation.duration" {
				key := fmt.Sprint(p.Metric, " ", p.Attrs["mcp.method.name"], " ", p.Attrs["gen_ai.tool.name"], " ", p.Attrs["error.type"])
				counts[key] += p.Count
			}
		}
		if len(counts) == 2*len(names) {
			break
		}
	}
	wantCounts := map[string]uint64{
		"tools/list <nil> <nil>": 1, "tools/call add <nil>": 1,
		"tools/call fail tool_error": 1, "tools/call missing -32602": 1,
	}
	for _, h := range handshakes {
		wantCounts[h+" <nil> <nil>"] = 1
	}
	for _, side := range []string{"client", "server"} {
		for key, n := range wantCounts {
			if got := counts["mcp."+side+".operation.duration "+key]; got != n {
				t.Errorf("mcp.%s.operation.duration %s: %d, want %d (all: %v)", side, key, got, n, counts)
			}
		}
	}

	// An unknown tool is a JSON-RPC error: invalid params.
	for _, sp := range []otlpreceiver.Span{clients["tools/call missing"], servers["tools/call missing"]} {
		llmtest.WantAttrs(t, sp, map[string]any{"error.type": "-32602"})
		if sp.StatusCode != "error" {
			t.Errorf("%s tools/call missing: status %s", sp.Kind, sp.StatusCode)
		}
	}
}
