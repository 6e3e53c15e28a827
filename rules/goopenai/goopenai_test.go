package goopenai

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llminstr/llminstr/internal/llmtest"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/llminstr/llminstr/rules/openai/openaitest"
	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
	openai "github.com/sashabaranov/go-openai"
)

// setup returns a client of the fake provider, made through the adapter of
// NewClientWithConfig as instrumented code makes it, and a recorder of the
// spans.
func setup(tb testing.TB, handler http.Handler) (*openai.Client, *tracetest.SpanRecorder) {
	tb.Helper()
	srv := httptest.NewServer(handler)
	tb.Cleanup(srv.Close)
	rec := llmtest.Recorder(tb)
	cfg := openai.DefaultConfig("sk-x")
	cfg.BaseURL = srv.URL + "/v1"
	return llminstrGoOpenAINewClientWithConfig(openai.NewClientWithConfig, cfg), rec
}

func chatRequest() openai.ChatCompletionRequest {
	return openai.ChatCompletionRequest{
		Model:       "gpt-4o-mini",
		Messages:    []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "hi"}},
		Temperature: 0.7,
	}
}

// drain reads stream through the adapters until it ends.
func drain(stream *openai.ChatCompletionStream) (n int, err error) {
	for {
		_, err := llminstrGoOpenAIChatStreamRecv(stream)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, err
		}
		n++
	}
}

// TestStreamEndsOnce checks the ways a stream's span ends: drained then
// closed, closed early, closed twice, its context cancelled, Recv after the
// end.
func TestStreamEndsOnce(t *testing.T) {
	client, rec := setup(t, &openaitest.Server{})
	ctx := context.Background()
	open := func(ctx context.Context) *openai.ChatCompletionStream {
		t.Helper()
		s, err := llminstrGoOpenAIChatStream(client.CreateChatCompletionStream, ctx, chatRequest())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	for _, tc := range []struct {
		name      string
		use       func(*openai.ChatCompletionStream, context.CancelFunc)
		wantError string
	}{
		{"drained", func(s *openai.ChatCompletionStream, _ context.CancelFunc) {
			drain(s)
			llminstrGoOpenAIChatStreamRecv(s) // io.EOF again
			llminstrGoOpenAIChatStreamClose(s)
		}, ""},
		{"closed_early", func(s *openai.ChatCompletionStream, _ context.CancelFunc) {
			llminstrGoOpenAIChatStreamRecv(s)
			llminstrGoOpenAIChatStreamClose(s)
			llminstrGoOpenAIChatStreamClose(s)
		}, ""},
		{"cancelled", func(s *openai.ChatCompletionStream, cancel context.CancelFunc) {
			llminstrGoOpenAIChatStreamRecv(s)
			cancel()
			deadline := time.Now().Add(5 * time.Second)
			for len(rec.Ended()) == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			llminstrGoOpenAIChatStreamClose(s)
		}, "canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec.Reset()
			cctx, cancel := context.WithCancel(ctx)
			defer cancel()
			tc.use(open(cctx), cancel)
			ended := rec.Ended()
			if len(ended) != 1 {
				t.Fatalf("%d spans ended, want 1", len(ended))
			}
			a := llmtest.Attrs(ended[0])
			if got := a["error.type"].AsString(); got != tc.wantError {
				t.Errorf("error.type %q, want %q", got, tc.wantError)
			}
			if a["gen_ai.request.temperature"].AsFloat64() != 0.7 {
				t.Errorf("temperature %v, want 0.7 exactly", a["gen_ai.request.temperature"].Emit())
			}
			if a["server.address"].AsString() != "127.0.0.1" {
				t.Errorf("server.address %q", a["server.address"].AsString())
			}
		})
	}
}

