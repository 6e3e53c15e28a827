package fantasy_test

import (
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/fantasy/fantasytest"
)

// TestIntegration builds testdata/app, a fantasy agent with two tools
// behind fantasy's OpenAI provider, with -toolexec=llminstr (fantasy
// v0.41.2: later releases need Go 1.27), runs it against a model that
// calls the tools and then answers, and checks the trace: an invoke_agent
// span with the run's usage, and under it one chat span per model request
// and one execute_tool span per tool run.
func TestIntegration(t *testing.T) {
	llmtest.SkipShort(t)
	bin := llmtest.BuildApp(t, "testdata/app", "charm.land/fantasy@v0.41.2")
	e := llmtest.NewSession(t, fantasytest.Server{}, "FANTASYAPP_BASE_URL", "/v1")

	tree := func(t *testing.T, spans []otlpreceiver.Span, steps int) (agent otlpreceiver.Span, chats, tools []otlpreceiver.Span) {
		t.Helper()
		var agents []otlpreceiver.Span
		for _, s := range spans {
			switch s.Attrs["gen_ai.operation.name"] {
			case "invoke_agent":
				agents = append(agents, s)
			case "chat":
				chats = append(chats, s)
			case "execute_tool":
				tools = append(tools, s)
			}
		}
		// Every step but the last runs the tools; a run stopped by a
		// tool's error runs only the first one.
		toolRuns := 2
		if steps == 1 {
			toolRuns = 1
		}
		if len(agents) != 1 || len(chats) != steps || len(tools) != toolRuns || len(spans) != 1+steps+toolRuns {
			t.Fatalf("want 1 agent, %d chat and %d tool spans:\n%s", steps, toolRuns, otlpreceiver.Describe(spans))
		}
		agent = agents[0]
		if agent.Name != "invoke_agent" || agent.Kind != "internal" {
			t.Errorf("agent span %q kind %s", agent.Name, agent.Kind)
		}
		for _, s := range append(chats, tools...) {
			if s.ParentSpanID != agent.SpanID || s.TraceID != agent.TraceID {
				t.Errorf("%s is not the agent span's child:\n%s", s.Name, otlpreceiver.Describe(spans))
			}
		}
		llmtest.WantAttrs(t, agent, map[string]any{
			"gen_ai.usage.input_tokens":  int64(steps * fantasytest.PromptTokens),
			"gen_ai.usage.output_tokens": int64(steps * fantasytest.CompletionTokens),
		})
		llmtest.NoAttrs(t, agent, "gen_ai.agent.name", "error.type")
		for _, s := range chats {
			if s.Name != "chat gpt-4o-mini" || s.Kind != "client" {
				t.Errorf("chat span %q kind %s", s.Name, s.Kind)
			}
			llmtest.WantAttrs(t, s, map[string]any{"gen_ai.provider.name": "openai",
				"gen_ai.usage.input_tokens": int64(fantasytest.PromptTokens), "gen_ai.usage.output_tokens": int64(fantasytest.CompletionTokens)})
		}
		return agent, chats, tools
	}
	byName := func(tools []otlpreceiver.Span) map[string]otlpreceiver.Span {
		m := map[string]otlpreceiver.Span{}
		for _, s := range tools {
			m[s.Attrs["gen_ai.tool.name"].(string)] = s
			if s.Kind != "internal" || s.Name != "execute_tool "+s.Attrs["gen_ai.tool.name"].(string) {
				t.Errorf("tool span %q kind %s", s.Name, s.Kind)
			}
		}
		return m
	}
	wantTools := func(t *testing.T, tools map[string]otlpreceiver.Span) {
		t.Helper()
		llmtest.WantAttrs(t, tools["get_weather"], map[string]any{"gen_ai.tool.call.id": fantasytest.WeatherCallID, "gen_ai.tool.type": "function"})
		llmtest.WantAttrs(t, tools["get_time"], map[string]any{"gen_ai.tool.call.id": fantasytest.TimeCallID, "gen_ai.tool.type": "function"})
	}

	for _, mode := range []string{"generate", "stream"} {
		t.Run(mode, func(t *testing.T) {
			out, spans := e.Run(t, bin, false, mode)
			if !strings.Contains(out, "answer: "+fantasytest.Answer) || !strings.Contains(out, "steps: 2") {
				t.Errorf("program output changed: %s", out)
			}
			_, chats, tools := tree(t, spans, 2)
			named := byName(tools)
			wantTools(t, named)
			for _, s := range tools {
				llmtest.NoAttrs(t, s, "error.type", "gen_ai.tool.call.arguments", "gen_ai.tool.call.result")
			}
			if mode == "stream" {
				for _, s := range chats {
					llmtest.WantAttrs(t, s, map[string]any{"gen_ai.request.stream": true})
				}
			}
		})
	}
	t.Run("tool_error", func(t *testing.T) {
		// A response that reports an error: the model gets it, the run
		// goes on.
		out, spans := e.Run(t, bin, false, "toolerror")
		if !strings.Contains(out, "answer: "+fantasytest.Answer) || !strings.Contains(out, "steps: 2") {
			t.Errorf("program output changed: %s", out)
		}
		_, _, tools := tree(t, spans, 2)
		named := byName(tools)
		wantTools(t, named)
		failed := named["get_weather"]
		llmtest.WantAttrs(t, failed, map[string]any{"error.type": "tool_error"})
		if failed.StatusCode != "error" || failed.StatusMessage != "no weather station in Atlantis" {
			t.Errorf("failed tool: status %s %q", failed.StatusCode, failed.StatusMessage)
		}
		llmtest.NoAttrs(t, named["get_time"], "error.type")
	})
	t.Run("tool_fails", func(t *testing.T) {
		// A tool that returns an error ends fantasy's run after that tool,
		// with no error from Generate: the trace shows where it stopped.
		out, spans := e.Run(t, bin, false, "toolfail")
		if !strings.Contains(out, "steps: 1") {
			t.Errorf("program output changed: %s", out)
		}
		agent, _, tools := tree(t, spans, 1)
		failed := tools[0]
		if failed.Attrs["gen_ai.tool.name"] != "get_weather" || failed.StatusCode != "error" || failed.StatusMessage != "no such city" {
			t.Errorf("failed tool %v: status %s %q", failed.Attrs["gen_ai.tool.name"], failed.StatusCode, failed.StatusMessage)
		}
		llmtest.WantAttrs(t, failed, map[string]any{"error.type": "_OTHER"})
		if agent.StatusCode == "error" {
			t.Errorf("agent span failed, the run did not: %s", agent.StatusMessage)
		}
	})
	t.Run("mcp", func(t *testing.T) {
		// Two more tools run on MCP servers, in other processes: add over
		// stdio, multiply over streamable HTTP. Each one's tools/call
		// CLIENT span is the fantasy tool span's child, and the server's
		// span continues the trace in its process.
		out, _ := e.Run(t, bin, false, "mcp")
		if !strings.Contains(out, "answer: "+fantasytest.Answer) {
			t.Errorf("program output changed: %s", out)
		}
		// Per server: its handshake(s), tools/list and tools/call.
		spans := llmtest.AwaitSpans(e.Receiver, func(spans []otlpreceiver.Span) bool { return len(llmtest.SpansOfKind(spans, "server")) >= 6 })
		var agent otlpreceiver.Span
		for _, s := range spans {
			if s.Attrs["gen_ai.operation.name"] == "invoke_agent" {
				agent = s
			}
		}
		var inRun []otlpreceiver.Span
		for _, s := range spans {
			if s.TraceID == agent.TraceID {
				inRun = append(inRun, s)
			}
		}
		for _, tc := range []struct{ tool, callID string }{{"add", fantasytest.AddCallID}, {"multiply", fantasytest.MultiplyID}} {
			var tool, client, server otlpreceiver.Span
			for _, s := range inRun {
				switch {
				case s.Name == "execute_tool "+tc.tool:
					tool = s
				case s.Name == "tools/call "+tc.tool && s.Kind == "client":
					client = s
				case s.Name == "tools/call "+tc.tool && s.Kind == "server":
					server = s
				}
			}
			if tool.Name == "" || client.Name == "" || server.Name == "" {
				t.Errorf("%s: no fantasy tool, MCP client or MCP server span in the run's trace:\n%s", tc.tool, otlpreceiver.Describe(spans))
				continue
			}
			if tool.ParentSpanID != agent.SpanID || client.ParentSpanID != tool.SpanID || server.ParentSpanID != client.SpanID {
				t.Errorf("want invoke_agent > execute_tool %[1]s > tools/call %[1]s (client) > tools/call %[1]s (server):\n%[2]s", tc.tool, otlpreceiver.Describe(inRun))
			}
			llmtest.WantAttrs(t, tool, map[string]any{"gen_ai.tool.call.id": tc.callID})
			for _, s := range []otlpreceiver.Span{client, server} {
				llmtest.WantAttrs(t, s, map[string]any{"mcp.method.name": "tools/call", "gen_ai.tool.name": tc.tool, "gen_ai.operation.name": "execute_tool"})
			}
		}
		// In the run: the agent, 2 model calls, 4 fantasy tools, and the
		// 2 MCP calls on both sides.
		if len(inRun) != 1+2+4+2*2 {
			t.Errorf("%d spans in the run's trace, want 11:\n%s", len(inRun), otlpreceiver.Describe(inRun))
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		// A tool cancels the run's context: the next model request fails,
		// and so does the run, as canceled.
		out, spans := e.Run(t, bin, false, "cancel")
		if !strings.Contains(out, "run: ") || !strings.Contains(out, "context canceled") {
			t.Errorf("program output changed: %s", out)
		}
		var agent otlpreceiver.Span
		var chats []otlpreceiver.Span
		for _, s := range spans {
			switch s.Attrs["gen_ai.operation.name"] {
			case "invoke_agent":
				agent = s
			case "chat":
				chats = append(chats, s)
			}
		}
		llmtest.WantAttrs(t, agent, map[string]any{"error.type": "canceled"})
		if agent.StatusCode != "error" {
			t.Errorf("agent span status %s", agent.StatusCode)
		}
		failed := 0
		for _, c := range chats {
			if c.StatusCode == "error" {
				failed++
				llmtest.WantAttrs(t, c, map[string]any{"error.type": "canceled"})
			}
			if c.ParentSpanID != agent.SpanID {
				t.Errorf("a chat span is not the agent's child")
			}
		}
		if failed != 1 {
			t.Errorf("%d failed chat spans, want 1:\n%s", failed, otlpreceiver.Describe(spans))
		}
	})
	t.Run("content", func(t *testing.T) {
		e.Receiver.Reset()
		out, err := llmtest.RunErr("", append(e.Env, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true"), bin, "generate")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		_, _, tools := tree(t, e.Receiver.Spans(), 2)
		named := byName(tools)
		llmtest.WantAttrs(t, named["get_weather"], map[string]any{"gen_ai.tool.call.arguments": `{"city":"Paris"}`, "gen_ai.tool.call.result": "sunny in Paris"})
		llmtest.WantAttrs(t, named["get_time"], map[string]any{"gen_ai.tool.call.arguments": `{}`, "gen_ai.tool.call.result": "noon"})
	})
}
