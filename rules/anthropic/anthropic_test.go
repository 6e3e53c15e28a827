package anthropic

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llminstr/llminstr/internal/llmtest"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	anthropic "github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
	"github.com/llminstr/llminstr/rules/anthropic/anthropictest"
)

func setup(tb testing.TB, handler http.Handler) (anthropic.Client, *tracetest.SpanRecorder) {
	tb.Helper()
	srv := httptest.NewServer(handler)
	tb.Cleanup(srv.Close)
	rec := llmtest.Recorder(tb)
	return anthropic.NewClient(option.WithBaseURL(srv.URL+"/"), option.WithAPIKey("k"), option.WithMaxRetries(0)), rec
}

func params() anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model: "claude-sonnet-4-5", MaxTokens: 64,
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))},
	}
}

// TestStreamEndsOnce checks the ways a stream's span ends: drained, closed
// early, closed twice, its context cancelled.
func TestStreamEndsOnce(t *testing.T) {
	client, rec := setup(t, anthropictest.Server{})
	svc := &client.Messages
	// A server that sends the first event and then waits for the client to
	// go away: a stream cancelled while its body is still coming.
	hanging := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.WriteHeader(http.StatusOK)
		fmt.Fprint(w, "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"model\":\"x\",\"usage\":{\"input_tokens\":1}}}\n\n")
		w.(http.Flusher).Flush()
		<-r.Context().Done()
	}))
	defer hanging.Close()
	hangingClient := anthropic.NewClient(option.WithBaseURL(hanging.URL+"/"), option.WithAPIKey("k"), option.WithMaxRetries(0))
	for _, tc := range []struct {
		name      string
		use       func(*testing.T, context.CancelFunc, func() bool, func() error)
		wantError string
	}{
		{"drained", func(t *testing.T, _ context.CancelFunc, next func() bool, closeFn func() error) {
			for next() {
			}
			closeFn()
		}, ""},
		{"closed_early", func(t *testing.T, _ context.CancelFunc, next func() bool, closeFn func() error) {
			next()
			closeFn()
			closeFn()
		}, ""},
		{"cancelled", func(t *testing.T, cancel context.CancelFunc, next func() bool, closeFn func() error) {
			next()
			cancel()
			deadline := time.Now().Add(5 * time.Second)
			for len(rec.Ended()) == 0 && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			closeFn()
		}, "canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec.Reset()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			call := svc.NewStreaming
			if tc.wantError == "canceled" {
				call = hangingClient.Messages.NewStreaming
			}
			s := llminstrAnthropicMessageNewStreaming(call, ctx, params())
			tc.use(t, cancel, s.Next, s.Close)
			ended := rec.Ended()
			if len(ended) != 1 {
				t.Fatalf("%d spans ended, want 1", len(ended))
			}
			got := ""
			for _, kv := range ended[0].Attributes() {
				if kv.Key == "error.type" {
					got = kv.Value.AsString()
				}
			}
			if got != tc.wantError {
				t.Errorf("error.type %q, want %q", got, tc.wantError)
			}
		})
	}
}

// TestConcurrentCallsAndStreams makes 1000 calls and streams at once (run
// it with -race): every span ends exactly once.
func TestConcurrentCallsAndStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 concurrent calls")
	}
	client, rec := setup(t, anthropictest.Server{})
	svc := &client.Messages
	ctx := context.Background()
	const n = 1000
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%2 == 0 {
				if _, err := llminstrAnthropicMessageNew(svc.New, ctx, params()); err != nil {
					errs <- err
				}
				return
			}
			s := llminstrAnthropicMessageNewStreaming(svc.NewStreaming, ctx, params())
			for s.Next() {
				if i%4 == 1 {
					break
				}
			}
			if err := s.Close(); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := len(rec.Ended()); got != n {
		t.Fatalf("%d spans ended, want %d", got, n)
	}
}

// sseTransport answers every request with the same SSE body, read in the
// pieces splits asks for (whole when it is empty).
type sseTransport struct{ body, splits []byte }

func (t sseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}},
		Body: io.NopCloser(&splitReader{data: t.body, splits: t.splits}), Request: req,
	}, nil
}

type splitReader struct{ data, splits []byte }

