// Package integration builds real programs with `go build
// -toolexec=llminstr`, runs them against a local server speaking the
// provider's wire format, and checks the spans they export over OTLP.
package integration

import (
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/llminstr/llminstr/internal/llmtest"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/openai/openaitest"
)

// llminstrBin is the freshly built tool, shared by all tests.
var llminstrBin string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		fmt.Println("integration tests skipped in -short mode")
		os.Exit(m.Run())
	}
	var err error
	if llminstrBin, err = llmtest.BuildTool(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(llmtest.Main(m))
}

// copyApp copies the test program of an integration: openai's (openai-go)
// or goopenai's.
func copyApp(t *testing.T, integration string) string {
	t.Helper()
	return llmtest.CopyIntegrationApp(t, integration)
}

// newEnv starts the fake OpenAI provider the programs talk to and the
// receiver they export to.
func newEnv(t *testing.T) *llmtest.Session {
	return llmtest.NewSession(t, &openaitest.Server{}, "CHATAPP_BASE_URL", "/v1/")
}

// build builds the chat app with -toolexec and returns the binary's path.
func build(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	return llmtest.BuildWith(t, dir, env, args...)
}

func TestChatApp(t *testing.T) {
	llmtest.SkipShort(t)
	dir := copyApp(t, "openai")
	bin := build(t, dir, nil)
	e := newEnv(t)
	serverPort := llmtest.Port(t, e.Provider.URL)
	requestAttrs := map[string]any{
		"gen_ai.operation.name":         "chat",
		"gen_ai.provider.name":          "openai",
		"gen_ai.request.model":          "gpt-4o-mini",
		"gen_ai.request.temperature":    0.5,
		"gen_ai.request.top_p":          0.9,
		"gen_ai.request.max_tokens":     int64(64),
		"gen_ai.request.seed":           int64(42),
		"gen_ai.request.choice.count":   int64(2),
		"gen_ai.output.type":            "json",
		"gen_ai.request.stop_sequences": []any{"\n\n", "END"},
		"server.address":                "127.0.0.1",
		"server.port":                   serverPort,
	}

	t.Run("plain", func(t *testing.T) {
		out, spans := e.Run(t, bin, false, "plain")
		if !strings.Contains(out, "answer: "+fakeprovider.Answer) {
			t.Errorf("program output changed: %s", out)
		}
		s := llmtest.OneChatSpan(t, spans)
		if s.Name != "chat gpt-4o-mini" || s.Kind != "client" || s.StatusCode != "unset" {
			t.Errorf("span name=%q kind=%s status=%s", s.Name, s.Kind, s.StatusCode)
		}
		llmtest.WantAttrs(t, s, requestAttrs)
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.response.id":             openaitest.ResponseID,
			"gen_ai.response.model":          "gpt-4o-mini" + openaitest.ModelSuffix,
			"gen_ai.response.finish_reasons": []any{"stop", "stop"},
			"gen_ai.usage.input_tokens":      int64(openaitest.PromptTokens),
			"gen_ai.usage.output_tokens":     int64(10),
		})
		llmtest.NoAttrs(t, s, "gen_ai.request.stream", "gen_ai.response.time_to_first_chunk", "error.type",
			"gen_ai.input.messages", "gen_ai.output.messages")
		// gpt-4o-mini: $0.15 per million input tokens, $0.60 per million output tokens.
		if usd, _ := s.Attrs["llminstr.cost.usd"].(float64); math.Abs(usd-(12*0.15+10*0.60)/1e6) > 1e-12 {
			t.Errorf("llminstr.cost.usd = %v", s.Attrs["llminstr.cost.usd"])
		}
		if s.Resource["service.name"] != "llminstr-test" {
			t.Errorf("resource service.name = %v", s.Resource["service.name"])
		}
		for k, v := range s.Attrs {
			if str, ok := v.(string); ok && strings.Contains(str, "sk-test-secret") {
				t.Errorf("attribute %s records the API key", k)
			}
		}
		checkMetrics(t, e.Receiver.Points(), serverPort)
	})

	t.Run("stream", func(t *testing.T) {
		out, spans := e.Run(t, bin, false, "stream")
		if !strings.Contains(out, "streamed: "+fakeprovider.Answer) {
			t.Errorf("program output changed: %s", out)
		}
		s := llmtest.OneChatSpan(t, spans)
		llmtest.WantAttrs(t, s, requestAttrs)
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.request.stream":          true,
			"gen_ai.response.id":             openaitest.ResponseID,
			"gen_ai.response.model":          "gpt-4o-mini" + openaitest.ModelSuffix,
			"gen_ai.response.finish_reasons": []any{"stop", "stop"},
			"gen_ai.usage.input_tokens":      int64(openaitest.PromptTokens),
			"gen_ai.usage.output_tokens":     int64(2 * len(fakeprovider.AnswerChunks)),
		})
		ttfc, ok := s.Attrs["gen_ai.response.time_to_first_chunk"].(float64)
		if !ok || ttfc <= 0 || ttfc > 10 {
			t.Errorf("time_to_first_chunk = %v", s.Attrs["gen_ai.response.time_to_first_chunk"])
		}
	})

	t.Run("early_break", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "early")
		s := llmtest.OneChatSpan(t, spans)
		llmtest.WantAttrs(t, s, map[string]any{"gen_ai.request.stream": true, "gen_ai.response.id": openaitest.ResponseID})
		if _, ok := s.Attrs["gen_ai.response.time_to_first_chunk"]; !ok {
			t.Errorf("no time_to_first_chunk on a stream that delivered a chunk")
		}
		llmtest.NoAttrs(t, s, "gen_ai.response.finish_reasons", "gen_ai.usage.input_tokens", "error.type")
	})

	t.Run("api_error", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "error")
		s := llmtest.OneChatSpan(t, spans)
		if s.Name != "chat "+fakeprovider.UnknownModel || s.StatusCode != "error" {
			t.Errorf("span name=%q status=%s", s.Name, s.StatusCode)
		}
		llmtest.WantAttrs(t, s, map[string]any{"error.type": "NotFoundError", "gen_ai.request.model": fakeprovider.UnknownModel})
		llmtest.NoAttrs(t, s, "gen_ai.response.id", "gen_ai.response.model", "gen_ai.usage.input_tokens")
	})

	t.Run("agent", func(t *testing.T) {
		out, spans := e.Run(t, bin, false, "agent")
		if !strings.Contains(out, "tool error: no city given") {
			t.Errorf("program output changed: %s", out)
		}
		var agent otlpreceiver.Span
		var tools []otlpreceiver.Span
		for _, s := range spans {
			switch s.Attrs["gen_ai.operation.name"] {
			case "invoke_agent":
				agent = s
			case "execute_tool":
				tools = append(tools, s)
			}
		}
		if agent.Name != "invoke_agent planner" || agent.Kind != "internal" || agent.StatusCode == "error" {
			t.Fatalf("no agent span:\n%s", otlpreceiver.Describe(spans))
		}
		chats := llmtest.ChatSpans(spans)
		if len(chats) != 2 || len(tools) != 2 {
			t.Fatalf("%d chat and %d tool spans, want 2 and 2:\n%s", len(chats), len(tools), otlpreceiver.Describe(spans))
		}
		for _, s := range tools {
			if s.ParentSpanID != agent.SpanID || s.TraceID != agent.TraceID {
				t.Errorf("%s is not the agent span's child:\n%s", s.Name, otlpreceiver.Describe(spans))
			}
		}
		var ok, failed otlpreceiver.Span
		for _, s := range tools {
			if s.StatusCode == "error" {
				failed = s
			} else {
				ok = s
			}
		}
		// One call is the agent's own, the other the tool's, under the
		// tool's span.
		parents := map[string]int{}
		for _, s := range chats {
			parents[s.ParentSpanID]++
		}
		if parents[agent.SpanID] != 1 || parents[ok.SpanID] != 1 {
			t.Errorf("want one call under the agent and one under the tool that succeeded:\n%s", otlpreceiver.Describe(spans))
		}
		for _, s := range tools {
			if s.Name != "execute_tool city_lookup" || s.Kind != "internal" {
				t.Errorf("tool span %q kind %s", s.Name, s.Kind)
			}
			llmtest.WantAttrs(t, s, map[string]any{"gen_ai.tool.name": "city_lookup", "gen_ai.tool.type": "function",
				"gen_ai.agent.name": "planner", "gen_ai.conversation.id": "conv-42"})
		}
		llmtest.NoAttrs(t, ok, "error.type")
		llmtest.WantAttrs(t, failed, map[string]any{"error.type": "_OTHER"})
		if failed.StatusMessage != "no city given" {
			t.Errorf("failed tool's status %q", failed.StatusMessage)
		}
		for _, s := range append(chats, agent) {
			llmtest.WantAttrs(t, s, map[string]any{"gen_ai.agent.name": "planner", "gen_ai.conversation.id": "conv-42"})
		}
	})

	t.Run("through_another_package", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "via")
		s := llmtest.OneChatSpan(t, spans)
		llmtest.WantAttrs(t, s, map[string]any{"gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.id": openaitest.ResponseID})
		llmtest.NoAttrs(t, s, "gen_ai.request.temperature")
	})

	t.Run("nested_function_result", func(t *testing.T) {
		out, spans := e.Run(t, bin, false, "nested")
		if !strings.Contains(out, "id: "+openaitest.ResponseID) {
			t.Errorf("program output changed: %s", out)
		}
		llmtest.WantAttrs(t, llmtest.OneChatSpan(t, spans), map[string]any{"gen_ai.response.id": openaitest.ResponseID})
	})

	t.Run("method_expression", func(t *testing.T) {
		out, spans := e.Run(t, bin, false, "methodexpr")
		if !strings.Contains(out, "id: "+openaitest.ResponseID) {
			t.Errorf("program output changed: %s", out)
		}
		s := llmtest.OneChatSpan(t, spans)
		llmtest.WantAttrs(t, s, requestAttrs)
		llmtest.WantAttrs(t, s, map[string]any{"gen_ai.response.id": openaitest.ResponseID, "gen_ai.usage.input_tokens": int64(openaitest.PromptTokens)})
	})

	// The other operations of the OpenAI API.
	opSpan := func(t *testing.T, spans []otlpreceiver.Span, op string) otlpreceiver.Span {
		t.Helper()
		var found []otlpreceiver.Span
		for _, s := range spans {
			if s.Attrs["gen_ai.operation.name"] == op {
				found = append(found, s)
			}
		}
		if len(found) != 1 {
			t.Fatalf("got %d %s spans, want 1:\n%s", len(found), op, otlpreceiver.Describe(spans))
		}
		return found[0]
	}
	t.Run("embeddings", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "embed")
		s := opSpan(t, spans, "embeddings")
		if s.Name != "embeddings text-embedding-3-small" {
			t.Errorf("span name %q", s.Name)
		}
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.provider.name": "openai", "gen_ai.request.model": "text-embedding-3-small",
			"gen_ai.embeddings.dimension.count": int64(4), "gen_ai.request.encoding_formats": []any{"float"},
			"gen_ai.response.model": "text-embedding-3-small", "gen_ai.usage.input_tokens": int64(openaitest.EmbeddingTokens),
			"server.port": serverPort,
		})
		llmtest.NoAttrs(t, s, "gen_ai.usage.output_tokens", "gen_ai.response.finish_reasons")
	})
	for _, mode := range []string{"completion", "completion-stream"} {
		t.Run(mode, func(t *testing.T) {
			_, spans := e.Run(t, bin, false, mode)
			s := opSpan(t, spans, "text_completion")
			if s.Name != "text_completion gpt-3.5-turbo-instruct" {
				t.Errorf("span name %q", s.Name)
			}
			want := map[string]any{
				"gen_ai.provider.name": "openai", "gen_ai.response.id": "cmpl-fake-0001",
				"gen_ai.response.model": "gpt-3.5-turbo-instruct" + openaitest.ModelSuffix,
			}
			if mode == "completion" {
				want["gen_ai.request.max_tokens"] = int64(4)
				want["gen_ai.request.temperature"] = 0.0
				want["gen_ai.response.finish_reasons"] = []any{"length"}
				want["gen_ai.usage.input_tokens"] = int64(openaitest.PromptTokens)
				want["gen_ai.usage.output_tokens"] = int64(len(fakeprovider.AnswerChunks))
			} else {
				want["gen_ai.request.stream"] = true
				want["gen_ai.response.finish_reasons"] = []any{"stop"}
			}
			llmtest.WantAttrs(t, s, want)
		})
	}
	for _, mode := range []string{"responses", "responses-stream"} {
		t.Run(mode, func(t *testing.T) {
			_, spans := e.Run(t, bin, false, mode)
			s := llmtest.OneChatSpan(t, spans)
			want := map[string]any{
				"gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
				"gen_ai.response.id": openaitest.ResponsesID, "gen_ai.response.model": "gpt-4o-mini" + openaitest.ModelSuffix,
				"gen_ai.response.finish_reasons": []any{"stop"},
				"gen_ai.usage.input_tokens":      int64(openaitest.PromptTokens), "gen_ai.usage.output_tokens": int64(5),
				"gen_ai.usage.cache_read.input_tokens": int64(2), "gen_ai.usage.reasoning.output_tokens": int64(1),
				"openai.response.service_tier": "default",
			}
			if mode == "responses" {
				want["gen_ai.request.max_tokens"] = int64(32)
			} else {
				want["gen_ai.request.stream"] = true
				if _, ok := s.Attrs["gen_ai.response.time_to_first_chunk"]; !ok {
					t.Errorf("no time_to_first_chunk")
				}
			}
			llmtest.WantAttrs(t, s, want)
		})
	}

	for _, mode := range []string{"exit", "fatal"} {
		t.Run("flush_on_"+mode, func(t *testing.T) {
			out, spans := e.Run(t, bin, true, mode)
			if mode == "fatal" && !strings.Contains(out, "done: "+openaitest.ResponseID) {
				t.Errorf("log.Fatalf output lost: %s", out)
			}
			llmtest.WantAttrs(t, llmtest.OneChatSpan(t, spans), map[string]any{"gen_ai.response.id": openaitest.ResponseID})
		})
	}

	t.Run("panic_line", func(t *testing.T) {
		out, _ := e.Run(t, bin, true, "panic")
		wantLine := lineOf(t, filepath.Join(dir, "main.go"), "chatapp:panic-line")
		want := fmt.Sprintf("%s:%d", filepath.Join(dir, "main.go"), wantLine)
		if !strings.Contains(out, want) {
			t.Errorf("panic does not report %s:\n%s", want, out)
		}
	})
}