// TestConcurrentCallsAndStreams makes 1000 calls and streams at once (run
// it with -race): every span ends exactly once, nothing stays attached, and
// no goroutine of llminstr's is left behind.
func TestConcurrentCallsAndStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 concurrent calls")
	}
	client, rec := setup(t, &openaitest.Server{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const n = 1000
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%2 == 0 {
				if _, err := llminstrGoOpenAIChat(client.CreateChatCompletion, ctx, chatRequest()); err != nil {
					errs <- err
				}
				return
			}
			s, err := llminstrGoOpenAIChatStream(client.CreateChatCompletionStream, ctx, chatRequest())
			if err != nil {
				errs <- err
				return
			}
			switch i % 6 {
			case 1: // drained
				if _, err := drain(s); err != nil {
					errs <- err
				}
			case 3: // one chunk, then closed
				llminstrGoOpenAIChatStreamRecv(s)
			case 5: // one chunk, then abandoned: ends when collected
				llminstrGoOpenAIChatStreamRecv(s)
				return
			}
			llminstrGoOpenAIChatStreamClose(s)
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(rec.Ended()) < n && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if got := len(rec.Ended()); got != n {
		t.Fatalf("%d spans ended, want %d", got, n)
	}
	seen := map[string]bool{}
	for _, s := range rec.Ended() {
		id := s.SpanContext().SpanID().String()
		if seen[id] {
			t.Fatalf("span %s ended twice", id)
		}
		seen[id] = true
	}
	client.CreateChatCompletion(ctx, chatRequest()) // keeps client alive until here
	for {
		runtime.GC()
		buf := make([]byte, 1<<20)
		stacks := strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n")
		var ours []string
		for _, g := range stacks[1:] {
			if strings.Contains(g, ".llminstrGoOpenAI") || strings.Contains(g, "llminstr/runtime") {
				ours = append(ours, g)
			}
		}
		if len(ours) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of llminstr left:\n%s", len(ours), strings.Join(ours, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// sseTransport answers every request with the same SSE body.
type sseTransport struct{ body []byte }

func (t sseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}},
		Body: io.NopCloser(bytes.NewReader(t.body)), Request: req,
	}, nil
}

// fuzzStream turns fuzz bytes into a chat chunk stream: each byte picks a
// choice index, whether a finish reason or usage comes, and whether the
// stream is cut short or carries a malformed or error event.
func fuzzStream(data []byte) []byte {
	var b bytes.Buffer
	reasons := []string{"", "stop", "length", "tool_calls", "content_filter"}
	for i, c := range data {
		switch c {
		case 0xff:
			b.WriteString("data: {not json\n\n")
			continue
		case 0xfe:
			b.WriteString("data: {\"error\":{\"message\":\"overloaded\"}}\n\n")
			continue
		case 0xfc:
			b.WriteString(": keep-alive\n\n")
			continue
		}
		chunk := map[string]any{"id": fmt.Sprintf("id-%d", i%3), "object": "chat.completion.chunk", "created": 1, "model": "m"}
		choice := map[string]any{"index": int(c % 4), "delta": map[string]any{"content": "x"}}
		if r := reasons[int(c>>2)%len(reasons)]; r != "" {
			choice["finish_reason"] = r
		}
		chunk["choices"] = []any{choice}
		switch c >> 5 {
		case 1:
			chunk["usage"] = map[string]any{"prompt_tokens": int(c), "completion_tokens": i, "total_tokens": int(c) + i}
			chunk["choices"] = []any{}
		case 2:
			chunk["choices"] = nil
		case 3:
			chunk["usage"] = nil
		}
		j, _ := json.Marshal(chunk)
		fmt.Fprintf(&b, "data: %s\n\n", j)
	}
	if len(data) == 0 || data[len(data)-1] != 0xfd {
		b.WriteString("data: [DONE]\n\n")
	}
	return b.Bytes()
}