func (r *splitReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := len(r.data)
	if len(r.splits) > 0 {
		n = int(r.splits[0]) + 1
		r.splits = r.splits[1:]
	}
	n = min(n, len(r.data), len(p))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

// fuzzStream turns fuzz bytes into a Messages event stream: each byte picks
// an event (with a block index), and a few are pings, malformed data or an
// error event. Usage may be missing; blocks may come in any order.
func fuzzStream(data []byte) []byte {
	var b bytes.Buffer
	event := func(name string, v map[string]any) {
		v["type"] = name
		j, _ := json.Marshal(v)
		fmt.Fprintf(&b, "event: %s\ndata: %s\n\n", name, j)
	}
	for i, c := range data {
		idx := int(c & 3)
		switch c >> 4 {
		case 0:
			event("message_start", map[string]any{"message": map[string]any{"id": fmt.Sprintf("msg_%d", i), "type": "message", "role": "assistant",
				"model": "m", "content": []any{}, "usage": map[string]any{"input_tokens": int(c), "output_tokens": 1}}})
		case 1:
			event("content_block_start", map[string]any{"index": idx, "content_block": map[string]any{"type": "text", "text": ""}})
		case 2:
			event("content_block_start", map[string]any{"index": idx, "content_block": map[string]any{"type": "tool_use", "id": "t", "name": "f", "input": map[string]any{}}})
		case 3, 4, 5:
			event("content_block_delta", map[string]any{"index": idx, "delta": map[string]any{"type": "text_delta", "text": "x"}})
		case 6:
			event("content_block_delta", map[string]any{"index": idx, "delta": map[string]any{"type": "input_json_delta", "partial_json": `{"a":`}})
		case 7:
			event("content_block_delta", map[string]any{"index": idx, "delta": map[string]any{"type": "thinking_delta", "thinking": "hm"}})
		case 8:
			event("content_block_stop", map[string]any{"index": idx})
		case 9, 10:
			event("message_delta", map[string]any{"delta": map[string]any{"stop_reason": []string{"end_turn", "max_tokens", "tool_use", "refusal"}[idx]},
				"usage": map[string]any{"output_tokens": i}})
		case 11:
			event("message_delta", map[string]any{"delta": map[string]any{}})
		case 12:
			event("ping", map[string]any{})
		case 13:
			b.WriteString("event: content_block_delta\ndata: {not json\n\n")
		case 14:
			event("error", map[string]any{"error": map[string]any{"type": "overloaded_error", "message": "Overloaded"}})
		default:
			event("message_stop", map[string]any{})
		}
	}
	return b.Bytes()
}

// FuzzMessageStream: whatever the stream holds, however its body is split
// across reads, the observed stream yields the same events as the SDK's,
// never panics, ends the span exactly once, and records the same as from
// one read, with content capture on.
func FuzzMessageStream(f *testing.F) {
	f.Add([]byte{0x00, 0x10, 0x30, 0x31, 0x80, 0x90, 0xf0}, []byte{})
	f.Add([]byte{0x00, 0x20, 0x60, 0x60, 0x70, 0xa2}, []byte{0, 1, 2, 3, 50})
	f.Add([]byte{0x00, 0x30, 0xe0, 0x30}, []byte{7})
	f.Add([]byte{0x30, 0xd0}, []byte{0, 0, 0, 0})
	f.Add([]byte{0xc0, 0xb0}, []byte{})
	f.Add([]byte{}, []byte{})
	rec := llmtest.Recorder(f)
	attrs := func(s sdktrace.ReadOnlySpan) string {
		var out []string
		for _, kv := range s.Attributes() {
			if kv.Key != "gen_ai.response.time_to_first_chunk" {
				out = append(out, string(kv.Key)+"="+kv.Value.Emit())
			}
		}
		return strings.Join(out, " ")
	}
	f.Fuzz(func(t *testing.T, data, splits []byte) {
		body := fuzzStream(data)
		client := anthropic.NewClient(option.WithAPIKey("k"), option.WithMaxRetries(0),
			option.WithHTTPClient(&http.Client{Transport: sseTransport{body, splits}}))
		whole := anthropic.NewClient(option.WithAPIKey("k"), option.WithMaxRetries(0),
			option.WithHTTPClient(&http.Client{Transport: sseTransport{body, nil}}))
		ctx := context.Background()
		read := func(s interface {
			Next() bool
			Current() anthropic.MessageStreamEventUnion
			Err() error
		}) ([]string, string) {
			var events []string
			for s.Next() {
				events = append(events, s.Current().RawJSON())
			}
			return events, fmt.Sprint(s.Err() != nil)
		}
		bare := client.Messages.NewStreaming(ctx, params())
		want, wantErr := read(bare)
		bare.Close()

		before := len(rec.Ended())
		s := llminstrAnthropicMessageNewStreaming(client.Messages.NewStreaming, ctx, params())
		got, gotErr := read(s)
		s.Close()
		s.Close()
		if gotErr != wantErr {
			t.Fatalf("failed %s, the SDK alone %s", gotErr, wantErr)
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Fatalf("got %d events, the SDK alone gives %d, or they differ", len(got), len(want))
		}
		if n := len(rec.Ended()) - before; n != 1 {
			t.Fatalf("%d spans ended, want 1", n)
		}
		if wantErr == "true" {
			// The SDK stops reading at an event it cannot decode: what
			// the span saw of the body then depends on how the reads
			// split it.
			return
		}
		split := attrs(rec.Ended()[before])
		s = llminstrAnthropicMessageNewStreaming(whole.Messages.NewStreaming, ctx, params())
		read(s)
		s.Close()
		if one := attrs(rec.Ended()[len(rec.Ended())-1]); one != split {
			t.Fatalf("split reads record\n%s\none read\n%s", split, one)
		}
	})
}

// BenchmarkStreamEvent is the cost per event of reading a stream through
// the adapter, against the SDK alone, both decoding the same in-memory SSE
// body (no network).
func BenchmarkStreamEvent(b *testing.B) {
	const events = 1000
	data := make([]byte, 0, events)
	data = append(data, 0x00, 0x10)
	for len(data) < events-1 {
		data = append(data, 0x30)
	}
	data = append(data, 0x90)
	client := anthropic.NewClient(option.WithAPIKey("k"), option.WithHTTPClient(&http.Client{Transport: sseTransport{fuzzStream(data), nil}}))
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder())))
	ctx := context.Background()
	b.Run("sdk", func(b *testing.B) {
		for b.Loop() {
			s := client.Messages.NewStreaming(ctx, params())
			for s.Next() {
			}
			s.Close()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
	})
	b.Run("llminstr", func(b *testing.B) {
		for b.Loop() {
			s := llminstrAnthropicMessageNewStreaming(client.Messages.NewStreaming, ctx, params())
			for s.Next() {
			}
			s.Close()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*events), "ns/event")
	})
}

