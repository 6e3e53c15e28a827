package injected

import (
	"bufio"
	"context"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
)

// TestBackstopStream: an adapter's stream read through an interface of the
// program (its Recv and Close wrappers never run) ends with the response's
// body, with what the wire told, and not as failed when the call's context
// ends afterwards. A stream its adapter observes is left to it.
func TestBackstopStream(t *testing.T) {
	srv := wireServer(t)
	whole := map[string]string{
		"gen_ai.response.id": "c1", "gen_ai.response.model": "m-1", "gen_ai.response.finish_reasons": `["stop"]`,
		"gen_ai.usage.input_tokens": "3", "gen_ai.usage.output_tokens": "2", "error.type": "",
	}
	for _, tc := range []struct {
		name string
		// read reads the response body as a program would, after the
		// adapter attached its stream s.
		read func(body io.ReadCloser, s *Stream)
		// atExit: the program exits before the call's context ends.
		atExit bool
		failed bool
		want   map[string]string // attribute: value as printed; "" for absent
	}{
		{"read to EOF, never closed", func(body io.ReadCloser, _ *Stream) { io.ReadAll(body) }, false, false, whole},
		{"read to EOF, never closed, then the program exits", func(body io.ReadCloser, _ *Stream) { io.ReadAll(body) }, true, false,
			with(whole, "llminstr.unfinished", "")},
		{"read to [DONE], never closed", func(body io.ReadCloser, _ *Stream) {
			r := bufio.NewReader(body)
			for {
				line, err := r.ReadString('\n')
				if err != nil || strings.TrimSpace(line) == "data: [DONE]" {
					return
				}
			}
		}, false, false, whole},
		{"closed unread", func(body io.ReadCloser, _ *Stream) { body.Close() }, false, false, map[string]string{
			"gen_ai.response.finish_reasons": "", "error.type": "",
		}},
		{"observed by its adapter", func(body io.ReadCloser, s *Stream) {
			s.Chunk("c9", "adapter-model")
			io.ReadAll(body)
			body.Close()
		}, false, true, map[string]string{"gen_ai.response.id": "c9", "gen_ai.response.model": "adapter-model", "error.type": "canceled"}},
		{"observed by its adapter, then the program exits", func(body io.ReadCloser, s *Stream) {
			s.Chunk("c9", "adapter-model")
			io.ReadAll(body)
		}, true, false, map[string]string{"gen_ai.response.id": "c9", "llminstr.unfinished": "true"}},
		{"observed by its adapter through Observe", func(body io.ReadCloser, s *Stream) {
			Observe(s, func(*int) {}, new(int)) // an adapter that keeps what it sees itself
			io.ReadAll(body)
			body.Close()
		}, false, true, map[string]string{"gen_ai.response.id": "", "gen_ai.usage.input_tokens": "", "error.type": "canceled"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := withAppProvider(t)
			cctx, cancel := context.WithCancel(context.Background())
			ctx, c := StartInference(cctx, "chat", "openai", "m")
			c.SetStreaming()
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/chat/completions", strings.NewReader(`{"model":"m","stream":true}`))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := TraceWire(req, http.DefaultTransport.RoundTrip)
			if err != nil {
				t.Fatal(err)
			}
			s := NewStream(ctx, c, nil) // as the adapter does once the SDK returned its stream
			tc.read(resp.Body, s)
			if tc.atExit {
				endUnfinished()
			}
			cancel()
			// A context's end is seen on a goroutine of its own.
			for i := 0; i < 100 && !c.Ended(); i++ {
				time.Sleep(10 * time.Millisecond)
			}
			if !c.Ended() {
				t.Fatal("the call did not end")
			}
			spans := rec.Ended()
			if len(spans) != 1 {
				t.Fatalf("%d spans, want 1", len(spans))
			}
			if failed := spans[0].Status().Code.String() == "Error"; failed != tc.failed {
				t.Errorf("status %v, want failed=%v", spans[0].Status(), tc.failed)
			}
			attrs := attrMap(spans[0].Attributes())
			for k, want := range tc.want {
				v, ok := attrs[attribute.Key(k)]
				switch {
				case want == "" && ok:
					t.Errorf("%s = %s, want none", k, v.Emit())
				case want != "" && (!ok || emit(v) != want):
					t.Errorf("%s = %q, want %q", k, emit(v), want)
				}
			}
		})
	}
}

// with returns a copy of m with k set to v.
func with(m map[string]string, k, v string) map[string]string {
	out := maps.Clone(m)
	out[k] = v
	return out
}

// TestBackstopLeavesOtherRequests: an event stream answering another
// request made under a call's context (an MCP server's, say) is not read
// along.
func TestBackstopLeavesOtherRequests(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, "data: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n")
	}))
	defer srv.Close()
	withAppProvider(t)
	ctx, c := StartInference(context.Background(), "chat", "openai", "m")
	defer c.End(nil)
	for _, path := range []string{"/mcp", "/v1/chat/completions"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+path, strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := TraceWire(req, http.DefaultTransport.RoundTrip)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if _, read := resp.Body.(*backstopBody); read != (path != "/mcp") {
			t.Errorf("%s: body %T", path, resp.Body)
		}
	}
}

// BenchmarkBackstopRead measures what reading a streamed answer along the
// wire adds per chunk while the adapter's own stream records the chunks
// (the common case): the body read line by line as an SDK reads it, bare
// and through the backstop.
func BenchmarkBackstopRead(b *testing.B) {
	var body strings.Builder
	const chunks = 1000
	for range chunks {
		body.WriteString(`data: {"id":"c1","model":"m-1","choices":[{"index":0,"delta":{"content":"Hello"}}]}` + "\n\n")
	}
	body.WriteString("data: [DONE]\n\n")
	sse := body.String()
	read := func(r io.Reader) {
		br := bufio.NewReader(r)
		for {
			if _, err := br.ReadSlice('\n'); err != nil {
				return
			}
		}
	}
	b.Run("bare", func(b *testing.B) {
		for b.Loop() {
			read(strings.NewReader(sse))
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*chunks), "ns/chunk")
	})
	b.Run("backstop", func(b *testing.B) {
		_, c := StartInference(context.Background(), "chat", "openai", "m")
		s := NewStream(nil, c, nil)
		s.Chunk("c1", "m-1") // the adapter records the chunks itself
		for b.Loop() {
			resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}}, Body: io.NopCloser(strings.NewReader(sse))}
			req := &http.Request{URL: &url.URL{Path: "/v1/chat/completions"}}
			backstopStream(c, req, resp, nil)
			read(resp.Body)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*chunks), "ns/chunk")
	})
}
