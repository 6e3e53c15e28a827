package langchaingo_test

import (
	"path/filepath"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/fantasy/fantasytest"
)

// versions are the langchaingo releases tested, the newest and the oldest
// still common, with the number of tools their OpenAI functions agent runs
// for a response that asks for two (v0.1.13 runs the first only).
var versions = []struct {
	version string
	tools   int
}{{"v0.1.14", 2}, {"v0.1.13", 1}}

// TestIntegration builds testdata/app, plain and with -toolexec=llminstr,
// for each version, runs both against a model that calls the tools it is
// offered and then answers (fantasytest speaks the OpenAI wire format),
// and checks that they print the same and that the instrumented one
// exports the span tree: one chat span per model request (langchaingo's
// OpenAI provider has HTTP code of its own, which the wire-level fallback
// reads), and for agents an invoke_agent span with the chat and
// execute_tool spans of the run under it.
func TestIntegration(t *testing.T) {
	llmtest.SkipShort(t)
	e := llmtest.NewSession(t, fantasytest.Server{}, "LANGCHAINAPP_BASE_URL", "/v1")
	for _, v := range versions {
		t.Run(v.version, func(t *testing.T) {
			dir := llmtest.PrepareApp(t, "testdata/app", "github.com/tmc/langchaingo@"+v.version)
			// As a user would after changing versions: langchaingo's
			// dependencies bring an OpenTelemetry API newer than the
			// runtime's SDK, which init raises to match.
			llmtest.Run(t, dir, []string{"GOFLAGS=-mod=mod"}, llmtest.Tool(t), "init")
			plain := filepath.Join(t.TempDir(), "plain")
			llmtest.Run(t, dir, nil, "go", "build", "-o", plain, ".")
			bin := llmtest.Build(t, dir)

			run := func(t *testing.T, mode string) []otlpreceiver.Span {
				t.Helper()
				want, _ := llmtest.RunErr("", e.Env, plain, mode)
				out, spans := e.Run(t, bin, false, mode)
				if out != want {
					t.Errorf("instrumented output\n%s\nplain output\n%s", out, want)
				}
				return spans
			}
			chat := func(t *testing.T, s otlpreceiver.Span) {
				t.Helper()
				if s.Name != "chat gpt-4o-mini" || s.Kind != "client" {
					t.Errorf("chat span %q kind %s", s.Name, s.Kind)
				}
				llmtest.WantAttrs(t, s, map[string]any{
					"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
					"gen_ai.usage.input_tokens": int64(fantasytest.PromptTokens), "gen_ai.usage.output_tokens": int64(fantasytest.CompletionTokens),
				})
			}

			t.Run("chat", func(t *testing.T) {
				spans := run(t, "chat")
				if len(spans) != 1 {
					t.Fatalf("want one span:\n%s", otlpreceiver.Describe(spans))
				}
				chat(t, spans[0])
				llmtest.WantAttrs(t, spans[0], map[string]any{"gen_ai.request.temperature": 0.5, "gen_ai.request.max_tokens": int64(64),
					"gen_ai.response.finish_reasons": []any{"stop"}})
			})
			t.Run("stream", func(t *testing.T) {
				spans := run(t, "stream")
				if len(spans) != 1 {
					t.Fatalf("want one span:\n%s", otlpreceiver.Describe(spans))
				}
				s := spans[0]
				if s.Name != "chat gpt-4o-mini" {
					t.Errorf("span %q", s.Name)
				}
				llmtest.WantAttrs(t, s, map[string]any{"gen_ai.request.stream": true, "gen_ai.response.finish_reasons": []any{"stop"}})
				if ttfc, ok := s.Attrs["gen_ai.response.time_to_first_chunk"].(float64); !ok || ttfc <= 0 {
					t.Errorf("time to first chunk %v", s.Attrs["gen_ai.response.time_to_first_chunk"])
				}
			})
			t.Run("single", func(t *testing.T) {
				spans := run(t, "single")
				if len(spans) != 1 {
					t.Fatalf("want one span:\n%s", otlpreceiver.Describe(spans))
				}
				chat(t, spans[0])
			})
			for _, mode := range []string{"agent", "executor"} {
				t.Run(mode, func(t *testing.T) {
					spans := run(t, mode)
					agent, chats, tools := tree(t, spans)
					if len(chats) != 2 || len(tools) != v.tools {
						t.Fatalf("want 2 chat and %d tool spans:\n%s", v.tools, otlpreceiver.Describe(spans))
					}
					for _, s := range chats {
						chat(t, s)
					}
					llmtest.NoAttrs(t, agent, "error.type")
					names := map[string]bool{}
					for _, s := range tools {
						name, _ := s.Attrs["gen_ai.tool.name"].(string)
						names[name] = true
						if s.Name != "execute_tool "+name || s.Kind != "internal" || s.StatusCode == "error" {
							t.Errorf("tool span %q kind %s status %s", s.Name, s.Kind, s.StatusCode)
						}
						llmtest.WantAttrs(t, s, map[string]any{"gen_ai.tool.type": "function"})
						llmtest.NoAttrs(t, s, "gen_ai.tool.call.arguments", "gen_ai.tool.call.result")
					}
					if !names["get_weather"] || v.tools == 2 && !names["get_time"] {
						t.Errorf("tools run: %v", names)
					}
				})
			}
			t.Run("toolfail", func(t *testing.T) {
				spans := run(t, "toolfail")
				agent, chats, tools := tree(t, spans)
				if len(chats) != 1 || len(tools) != 1 {
					t.Fatalf("want 1 chat and 1 tool span:\n%s", otlpreceiver.Describe(spans))
				}
				if tools[0].StatusCode != "error" || tools[0].StatusMessage != "no weather station" || agent.StatusCode != "error" {
					t.Errorf("tool status %s %q, agent status %s", tools[0].StatusCode, tools[0].StatusMessage, agent.StatusCode)
				}
				llmtest.WantAttrs(t, tools[0], map[string]any{"gen_ai.tool.name": "get_weather", "error.type": "_OTHER"})
			})
		})
	}
}

// tree checks that spans are one invoke_agent span and its children, and
// returns them by operation.
func tree(t *testing.T, spans []otlpreceiver.Span) (agent otlpreceiver.Span, chats, tools []otlpreceiver.Span) {
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
	if agent.Name != "invoke_agent" || agent.Kind != "internal" || agent.ParentSpanID != "" {
		t.Errorf("agent span %q kind %s parent %q", agent.Name, agent.Kind, agent.ParentSpanID)
	}
	for _, s := range append(append([]otlpreceiver.Span(nil), chats...), tools...) {
		if s.ParentSpanID != agent.SpanID || s.TraceID != agent.TraceID {
			t.Errorf("%s is not the agent span's child:\n%s", s.Name, otlpreceiver.Describe(spans))
		}
	}
	return agent, chats, tools
}