// TestNoCredentials: a client that finds no credentials fails each call
// with the SDK's own "no Anthropic credentials found" error and sends
// nothing, traced or not; a client with a middleware of its own (which may
// authenticate) sends its request, as the SDK does.
func TestNoCredentials(t *testing.T) {
	for _, k := range []string{"ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE",
		"ANTHROPIC_FEDERATION_RULE_ID", "ANTHROPIC_ORGANIZATION_ID", "ANTHROPIC_IDENTITY_TOKEN_FILE", "ANTHROPIC_IDENTITY_TOKEN"} {
		if v, ok := os.LookupEnv(k); ok {
			os.Unsetenv(k)
			t.Cleanup(func() { os.Setenv(k, v) })
		}
	}
	t.Setenv("ANTHROPIC_CONFIG_DIR", t.TempDir())
	var requests atomic.Int64
	_, rec := setup(t, anthropictest.Server{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		anthropictest.Server{}.ServeHTTP(w, r)
	}))
	defer srv.Close()
	ctx := context.Background()

	bare := anthropic.NewClient(option.WithBaseURL(srv.URL+"/"), option.WithMaxRetries(0))
	_, plainErr := bare.Messages.New(ctx, params())
	if plainErr == nil || !strings.Contains(plainErr.Error(), "no Anthropic credentials found") {
		t.Fatalf("the SDK itself: %v (this release has no credentials check?)", plainErr)
	}

	client := anthropic.NewClient(option.WithBaseURL(srv.URL+"/"), option.WithMaxRetries(0))
	_, err := llminstrAnthropicMessageNew(client.Messages.New, ctx, params())
	if err == nil || err.Error() != plainErr.Error() {
		t.Errorf("traced call: %v; the SDK alone: %v", err, plainErr)
	}
	stream := llminstrAnthropicMessageNewStreaming(client.Messages.NewStreaming, ctx, params())
	for stream.Next() {
	}
	if err := stream.Err(); err == nil || !strings.Contains(err.Error(), "no Anthropic credentials found") {
		t.Errorf("traced stream: %v", err)
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests sent without credentials", n)
	}
	chats := func() []sdktrace.ReadOnlySpan { // not the SDK's own spans of the bare calls
		var out []sdktrace.ReadOnlySpan
		for _, s := range rec.Ended() {
			if strings.HasPrefix(s.Name(), "chat ") {
				out = append(out, s)
			}
		}
		return out
	}
	spans := chats()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	for _, s := range spans {
		if s.Status().Code != codes.Error {
			t.Errorf("%s: status %v, want an error", s.Name(), s.Status())
		}
	}

	// A middleware of the program's: the SDK stands aside, and so the
	// request goes out, in both builds.
	var seen atomic.Int64
	mine := option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		seen.Add(1)
		r.Header.Set("X-Api-Key", "from-middleware")
		return next(r)
	})
	withMine := anthropic.NewClient(option.WithBaseURL(srv.URL+"/"), option.WithMaxRetries(0), mine)
	if _, err := withMine.Messages.New(ctx, params()); err != nil {
		t.Fatalf("the SDK itself, with a middleware: %v", err)
	}
	if _, err := llminstrAnthropicMessageNew(withMine.Messages.New, ctx, params()); err != nil {
		t.Errorf("traced, with a middleware: %v", err)
	}
	if seen.Load() != 2 || requests.Load() != 2 {
		t.Errorf("middleware ran %d times, %d requests; want 2 and 2", seen.Load(), requests.Load())
	}
	if got := chats(); len(got) != 3 || got[2].Status().Code == codes.Error {
		t.Errorf("the call with a middleware: %d spans, last %v", len(got), got[len(got)-1].Status())
	}
}
