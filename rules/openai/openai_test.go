package openai

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/llminstr/llminstr/internal/llmtest"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/llminstr/llminstr/rules/openai/openaitest"
	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
	openai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/responses"
)

func setup(tb testing.TB, handler http.Handler) (openai.Client, *tracetest.SpanRecorder) {
	tb.Helper()
	srv := httptest.NewServer(handler)
	tb.Cleanup(srv.Close)
	rec := llmtest.Recorder(tb)
	client := openai.NewClient(option.WithBaseURL(srv.URL+"/v1/"), option.WithAPIKey("sk-x"), option.WithMaxRetries(0))
	return client, rec
}

func chatParams() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:       "gpt-4o-mini",
		Messages:    []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
		Temperature: openai.Float(0.5),
	}
}

// TestStreamEndsOnce checks the stream wrapper's ways to end: drained,
// closed early, closed twice, context cancelled.
func TestStreamEndsOnce(t *testing.T) {
	client, rec := setup(t, &openaitest.Server{})
	svc := &client.Chat.Completions
	ctx := context.Background()

	s := llminstrOpenAIChatNewStreaming(svc.NewStreaming, ctx, chatParams())
	for s.Next() {
	}
	s.Close()
	s.Close()

	s = llminstrOpenAIChatNewStreaming(svc.NewStreaming, ctx, chatParams())
	s.Next()
	s.Close()

	// Cancelling the context ends the span at once, before the consumer
	// reads on (the rest of the body may already be buffered).
	cctx, cancel := context.WithCancel(ctx)
	s = llminstrOpenAIChatNewStreaming(svc.NewStreaming, cctx, chatParams())
	s.Next()
	cancel()
	for deadline := time.Now().Add(5 * time.Second); len(rec.Ended()) < 3 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
	for s.Next() {
	}

	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("got %d ended spans, want 3", len(spans))
	}
	if got := llmtest.Attrs(spans[0])["gen_ai.response.finish_reasons"].AsStringSlice(); strings.Join(got, ",") != "stop" {
		t.Errorf("drained: finish reasons %v", got)
	}
	if _, ok := llmtest.Attrs(spans[1])["error.type"]; ok {
		t.Errorf("early close recorded an error")
	}
	if got := llmtest.Attrs(spans[2])["error.type"].AsString(); got != "canceled" {
		t.Errorf("cancelled stream: error.type %q, want canceled", got)
	}
	// The choice that never finished is reported as ended by an error.
	if got := llmtest.Attrs(spans[2])["gen_ai.response.finish_reasons"].AsStringSlice(); strings.Join(got, ",") != "error" {
		t.Errorf("cancelled stream: finish reasons %v, want [error]", got)
	}
}

