package eino_test

import (
	"path/filepath"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/fantasy/fantasytest"
)

// TestIntegration builds testdata/app (eino with eino-ext's OpenAI chat
// model), plain and with -toolexec=llminstr, runs both against a model
// that calls the tools it is offered and then answers (fantasytest speaks
// the OpenAI wire format), and checks that they print the same and that
// the instrumented one exports the span tree: one chat span per model
// request (eino-ext's OpenAI model has a client of its own, which the
// wire-level fallback reads), and for agents an invoke_agent span with the
// chat and execute_tool spans of the run under it.
func TestIntegration(t *testing.T) {
	llmtest.SkipShort(t)
	e := llmtest.NewSession(t, fantasytest.Server{}, "EINOAPP_BASE_URL", "/v1")
	for _, v := range versions {
		t.Run(v, func(t *testing.T) { testVersion(t, e, v) })
	}
}

// versions are the eino releases tested: the newest, and the oldest that
// eino-ext's OpenAI model v0.1.7 (the newest) accepts.
var versions = []string{"v0.7.36", "v0.7.13"}

func testVersion(t *testing.T, e *llmtest.Session, version string) {
	dir := llmtest.PrepareApp(t, "testdata/app", "github.com/cloudwego/eino@"+version)
	plain := filepath.Join(t.TempDir(), "plain")
	llmtest.Run(t, dir, nil, "go", "build", "-o", plain, ".")
	bin := llmtest.Build(t, dir)

	run := func(t *testing.T, mode string, env ...string) []otlpreceiver.Span {
		t.Helper()
		want, _ := llmtest.RunErr("", e.Env, plain, mode)
		e.Receiver.Reset()
		out, err := llmtest.RunErr("", append(e.Env, env...), bin, mode)
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		if out != want {
			t.Errorf("instrumented output\n%s\nplain output\n%s", out, want)
		}
		return e.Receiver.Spans()
	}
	chat := func(t *testing.T, s otlpreceiver.Span, stream bool) {
		t.Helper()
		if s.Name != "chat gpt-4o-mini" || s.Kind != "client" || s.StatusCode != "unset" {
			t.Errorf("chat span %q kind %s status %s", s.Name, s.Kind, s.StatusCode)
		}
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
			"gen_ai.request.temperature": 0.5, "gen_ai.request.max_tokens": int64(64),
			"gen_ai.usage.input_tokens": int64(fantasytest.PromptTokens), "gen_ai.usage.output_tokens": int64(fantasytest.CompletionTokens),
		})
		if stream {
			llmtest.WantAttrs(t, s, map[string]any{"gen_ai.request.stream": true})
			if ttfc, ok := s.Attrs["gen_ai.response.time_to_first_chunk"].(float64); !ok || ttfc <= 0 {
				t.Errorf("time to first chunk %v", s.Attrs["gen_ai.response.time_to_first_chunk"])
			}
		} else {
			llmtest.NoAttrs(t, s, "gen_ai.request.stream")
		}
	}

	for _, mode := range []string{"chat", "stream"} {
		t.Run(mode, func(t *testing.T) {
			spans := run(t, mode)
			if len(spans) != 1 {
				t.Fatalf("want one span:\n%s", otlpreceiver.Describe(spans))
			}
			chat(t, spans[0], mode == "stream")
			llmtest.WantAttrs(t, spans[0], map[string]any{"gen_ai.response.finish_reasons": []any{"stop"}})
		})
	}
	for _, c := range []struct{ mode, agent string }{{"agent", "weather_agent"}, {"agentstream", "weather_agent"}, {"react", ""}} {
		t.Run(c.mode, func(t *testing.T) {
			spans := run(t, c.mode)
			agent, chats, tools := tree(t, spans, c.agent)
			if len(chats) != 2 || len(tools) != 2 {
				t.Fatalf("want 2 chat and 2 tool spans:\n%s", otlpreceiver.Describe(spans))
			}
			for _, s := range chats {
				chat(t, s, c.mode == "agentstream")
			}
			llmtest.NoAttrs(t, agent, "error.type", "llminstr.unfinished")
			named := byName(t, tools)
			for name, id := range map[string]string{"get_weather": fantasytest.WeatherCallID, "get_time": fantasytest.TimeCallID} {
				s, ok := named[name]
				if !ok {
					t.Fatalf("no %s span:\n%s", name, otlpreceiver.Describe(spans))
				}
				if s.Kind != "internal" || s.StatusCode != "unset" {
					t.Errorf("tool span %q kind %s status %s", s.Name, s.Kind, s.StatusCode)
				}
				llmtest.WantAttrs(t, s, map[string]any{"gen_ai.tool.type": "function", "gen_ai.tool.call.id": id})
				llmtest.NoAttrs(t, s, "gen_ai.tool.call.arguments", "gen_ai.tool.call.result")
			}
		})
	}
	t.Run("toolfail", func(t *testing.T) {
		spans := run(t, "toolfail")
		agent, chats, tools := tree(t, spans, "weather_agent")
		if len(chats) != 1 || len(tools) != 2 {
			t.Fatalf("want 1 chat and 2 tool spans:\n%s", otlpreceiver.Describe(spans))
		}
		weather := byName(t, tools)["get_weather"]
		if weather.StatusCode != "error" || agent.StatusCode != "error" {
			t.Errorf("tool status %s, agent status %s", weather.StatusCode, agent.StatusCode)
		}
		llmtest.WantAttrs(t, weather, map[string]any{"error.type": "_OTHER"})
		if time := byName(t, tools)["get_time"]; time.StatusCode != "unset" {
			t.Errorf("get_time status %s", time.StatusCode)
		}
	})
	t.Run("content", func(t *testing.T) {
		spans := run(t, "agent", "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
		_, _, tools := tree(t, spans, "weather_agent")
		named := byName(t, tools)
		llmtest.WantAttrs(t, named["get_weather"], map[string]any{"gen_ai.tool.call.arguments": `{"city":"Paris"}`, "gen_ai.tool.call.result": "sunny in Paris"})
		llmtest.WantAttrs(t, named["get_time"], map[string]any{"gen_ai.tool.call.arguments": `{}`, "gen_ai.tool.call.result": "noon"})
	})
}

