package trust

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/anthropic/anthropictest"
	"github.com/llminstr/llminstr/rules/openai/openaitest"
)

// TestWire builds a program that calls LLM APIs with plain net/http (its
// own clients and transports, bodies that can be read once) and an SDK
// through an interface of its own, none of which a call-site rule sees:
// each request gets one inference span from the wire, with the values the
// typed adapters record; other requests get none.
func TestWire(t *testing.T) {
	llmtest.SkipShort(t)
	dir := llmtest.CopyApp(t, filepath.Join("testdata", "wireapp"))
	bin := build(t, dir, nil)
	e := llmtest.NewSession(t, &openaitest.Server{}, "WIREAPP_BASE_URL", "/v1")
	anthropic := httptest.NewServer(anthropictest.Server{})
	t.Cleanup(anthropic.Close)
	e.Env = append(e.Env, "WIREAPP_ANTHROPIC_URL="+anthropic.URL)
	port := llmtest.Port(t, e.Provider.URL)

	chatRequest := map[string]any{
		"gen_ai.operation.name":          "chat",
		"gen_ai.provider.name":           "openai",
		"gen_ai.request.model":           "gpt-4o-mini",
		"gen_ai.request.temperature":     0.5,
		"gen_ai.request.max_tokens":      int64(64),
		"gen_ai.request.seed":            int64(42),
		"gen_ai.request.stop_sequences":  []any{"END"},
		"server.address":                 "127.0.0.1",
		"server.port":                    port,
		"gen_ai.response.id":             openaitest.ResponseID,
		"gen_ai.response.model":          "gpt-4o-mini" + openaitest.ModelSuffix,
		"gen_ai.response.finish_reasons": []any{"stop"},
		"gen_ai.usage.input_tokens":      int64(openaitest.PromptTokens),
	}
	with := func(base map[string]any, kv ...any) map[string]any {
		out := map[string]any{}
		for k, v := range base {
			out[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			out[kv[i].(string)] = kv[i+1]
		}
		return out
	}
	oneSpan := func(t *testing.T, spans []otlpreceiver.Span, name string) otlpreceiver.Span {
		t.Helper()
		s := llmtest.OneGenAISpan(t, spans)
		if s.Name != name || s.Kind != "client" {
			t.Errorf("span %q kind %s, want %q client", s.Name, s.Kind, name)
		}
		for k, v := range s.Attrs {
			if str, ok := v.(string); ok && strings.Contains(str, "sk-test-secret") {
				t.Errorf("attribute %s records the API key", k)
			}
		}
		return s
	}

	t.Run("chat", func(t *testing.T) {
		out, spans := e.Run(t, bin, false, "chat")
		if !strings.Contains(out, "keys: 7") {
			t.Errorf("program output changed: %s", out)
		}
		s := oneSpan(t, spans, "chat gpt-4o-mini")
		llmtest.WantAttrs(t, s, with(chatRequest, "gen_ai.usage.output_tokens", int64(5)))
		llmtest.NoAttrs(t, s, "gen_ai.request.stream", "gen_ai.response.time_to_first_chunk", "error.type", "gen_ai.input.messages")
	})
	t.Run("stream", func(t *testing.T) {
		out, spans := e.Run(t, bin, false, "stream")
		// A role chunk, the answer's chunks, the finish, the usage, [DONE].
		if want := len(fakeprovider.AnswerChunks) + 4; !strings.Contains(out, "events: "+strconv.Itoa(want)) {
			t.Errorf("program output changed (want %d events): %s", want, out)
		}
		s := oneSpan(t, spans, "chat gpt-4o-mini")
		llmtest.WantAttrs(t, s, with(chatRequest, "gen_ai.request.stream", true,
			"gen_ai.usage.output_tokens", int64(len(fakeprovider.AnswerChunks))))
		if ttfc, ok := s.Attrs["gen_ai.response.time_to_first_chunk"].(float64); !ok || ttfc <= 0 {
			t.Errorf("time_to_first_chunk = %v", s.Attrs["gen_ai.response.time_to_first_chunk"])
		}
	})
	t.Run("body_read_once", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "pipe")
		llmtest.WantAttrs(t, oneSpan(t, spans, "chat gpt-4o-mini"), with(chatRequest, "gen_ai.usage.output_tokens", int64(5)))
	})
	t.Run("embeddings", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "embeddings")
		s := oneSpan(t, spans, "embeddings text-embedding-3-small")
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.operation.name":             "embeddings",
			"gen_ai.provider.name":              "openai",
			"gen_ai.embeddings.dimension.count": int64(8),
			"gen_ai.usage.input_tokens":         int64(openaitest.EmbeddingTokens),
		})
		llmtest.NoAttrs(t, s, "gen_ai.usage.output_tokens")
	})
	t.Run("anthropic", func(t *testing.T) {
		saved := e.Env
		e.Env = append(append([]string(nil), saved...), "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
		defer func() { e.Env = saved }()
		_, spans := e.Run(t, bin, false, "anthropic")
		s := oneSpan(t, spans, "chat claude-haiku-4-5")
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.provider.name":                     "anthropic",
			"gen_ai.request.max_tokens":                int64(100),
			"gen_ai.request.stream":                    true,
			"gen_ai.response.id":                       anthropictest.MessageID,
			"gen_ai.response.finish_reasons":           []any{"end_turn"},
			"gen_ai.usage.input_tokens":                int64(anthropictest.InputTokens + anthropictest.CacheRead + anthropictest.CacheCreation),
			"gen_ai.usage.output_tokens":               int64(anthropictest.OutputTokens),
			"gen_ai.usage.cache_read.input_tokens":     int64(anthropictest.CacheRead),
			"gen_ai.usage.cache_creation.input_tokens": int64(anthropictest.CacheCreation),
		})
		llmtest.WantJSON(t, s, "gen_ai.system_instructions", `[{"type":"text","content":"Answer briefly."}]`)
		llmtest.WantJSON(t, s, "gen_ai.output.messages",
			`[{"role":"assistant","parts":[{"type":"text","content":"`+fakeprovider.Answer+`"}],"finish_reason":"end_turn"}]`)
	})
	// Calls of an SDK the call-site rewrite cannot see: through an
	// interface or a type parameter of the program, with the arguments of
	// one call.
	for _, mode := range []string{"interface", "generic", "multivalue"} {
		t.Run("sdk_"+mode, func(t *testing.T) {
			out, spans := e.Run(t, bin, false, mode)
			if !strings.Contains(out, "answer: "+fakeprovider.Answer) {
				t.Errorf("program output changed: %s", out)
			}
			want := with(chatRequest, "gen_ai.usage.output_tokens", int64(5))
			for _, k := range []string{"gen_ai.request.temperature", "gen_ai.request.max_tokens", "gen_ai.request.seed", "gen_ai.request.stop_sequences"} {
				delete(want, k) // the program sets none
			}
			s := oneSpan(t, spans, "chat gpt-4o-mini")
			llmtest.WantAttrs(t, s, want)
			llmtest.NoAttrs(t, s, "gen_ai.request.temperature")
		})
	}
	t.Run("api_error", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "error")
		s := oneSpan(t, spans, "chat "+fakeprovider.UnknownModel)
		llmtest.WantAttrs(t, s, map[string]any{"error.type": "NotFoundError"})
		if s.StatusCode != "error" {
			t.Errorf("status %s, want error", s.StatusCode)
		}
	})
	t.Run("not_llm", func(t *testing.T) {
		_, spans := e.Run(t, bin, false, "notllm")
		for _, s := range spans {
			if _, ok := s.Attrs["gen_ai.operation.name"]; ok {
				t.Errorf("a span for a request that is not an LLM call: %s", otlpreceiver.Describe(spans))
			}
		}
	})
}