// The per-call benchmarks compare, against the same local server, the bare
// SDK call, the call with a hand-written span carrying the same attributes,
// and the call through llminstr's adapter.
func BenchmarkChatNew(b *testing.B) {
	client, _ := setup(b, &openaitest.Server{})
	svc := &client.Chat.Completions
	ctx := context.Background()
	p := chatParams()
	tracer := otel.Tracer("handwritten")
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.New(ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("handwritten", func(b *testing.B) {
		for b.Loop() {
			ctx, span := tracer.Start(ctx, "chat "+p.Model, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
				attribute.String("gen_ai.operation.name", "chat"), attribute.String("gen_ai.provider.name", "openai"),
				attribute.String("gen_ai.request.model", p.Model), attribute.Float64("gen_ai.request.temperature", p.Temperature.Value)))
			var host string
			res, err := svc.New(ctx, p, option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
				host = r.URL.Host
				return next(r)
			}))
			if err != nil {
				b.Fatal(err)
			}
			span.SetAttributes(attribute.String("server.address", host), attribute.String("gen_ai.response.id", res.ID),
				attribute.String("gen_ai.response.model", res.Model), attribute.StringSlice("gen_ai.response.finish_reasons", []string{res.Choices[0].FinishReason}),
				attribute.Int64("gen_ai.usage.input_tokens", res.Usage.PromptTokens), attribute.Int64("gen_ai.usage.output_tokens", res.Usage.CompletionTokens))
			span.End()
		}
	})
	b.Run("llminstr", func(b *testing.B) {
		for b.Loop() {
			if _, err := llminstrOpenAIChatNew(svc.New, ctx, p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// chunkServer streams n chunks per request.
type chunkServer struct{ n int }

func (s chunkServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	for i := 0; i < s.n; i++ {
		fmt.Fprintf(w, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}\n\n")
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// BenchmarkStreamChunk reports the cost per chunk of a 1000-chunk stream,
// bare and through the adapter; the difference is llminstr's per-chunk cost.
func BenchmarkStreamChunk(b *testing.B) {
	const chunks = 1000
	client, _ := setup(b, chunkServer{n: chunks})
	svc := &client.Chat.Completions
	ctx := context.Background()
	p := chatParams()
	run := func(b *testing.B, open func() interface {
		Next() bool
		Close() error
	}) {
		for b.Loop() {
			s := open()
			n := 0
			for s.Next() {
				n++
			}
			s.Close()
			if n != chunks {
				b.Fatalf("got %d chunks", n)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*chunks), "ns/chunk")
	}
	b.Run("bare", func(b *testing.B) {
		run(b, func() interface {
			Next() bool
			Close() error
		} {
			return svc.NewStreaming(ctx, p)
		})
	})
	b.Run("llminstr", func(b *testing.B) {
		run(b, func() interface {
			Next() bool
			Close() error
		} {
			return llminstrOpenAIChatNewStreaming(svc.NewStreaming, ctx, p)
		})
	})
}

// sliceIterator replays decoded chunks, so that a stream costs no I/O and
// no decoding: what remains is the observer's own cost.
type sliceIterator struct {
	chunks []openai.ChatCompletionChunk
	i      int
}

func (s *sliceIterator) Next() bool                          { s.i++; return s.i <= len(s.chunks) }
func (s *sliceIterator) Current() openai.ChatCompletionChunk { return s.chunks[s.i-1] }
func (s *sliceIterator) Err() error                          { return nil }
func (s *sliceIterator) Close() error                        { return nil }

// BenchmarkObserverPerChunk isolates the per-chunk cost of the stream
// observer: the same decoded chunks read bare and through the observer.
func BenchmarkObserverPerChunk(b *testing.B) {
	const chunks = 1000
	setup(b, chunkServer{})
	var chunk openai.ChatCompletionChunk
	if err := chunk.UnmarshalJSON([]byte(`{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"x"},"finish_reason":null}]}`)); err != nil {
		b.Fatal(err)
	}
	all := make([]openai.ChatCompletionChunk, chunks)
	for i := range all {
		all[i] = chunk
	}
	newInner := func() *ssestream.Stream[openai.ChatCompletionChunk] {
		return ssestream.NewStreamWithBetaIterator[openai.ChatCompletionChunk](&sliceIterator{chunks: all}, nil)
	}
	consume := func(b *testing.B, s *ssestream.Stream[openai.ChatCompletionChunk]) {
		n := 0
		for s.Next() {
			n++
		}
		s.Close()
		if n != chunks {
			b.Fatalf("got %d chunks", n)
		}
	}
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			consume(b, newInner())
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*chunks), "ns/chunk")
	})
	b.Run("llminstr", func(b *testing.B) {
		ctx := context.Background()
		for b.Loop() {
			_, c := llminstrRT.StartInference(ctx, "chat", "openai", "m")
			acc := llminstrRT.NewStream(nil, c, llminstrOpenAIErrorType)
			consume(b, llminstrOpenAIObserveStream(ctx, acc, newInner(),
				func(chunk *openai.ChatCompletionChunk) { llminstrOpenAIChatChunk(acc, chunk) }))
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*chunks), "ns/chunk")
	})
}

// TestStreamDeadline ends streams whose context's deadline passes while the
// body is held open: the end then comes from the context's own goroutine,
// concurrently with the consumer (run with -race; both stream variants). It
// is the shape of openai-go's own TestContextDeadlineStreaming.
func TestStreamDeadline(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	var silent bool // the body holds back even the first chunk
	hang := roundTripper(func(req *http.Request) (*http.Response, error) {
		first := `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hi"}}]}` + "\n\n"
		if strings.HasSuffix(req.URL.Path, "/responses") {
			first = `data: {"type":"response.created","sequence_number":0,"response":{"id":"chatcmpl-1","model":"gpt-4o-mini","object":"response","status":"in_progress","output":[]}}` + "\n\n"
		}
		if silent {
			first = ""
		}
		body := readerFunc(func(p []byte) (int, error) {
			if first != "" {
				n := copy(p, first)
				first = first[n:]
				return n, nil
			}
			<-req.Context().Done()
			return 0, req.Context().Err()
		})
		return &http.Response{StatusCode: 200, Status: "200 OK", Header: http.Header{"Content-Type": {"text/event-stream"}},
			Body: io.NopCloser(body), Request: req}, nil
	})
	client := openai.NewClient(option.WithAPIKey("sk-x"), option.WithMaxRetries(0), option.WithHTTPClient(&http.Client{Transport: hang}))
	type stream interface {
		Next() bool
		Close() error
	}
	for _, tc := range []struct {
		name   string
		stream func(ctx context.Context) stream
	}{
		{"chat", func(ctx context.Context) stream {
			return llminstrOpenAIChatNewStreaming(client.Chat.Completions.NewStreaming, ctx, chatParams())
		}},
		{"responses", func(ctx context.Context) stream {
			return llminstrOpenAIResponseNewStreaming(client.Responses.NewStreaming, ctx, responses.ResponseNewParams{Model: "gpt-4o-mini"})
		}},
	} {
		for _, silent = range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/silent=%v", tc.name, silent), func(t *testing.T) {
				rec.Reset()
				// The deadline leaves the SDK time to build the request and
				// read the first chunk on a loaded machine under -race (20 ms
				// did not, now and then).
				const runs = 5
				for i := 0; i < runs; i++ {
					ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
					s := tc.stream(ctx)
					n := 0
					for s.Next() {
						n++
					}
					s.Close()
					cancel()
					if want := map[bool]int{false: 1, true: 0}[silent]; n != want {
						t.Fatalf("read %d chunks, want %d", n, want)
					}
				}
				spans := rec.Ended()
				if len(spans) != runs {
					t.Fatalf("got %d ended spans, want %d", len(spans), runs)
				}
				for _, s := range spans {
					a := llmtest.Attrs(s)
					if got := a["error.type"].AsString(); got != "timeout" {
						t.Errorf("error.type %q, want timeout", got)
					}
					if got := a["gen_ai.response.id"].AsString(); !silent && got != "chatcmpl-1" {
						t.Errorf("response id %q", got)
					}
				}
			})
		}
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

// BenchmarkLargePrompt is a chat call with a prompt of 5 and 50 MB through
// the adapter, against a local server that reads the whole request. Run it
// twice, with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true and
// without (the runtime reads it once per process), and compare: capture
// cuts each value to its bound before it redacts, so a captured call costs
// about what an uncaptured one does.
func BenchmarkLargePrompt(b *testing.B) {
	client, _ := setup(b, &openaitest.Server{})
	svc := &client.Chat.Completions
	ctx := context.Background()
	for _, mb := range []int{5, 50} {
		prompt := strings.Repeat("Tell me about jane@example.com and sk-proj-abcdefghijklmnop1234. ", mb<<20/64)
		p := openai.ChatCompletionNewParams{Model: "gpt-4o-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(prompt)}}
		b.Run(fmt.Sprintf("%dMB", mb), func(b *testing.B) {
			for b.Loop() {
				if _, err := llminstrOpenAIChatNew(svc.New, ctx, p); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