// checkMetrics checks the data points of one plain chat call (12 input and
// 10 output tokens) against the semantic conventions.
func checkMetrics(t *testing.T, points []otlpreceiver.Point, serverPort int64) {
	t.Helper()
	common := map[string]any{
		"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai",
		"gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.model": "gpt-4o-mini" + openaitest.ModelSuffix,
		"server.address": "127.0.0.1", "server.port": serverPort,
	}
	durationBounds := []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	tokenBounds := []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
	found := map[string]bool{}
	for _, p := range points {
		for k, v := range common {
			if !reflect.DeepEqual(p.Attrs[k], v) {
				t.Errorf("%s point: %s = %v, want %v", p.Metric, k, p.Attrs[k], v)
			}
		}
		switch p.Metric {
		case "gen_ai.client.operation.duration":
			found["duration"] = true
			if p.Unit != "s" || p.Count != 1 || p.Sum <= 0 || !reflect.DeepEqual(p.Bounds, durationBounds) {
				t.Errorf("duration point: %+v", p)
			}
		case "gen_ai.client.token.usage":
			typ, _ := p.Attrs["gen_ai.token.type"].(string)
			found[typ] = true
			want := map[string]float64{"input": openaitest.PromptTokens, "output": 10}[typ]
			if p.Unit != "{token}" || p.Count != 1 || p.Sum != want || !reflect.DeepEqual(p.Bounds, tokenBounds) {
				t.Errorf("token usage %s point: %+v", typ, p)
			}
			// 12 and 10 tokens both fall in the (4,16] bucket.
			if len(p.BucketCounts) < 3 || p.BucketCounts[2] != 1 {
				t.Errorf("token usage %s: bucket counts %v, want the (4,16] bucket", typ, p.BucketCounts)
			}
		}
	}
	for _, k := range []string{"duration", "input", "output"} {
		if !found[k] {
			t.Errorf("no %s data point among %d points", k, len(points))
		}
	}
}