// TestWireOldSDK builds a program on openai-go v0.1.0-beta.2, whose pre-v1
// API the typed adapters do not fit: the build reports the call site as
// left alone with its requests traced at the wire, and the request gets one
// span from the wire.
func TestWireOldSDK(t *testing.T) {
	llmtest.SkipShort(t)
	dir := llmtest.CopyApp(t, filepath.Join("testdata", "betaapp"))
	bin := filepath.Join(t.TempDir(), "betaapp")
	out := llmtest.Run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, ".")
	if !strings.Contains(out, "main.go:17: call to openai.chat.completions.new left uninstrumented") ||
		!strings.Contains(out, "(its requests are traced at the wire)") {
		t.Errorf("the build does not report the site as traced at the wire:\n%s", out)
	}
	e := llmtest.NewSession(t, &openaitest.Server{}, "BETAAPP_BASE_URL", "/v1/")
	out, spans := e.Run(t, bin, false)
	if !strings.Contains(out, "answer: "+fakeprovider.Answer) {
		t.Errorf("program output changed: %s", out)
	}
	s := llmtest.OneGenAISpan(t, spans)
	if s.Name != "chat gpt-4o-mini" {
		t.Errorf("span %q", s.Name)
	}
	llmtest.WantAttrs(t, s, map[string]any{
		"gen_ai.provider.name":           "openai",
		"gen_ai.request.model":           "gpt-4o-mini",
		"gen_ai.request.temperature":     0.5,
		"gen_ai.response.id":             openaitest.ResponseID,
		"gen_ai.response.model":          "gpt-4o-mini" + openaitest.ModelSuffix,
		"gen_ai.response.finish_reasons": []any{"stop"},
		"gen_ai.usage.input_tokens":      int64(openaitest.PromptTokens),
		"gen_ai.usage.output_tokens":     int64(5),
	})
}