// FuzzChatStream: whatever the stream holds, Recv through the adapter
// returns what the SDK alone returns, never panics, and the span ends
// exactly once.
func FuzzChatStream(f *testing.F) {
	f.Add([]byte{0x01, 0x05, 0x21})
	f.Add([]byte{0x00, 0xff})
	f.Add([]byte{0x04, 0xfe, 0x04})
	f.Add([]byte{0x40, 0x41, 0xfd})
	f.Add([]byte{0xfc, 0x61, 0x03})
	f.Add([]byte{})
	rec := llmtest.Recorder(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg := openai.DefaultConfig("k")
		cfg.HTTPClient = &http.Client{Transport: sseTransport{fuzzStream(data)}}
		client := openai.NewClientWithConfig(cfg)
		ctx := context.Background()
		read := func(recv func(*openai.ChatCompletionStream) (openai.ChatCompletionStreamResponse, error), s *openai.ChatCompletionStream) (chunks []string, err error) {
			for {
				c, err := recv(s)
				if err != nil {
					return chunks, err
				}
				j, _ := json.Marshal(c)
				chunks = append(chunks, string(j))
			}
		}
		bare, err := client.CreateChatCompletionStream(ctx, openai.ChatCompletionRequest{Model: "m"})
		if err != nil {
			t.Fatal(err)
		}
		want, wantErr := read((*openai.ChatCompletionStream).Recv, bare)
		bare.Close()

		before := len(rec.Ended())
		s, err := llminstrGoOpenAIChatStream(client.CreateChatCompletionStream, ctx, openai.ChatCompletionRequest{Model: "m"})
		if err != nil {
			t.Fatal(err)
		}
		got, gotErr := read(llminstrGoOpenAIChatStreamRecv, s)
		llminstrGoOpenAIChatStreamClose(s)
		llminstrGoOpenAIChatStreamClose(s)
		if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) {
			t.Fatalf("error %v, the SDK alone gives %v", gotErr, wantErr)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("got %d chunks, the SDK alone gives %d, or they differ", len(got), len(want))
		}
		if n := len(rec.Ended()) - before; n != 1 {
			t.Fatalf("%d spans ended, want 1", n)
		}
	})
}

// BenchmarkStreamChunk is the cost per chunk of reading a stream through
// the adapter, against the SDK alone, both decoding the same in-memory SSE
// body (no network).
func BenchmarkStreamChunk(b *testing.B) {
	const chunks = 1000
	data := make([]byte, chunks)
	for i := range data {
		data[i] = 0x01
	}
	cfg := openai.DefaultConfig("k")
	cfg.HTTPClient = &http.Client{Transport: sseTransport{fuzzStream(data)}}
	client := openai.NewClientWithConfig(cfg)
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder())))
	ctx := context.Background()
	req := openai.ChatCompletionRequest{Model: "m"}
	b.Run("sdk", func(b *testing.B) {
		for b.Loop() {
			s, _ := client.CreateChatCompletionStream(ctx, req)
			for {
				if _, err := s.Recv(); err != nil {
					break
				}
			}
			s.Close()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*chunks), "ns/chunk")
	})
	b.Run("llminstr", func(b *testing.B) {
		for b.Loop() {
			s, _ := llminstrGoOpenAIChatStream(client.CreateChatCompletionStream, ctx, req)
			for {
				if _, err := llminstrGoOpenAIChatStreamRecv(s); err != nil {
					break
				}
			}
			llminstrGoOpenAIChatStreamClose(s)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*chunks), "ns/chunk")
	})
}

// BenchmarkObserverPerChunk is what the Recv adapter adds to each chunk,
// without the SDK's own reading and decoding: finding the stream's state and
// recording the chunk.
func BenchmarkObserverPerChunk(b *testing.B) {
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder())))
	ctx := context.Background()
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "openai", "m")
	stream := &openai.ChatCompletionStream{}
	llminstrRT.Attach(stream, llminstrRT.NewStream(ctx, c, nil), nil)
	chunk := openai.ChatCompletionStreamResponse{ID: "id", Model: "m", Choices: []openai.ChatCompletionStreamChoice{{Index: 0}}}
	for b.Loop() {
		s := llminstrRT.Attached[openai.ChatCompletionStream, llminstrRT.Stream](stream)
		llminstrGoOpenAIChatChunk(s, &chunk)
	}
	llminstrRT.Detach[openai.ChatCompletionStream, llminstrRT.Stream](stream).End(nil)
}