// tree checks that spans are one invoke_agent span, named after the agent,
// and its children, and returns them by operation.
func tree(t *testing.T, spans []otlpreceiver.Span, name string) (agent otlpreceiver.Span, chats, tools []otlpreceiver.Span) {
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
		default:
			t.Errorf("unexpected span %q", s.Name)
		}
	}
	if len(agents) != 1 {
		t.Fatalf("want one invoke_agent span:\n%s", otlpreceiver.Describe(spans))
	}
	agent = agents[0]
	wantName := "invoke_agent"
	if name != "" {
		wantName += " " + name
		llmtest.WantAttrs(t, agent, map[string]any{"gen_ai.agent.name": name})
	}
	if agent.Name != wantName || agent.Kind != "internal" || agent.ParentSpanID != "" {
		t.Errorf("agent span %q kind %s parent %q", agent.Name, agent.Kind, agent.ParentSpanID)
	}
	for _, s := range append(append([]otlpreceiver.Span(nil), chats...), tools...) {
		if s.ParentSpanID != agent.SpanID || s.TraceID != agent.TraceID {
			t.Errorf("%s is not the agent span's child:\n%s", s.Name, otlpreceiver.Describe(spans))
		}
	}
	return agent, chats, tools
}

// byName returns tool spans by gen_ai.tool.name, failing on a name seen
// twice.
func byName(t *testing.T, tools []otlpreceiver.Span) map[string]otlpreceiver.Span {
	t.Helper()
	out := map[string]otlpreceiver.Span{}
	for _, s := range tools {
		name, _ := s.Attrs["gen_ai.tool.name"].(string)
		if _, dup := out[name]; dup || s.Name != "execute_tool "+name {
			t.Errorf("tool span %q (%s) again or misnamed", s.Name, name)
		}
		out[name] = s
	}
	return out
}
