package genai_test

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/mod/semver"

	"github.com/llminstr/llminstr/internal/llmtest"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/genai/genaitest"
)

// TestIntegration builds testdata/app against the oldest supported and the
// newest served release of google.golang.org/genai, runs it against a
// server speaking the Gemini API (JSON and SSE), and checks the spans.
func TestIntegration(t *testing.T) {
	llmtest.SkipShort(t)
	// v1.3.0 and v1.8.0 are what real applications pin (before
	// FunctionDeclaration.ParametersJsonSchema, v1.12, and Chat.Send, v1.10).
	for _, version := range []string{"v1.3.0", "v1.8.0", "v1.20.0", "v1.77.0"} {
		t.Run(version, func(t *testing.T) { testGenAI(t, version) })
	}
}

func testGenAI(t *testing.T, version string) {
	dir := llmtest.PrepareApp(t, "testdata/app", "google.golang.org/genai@"+version)
	// Before v1.12 a tool's parameters are a Schema.
	parameters := `{"type":"object","properties":{"city":{"type":"string"}}}`
	if semver.Compare(version, "v1.12.0") < 0 {
		main := filepath.Join(dir, "main.go")
		src, err := os.ReadFile(main)
		if err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(`ParametersJsonSchema: .*\n`)
		src = re.ReplaceAll(src, []byte("Parameters: &genai.Schema{Type: genai.TypeObject, Properties: map[string]*genai.Schema{\"city\": {Type: genai.TypeString}}},\n"))
		if err := os.WriteFile(main, src, 0o666); err != nil {
			t.Fatal(err)
		}
		parameters = `{"type":"OBJECT","properties":{"city":{"type":"STRING"}}}`
	}
	bin := llmtest.Build(t, dir)
	server := httptest.NewServer(genaitest.Server{})
	defer server.Close()
	receiver := otlpreceiver.Start()
	defer receiver.Close()
	runMode := func(t *testing.T, mode string, extra ...string) otlpreceiver.Span {
		t.Helper()
		receiver.Reset()
		env := append([]string{"GENAIAPP_BASE_URL=" + server.URL + "/", "OTEL_EXPORTER_OTLP_ENDPOINT=" + receiver.URL(),
			"OTEL_BSP_SCHEDULE_DELAY=60000"}, extra...)
		out, err := llmtest.RunErr("", env, bin, mode)
		if err != nil {
			t.Fatalf("%s: %v\n%s", mode, err, out)
		}
		if mode != "error" && mode != "embed" && mode != "early" && !strings.Contains(out, fakeprovider.Answer) {
			t.Errorf("program output changed: %s", out)
		}
		spans := receiver.Spans()
		if len(spans) != 1 {
			t.Fatalf("%d spans, want 1:\n%s", len(spans), otlpreceiver.Describe(spans))
		}
		return spans[0]
	}
	request := map[string]any{
		"gen_ai.provider.name": "gcp.gemini", "gen_ai.operation.name": "generate_content", "gen_ai.request.model": "gemini-2.5-flash",
		"gen_ai.request.temperature": 0.7, "gen_ai.request.top_k": 20.0, "gen_ai.request.max_tokens": int64(128),
		"gen_ai.request.stop_sequences": []any{"END"}, "server.address": "127.0.0.1", "server.port": llmtest.Port(t, server.URL),
	}
	response := map[string]any{
		"gen_ai.response.id": genaitest.ResponseID, "gen_ai.response.model": "gemini-2.5-flash",
		"gen_ai.response.finish_reasons":       []any{"stop"},
		"gen_ai.usage.input_tokens":            int64(genaitest.PromptTokens),
		"gen_ai.usage.output_tokens":           int64(genaitest.OutputTokens + genaitest.Thoughts),
		"gen_ai.usage.reasoning.output_tokens": int64(genaitest.Thoughts),
	}
	// Releases before v1.20 drop the Gemini API's responseId from the
	// response they return: there is no id to record.
	noResponseID := semver.Compare(version, "v1.20.0") < 0
	if noResponseID {
		delete(response, "gen_ai.response.id")
	}
	for _, mode := range []string{"plain", "stream", "chat", "chat_stream"} {
		t.Run(mode, func(t *testing.T) {
			s := runMode(t, mode)
			if s.Name != "generate_content gemini-2.5-flash" || s.Kind != "client" || s.StatusCode == "error" {
				t.Errorf("span %q kind %s status %s", s.Name, s.Kind, s.StatusCode)
			}
			llmtest.WantAttrs(t, s, request)
			llmtest.WantAttrs(t, s, response)
			if noResponseID {
				llmtest.NoAttrs(t, s, "gen_ai.response.id")
			}
			if strings.HasSuffix(mode, "stream") {
				llmtest.WantAttrs(t, s, map[string]any{"gen_ai.request.stream": true})
				if _, ok := s.Attrs["gen_ai.response.time_to_first_chunk"].(float64); !ok {
					t.Error("no time_to_first_chunk")
				}
			}
		})
	}
	t.Run("content", func(t *testing.T) {
		s := runMode(t, "tools", "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
		llmtest.WantJSON(t, s, "gen_ai.system_instructions", `[{"type":"text","content":"You are terse."}]`)
		llmtest.WantJSON(t, s, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]`)
		llmtest.WantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+fakeprovider.Answer+`"},`+
			`{"type":"tool_call","name":"get_weather","arguments":{"city":"Paris"}}],"finish_reason":"stop"}]`)
		llmtest.WantJSON(t, s, "gen_ai.tool.definitions", `[{"type":"function","name":"get_weather","description":"The weather in a city",`+
			`"parameters":`+parameters+`}]`)
	})
	t.Run("chat_content", func(t *testing.T) {
		for _, mode := range []string{"chat", "chat_stream"} {
			s := runMode(t, mode, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
			llmtest.WantJSON(t, s, "gen_ai.system_instructions", `[{"type":"text","content":"You are terse."}]`)
			llmtest.WantJSON(t, s, "gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Hi"}]},`+
				`{"role":"assistant","parts":[{"type":"text","content":"Hello."}]},`+
				`{"role":"user","parts":[{"type":"text","content":"Say this is a test"}]}]`)
			llmtest.WantJSON(t, s, "gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+fakeprovider.Answer+`"}],"finish_reason":"stop"}]`)
		}
	})
	t.Run("early_stop", func(t *testing.T) {
		s := runMode(t, "early")
		llmtest.NoAttrs(t, s, "error.type")
		if !noResponseID {
			llmtest.WantAttrs(t, s, map[string]any{"gen_ai.response.id": genaitest.ResponseID})
		}
	})
	t.Run("vertex_private_endpoint", func(t *testing.T) {
		// The backend decides the provider, not the host.
		s := runMode(t, "vertex")
		llmtest.WantAttrs(t, s, map[string]any{"gen_ai.provider.name": "gcp.vertex_ai", "server.address": "127.0.0.1"})
	})
	t.Run("embeddings", func(t *testing.T) {
		s := runMode(t, "embed")
		if s.Name != "embeddings text-embedding-004" {
			t.Errorf("span %q", s.Name)
		}
		llmtest.WantAttrs(t, s, map[string]any{"gen_ai.operation.name": "embeddings", "gen_ai.embeddings.dimension.count": int64(genaitest.Dimensions)})
	})
	t.Run("api_error", func(t *testing.T) {
		s := runMode(t, "error")
		llmtest.WantAttrs(t, s, map[string]any{"error.type": "NotFoundError"})
		llmtest.NoAttrs(t, s, "gen_ai.response.id")
	})
}