// lineOf returns the line of file that contains marker.
func lineOf(t *testing.T, file, marker string) int {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range strings.Split(string(data), "\n") {
		if strings.Contains(l, marker) {
			return i + 1
		}
	}
	t.Fatalf("%s has no %q", file, marker)
	return 0
}

var _ = regexp.MustCompile
var _ = context.Background
var _ = time.Second

// TestSDKVersions builds the app against the oldest and newest served
// releases of each openai-go major version. The program's imports are moved
// to the major version under test; v3 before v3.74 has no stream iterator
// API, so its streams go through the fallback adapter, with no warning and
// the same spans.
func TestSDKVersions(t *testing.T) {
	llmtest.SkipShort(t)
	for _, tc := range []struct {
		module, version string
		// fix adapts the program to API differences that are not the
		// adapter's concern.
		fix map[string]string
	}{
		{module: "github.com/openai/openai-go/v3", version: "v3.60.0"},
		{module: "github.com/openai/openai-go/v2", version: "v2.1.1"},
		{module: "github.com/openai/openai-go/v2", version: "v2.7.1"},
		{module: "github.com/openai/openai-go", version: "v1.5.0", fix: map[string]string{"text.WriteString(ev.Delta)": "text.WriteString(ev.Delta.OfString)"}},
		{module: "github.com/openai/openai-go", version: "v1.12.0", fix: map[string]string{"text.WriteString(ev.Delta)": "text.WriteString(ev.Delta.OfString)"}},
	} {
		t.Run(tc.version, func(t *testing.T) {
			dir := copyApp(t, "openai")
			const v3 = "github.com/openai/openai-go/v3"
			if tc.module != v3 {
				llmtest.MoveImports(t, dir, v3, tc.module, tc.fix)
				llmtest.Run(t, dir, nil, "go", "mod", "edit", "-droprequire="+v3)
			}
			llmtest.Run(t, dir, []string{"GOFLAGS=-mod=mod"}, "go", "get", tc.module+"@"+tc.version)
			llmtest.Run(t, dir, []string{"GOFLAGS=-mod=mod"}, "go", "mod", "tidy")
			bin := filepath.Join(t.TempDir(), "chatapp")
			out := llmtest.Run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, ".")
			if strings.Contains(out, "warning") {
				t.Errorf("build warned:\n%s", out)
			}
			e := newEnv(t)
			for _, mode := range []string{"plain", "stream", "embed", "completion-stream", "responses", "responses-stream", "error"} {
				out, spans := e.Run(t, bin, false, mode)
				if mode != "error" && mode != "embed" && !strings.Contains(out, fakeprovider.Answer) {
					t.Errorf("%s: program output changed: %s", mode, out)
				}
				s := llmtest.OneGenAISpan(t, spans)
				switch mode {
				case "plain":
					llmtest.WantAttrs(t, s, map[string]any{"gen_ai.operation.name": "chat", "gen_ai.response.finish_reasons": []any{"stop", "stop"},
						"gen_ai.usage.input_tokens": int64(openaitest.PromptTokens), "gen_ai.usage.output_tokens": int64(10)})
				case "stream": // n=2
					llmtest.WantAttrs(t, s, map[string]any{"gen_ai.request.stream": true, "gen_ai.response.finish_reasons": []any{"stop", "stop"},
						"gen_ai.usage.output_tokens": int64(2 * len(fakeprovider.AnswerChunks))})
				case "embed":
					llmtest.WantAttrs(t, s, map[string]any{"gen_ai.operation.name": "embeddings", "gen_ai.embeddings.dimension.count": int64(4)})
				case "completion-stream":
					llmtest.WantAttrs(t, s, map[string]any{"gen_ai.operation.name": "text_completion", "gen_ai.request.stream": true,
						"gen_ai.response.finish_reasons": []any{"stop"}})
				case "responses":
					llmtest.WantAttrs(t, s, map[string]any{"gen_ai.response.finish_reasons": []any{"stop"}, "gen_ai.usage.output_tokens": int64(5)})
				case "responses-stream":
					llmtest.WantAttrs(t, s, map[string]any{"gen_ai.request.stream": true, "gen_ai.response.finish_reasons": []any{"stop"},
						"gen_ai.usage.output_tokens": int64(5)})
				case "error":
					llmtest.WantAttrs(t, s, map[string]any{"error.type": "NotFoundError"})
					llmtest.NoAttrs(t, s, "gen_ai.response.id")
				}
				if _, ok := s.Attrs["gen_ai.response.id"]; !ok && mode != "error" && mode != "embed" {
					t.Errorf("%s: no response id:\n%s", mode, otlpreceiver.Describe(spans))
				}
			}
		})
	}
}
