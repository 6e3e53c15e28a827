package bedrock_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/bedrock/bedrocktest"
)

// TestIntegration builds testdata/app against the oldest supported
// (v1.29, the first with prompt-cache usage) and the newest
// served release of github.com/aws/aws-sdk-go-v2/service/bedrockruntime,
// runs it against a server speaking the Converse API (JSON, and AWS event
// stream frames with valid CRCs), and checks the spans. The "wire" build
// leaves the adapters out (LLMINSTR_DISABLE=bedrock), as for a call the
// call-site rewrite cannot see: every call is traced at the wire, and
// must record the same.
func TestIntegration(t *testing.T) {
	llmtest.SkipShort(t)
	for _, version := range []string{"v1.29.0", "v1.63.12"} {
		t.Run(version, func(t *testing.T) { testBedrock(t, version, nil) })
	}
	t.Run("wire", func(t *testing.T) { testBedrock(t, "v1.63.12", []string{"LLMINSTR_DISABLE=bedrock"}) })
}

func testBedrock(t *testing.T, version string, buildEnv []string) {
	bin := llmtest.BuildWith(t, llmtest.PrepareApp(t, "testdata/app", "github.com/aws/aws-sdk-go-v2/service/bedrockruntime@"+version), buildEnv)
	server := httptest.NewServer(bedrocktest.Server{})
	defer server.Close()
	receiver := otlpreceiver.Start()
	defer receiver.Close()
	runMode := func(t *testing.T, mode string, extra ...string) otlpreceiver.Span {
		t.Helper()
		env := append([]string{"BEDROCKAPP_BASE_URL=" + server.URL, "OTEL_EXPORTER_OTLP_ENDPOINT=" + receiver.URL(),
			"OTEL_BSP_SCHEDULE_DELAY=60000"}, extra...)
		var out string
		for attempt := 1; ; attempt++ {
			receiver.Reset()
			var err error
			out, err = llmtest.RunErr("", env, bin, strings.Fields(mode)...)
			// smithy-go closes a request's body as soon as the response
			// headers arrive; when a server answers before net/http's
			// write loop has made its final read of that body, the read
			// fails and the connection is closed under the response
			// (seen here in about 3% of runs against the local server,
			// instrumented or not). The program then sees a transport
			// error, and so does its span; run it again.
			if !strings.Contains(out, "use of closed network connection") || attempt == 5 {
				if err != nil {
					t.Fatalf("%s: %v\n%s", mode, err, out)
				}
				break
			}
			t.Logf("attempt %d hit the SDK's request body race: %s", attempt, out)
		}
		if (mode == "converse" || mode == "stream") && !strings.Contains(out, fakeprovider.Answer) {
			t.Errorf("program output changed: %s", out)
		}
		spans := receiver.Spans()
		if len(spans) != 1 {
			t.Fatalf("%d spans, want 1:\n%s", len(spans), otlpreceiver.Describe(spans))
		}
		return spans[0]
	}
	common := map[string]any{
		"gen_ai.provider.name": "aws.bedrock", "gen_ai.operation.name": "chat", "gen_ai.request.model": "amazon.nova-micro-v1:0",
		"gen_ai.request.max_tokens": int64(64), "gen_ai.request.temperature": 0.8, "gen_ai.request.top_p": 1.0,
		"gen_ai.request.stop_sequences": []any{"|"}, "gen_ai.response.finish_reasons": []any{"end_turn"},
		"gen_ai.usage.input_tokens":            int64(bedrocktest.InputTokens + bedrocktest.CacheRead),
		"gen_ai.usage.cache_read.input_tokens": int64(bedrocktest.CacheRead),
		"gen_ai.usage.output_tokens":           int64(bedrocktest.OutputTokens),
		"server.address":                       "127.0.0.1", "server.port": llmtest.Port(t, server.URL),
	}
	for _, mode := range []string{"converse", "stream"} {
		t.Run(mode, func(t *testing.T) {
			s := runMode(t, mode)
			llmtest.WantAttrs(t, s, common)
			if s.Name != "chat amazon.nova-micro-v1:0" || s.Kind != "client" || s.StatusCode == "error" {
				t.Errorf("span %q kind %s status %s", s.Name, s.Kind, s.StatusCode)
			}
			if mode == "stream" {
				llmtest.WantAttrs(t, s, map[string]any{"gen_ai.request.stream": true})
				if _, ok := s.Attrs["gen_ai.response.time_to_first_chunk"].(float64); !ok {
					t.Error("no time_to_first_chunk")
				}
			}
		})
	}
	t.Run("content", func(t *testing.T) {
		for _, mode := range []string{"converse", "stream"} {
			s := runMode(t, mode, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
			llmtest.WantJSON(t, s, "gen_ai.system_instructions", `[{"type":"text","content":"You are terse."}]`)
			llmtest.WantJSON(t, s, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]`)
			llmtest.WantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+fakeprovider.Answer+`"}],"finish_reason":"end_turn"}]`)
		}
	})
	t.Run("exception_event", func(t *testing.T) {
		s := runMode(t, "throttled")
		if !strings.Contains(s.StatusMessage, "Too many requests") {
			t.Errorf("status message %q, want the exception's", s.StatusMessage)
		}
		if s.StatusCode != "error" {
			t.Errorf("status %s", s.StatusCode)
		}
		llmtest.WantAttrs(t, s, map[string]any{"error.type": "throttlingException", "gen_ai.response.finish_reasons": []any{"error"}})
	})
	t.Run("api_error", func(t *testing.T) {
		s := runMode(t, "error")
		llmtest.WantAttrs(t, s, map[string]any{"error.type": "ValidationException"})
	})
	testBedrockInvoke(t, runMode, llmtest.Port(t, server.URL))
}

// testBedrockInvoke checks InvokeModel and InvokeModelWithResponseStream
// with each model family's own body format.
func testBedrockInvoke(t *testing.T, runMode func(*testing.T, string, ...string) otlpreceiver.Span, serverPort int64) {
	in, out := int64(bedrocktest.InputTokens), int64(bedrocktest.OutputTokens)
	withCache := in + bedrocktest.CacheRead
	families := []struct {
		model  string
		finish string
		want   map[string]any
	}{
		{"us.anthropic.claude-3-haiku-20240307-v1:0", "end_turn", map[string]any{
			"gen_ai.usage.input_tokens": withCache, "gen_ai.usage.cache_read.input_tokens": int64(bedrocktest.CacheRead),
			"gen_ai.request.top_k": 20.0, "gen_ai.request.stop_sequences": []any{"|"},
			"gen_ai.response.id": bedrocktest.InvokeID, "gen_ai.response.model": bedrocktest.InvokeClaude}},
		{"amazon.nova-micro-v1:0", "end_turn", map[string]any{
			"gen_ai.usage.input_tokens": withCache, "gen_ai.usage.cache_read.input_tokens": int64(bedrocktest.CacheRead),
			"gen_ai.request.top_k": 20.0, "gen_ai.request.stop_sequences": []any{"|"}}},
		{"amazon.titan-text-express-v1", "FINISH", map[string]any{"gen_ai.usage.input_tokens": in, "gen_ai.request.stop_sequences": []any{"|"}}},
		{"meta.llama3-8b-instruct-v1:0", "stop", map[string]any{"gen_ai.usage.input_tokens": in}},
		{"mistral.mistral-7b-instruct-v0:2", "stop", map[string]any{"gen_ai.usage.input_tokens": in,
			"gen_ai.request.top_k": 20.0, "gen_ai.request.stop_sequences": []any{"|"}}},
		{"cohere.command-text-v14", "COMPLETE", map[string]any{"gen_ai.usage.input_tokens": in,
			"gen_ai.request.top_k": 20.0, "gen_ai.request.stop_sequences": []any{"|"}, "gen_ai.response.id": bedrocktest.InvokeID}},
	}
	for _, f := range families {
		for _, mode := range []string{"invoke", "invoke-stream"} {
			t.Run(mode+"/"+f.model, func(t *testing.T) {
				s := runMode(t, mode+" "+f.model)
				if s.Name != "chat "+f.model || s.Kind != "client" || s.StatusCode == "error" {
					t.Errorf("span %q kind %s status %s %s", s.Name, s.Kind, s.StatusCode, s.StatusMessage)
				}
				llmtest.WantAttrs(t, s, map[string]any{
					"gen_ai.provider.name": "aws.bedrock", "gen_ai.operation.name": "chat", "gen_ai.request.model": f.model,
					"gen_ai.request.max_tokens": int64(64), "gen_ai.request.temperature": 0.8, "gen_ai.request.top_p": 1.0,
					"gen_ai.response.finish_reasons": []any{f.finish}, "gen_ai.usage.output_tokens": out,
					"server.address": "127.0.0.1", "server.port": serverPort,
				})
				llmtest.WantAttrs(t, s, f.want)
				if mode == "invoke-stream" {
					llmtest.WantAttrs(t, s, map[string]any{"gen_ai.request.stream": true})
					if _, ok := s.Attrs["gen_ai.response.time_to_first_chunk"].(float64); !ok {
						t.Error("no time_to_first_chunk")
					}
				}
			})
		}
	}
	t.Run("invoke_content", func(t *testing.T) {
		for _, model := range []string{"us.anthropic.claude-3-haiku-20240307-v1:0", "amazon.nova-micro-v1:0", "meta.llama3-8b-instruct-v1:0"} {
			for _, mode := range []string{"invoke", "invoke-stream"} {
				s := runMode(t, mode+" "+model, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
				finish := "end_turn"
				if strings.HasPrefix(model, "meta.") {
					finish = "stop"
				} else {
					llmtest.WantJSON(t, s, "gen_ai.system_instructions", `[{"type":"text","content":"You are terse."}]`)
				}
				llmtest.WantJSON(t, s, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]`)
				llmtest.WantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+fakeprovider.Answer+`"}],"finish_reason":"`+finish+`"}]`)
			}
		}
	})
	t.Run("invoke_embeddings", func(t *testing.T) {
		s := runMode(t, "invoke amazon.titan-embed-text-v2:0")
		if s.Name != "embeddings amazon.titan-embed-text-v2:0" {
			t.Errorf("span %q", s.Name)
		}
		llmtest.WantAttrs(t, s, map[string]any{"gen_ai.operation.name": "embeddings",
			"gen_ai.embeddings.dimension.count": int64(bedrocktest.EmbedDimensions), "gen_ai.usage.input_tokens": int64(bedrocktest.EmbedTokens)})
		llmtest.NoAttrs(t, s, "gen_ai.usage.output_tokens")
	})
}