// TestWireInLibrary builds a program whose requests shaped like an LLM
// API's are made by a package of its own, not the main package. That
// package is compiled as it is, and the main package links the runtime for
// it: the request gets one span from the wire. Without the runtime in
// go.mod the build still succeeds, uninstrumented, with one warning that
// names the package, the place and the fix, as for a main package.
func TestWireInLibrary(t *testing.T) {
	llmtest.SkipShort(t)
	dir := copyApp(t, "openai")
	files := map[string]string{
		"rawclient/rawclient.go": `package rawclient

import (
	"io"
	"net/http"
	"os"
	"strings"
)

// Chat posts a chat completion request with net/http.
func Chat() (string, error) {
	body := strings.NewReader(` + "`" + `{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}` + "`" + `)
	req, err := http.NewRequest("POST", os.Getenv("CHATAPP_BASE_URL")+"chat/completions", body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.Status + " " + string(data[:min(len(data), 20)]), err
}
`,
		"cmd/rawchat/main.go": `package main

import (
	"fmt"
	"os"

	"example.com/chatapp/rawclient"
)

func main() {
	out, err := rawclient.Chat()
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println(out)
}
`,
	}
	for name, content := range files {
		path := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	e := newEnv(t)
	plain := filepath.Join(t.TempDir(), "rawchat-plain")
	llmtest.Run(t, dir, nil, "go", "build", "-o", plain, "./cmd/rawchat")
	wantOut, _ := e.Run(t, plain, false)

	t.Run("traced", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "rawchat")
		llmtest.Run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, "./cmd/rawchat")
		out, spans := e.Run(t, bin, false)
		if out != wantOut {
			t.Errorf("output %q, the plain build's %q", out, wantOut)
		}
		s := llmtest.OneGenAISpan(t, spans)
		llmtest.WantAttrs(t, s, map[string]any{
			"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.id": openaitest.ResponseID,
		})
		// What the build compiles is what llminstr diff shows
		// (TestDiffIsWhatTheBuildCompiles).
		if diff := llmtest.Run(t, dir, nil, llminstrBin, "diff", "./cmd/rawchat", "./rawclient"); strings.Contains(diff, "+++ b/rawclient/") {
			t.Errorf("rawclient is rewritten; it is compiled as it is:\n%s", diff)
		}
	})

	t.Run("no_runtime", func(t *testing.T) {
		llmtest.Run(t, dir, nil, "go", "mod", "edit", "-droprequire=github.com/llminstr/llminstr/runtime")
		os.Remove(filepath.Join(dir, "tools.go"))
		bin := filepath.Join(t.TempDir(), "rawchat")
		out, err := llmtest.RunErr(dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, "./cmd/rawchat")
		if err != nil {
			t.Fatalf("the build failed:\n%s", out)
		}
		if n := strings.Count(out, "llminstr: warning:"); n != 1 {
			t.Errorf("%d warnings, want 1:\n%s", n, out)
		}
		for _, want := range []string{`Fix: run "llminstr init"`, "example.com/chatapp/rawclient makes requests shaped like an LLM API's, at ", "rawclient.go:13:"} {
			if !strings.Contains(out, want) {
				t.Errorf("the warning does not say %q:\n%s", want, out)
			}
		}
		if got, spans := e.Run(t, bin, false); got != wantOut || len(spans) != 0 {
			t.Errorf("output %q and %d spans; the plain build's output is %q", got, len(spans), wantOut)
		}
	})
}
