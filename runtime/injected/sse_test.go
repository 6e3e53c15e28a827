package injected

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
)

// splitReader returns its data n bytes at a time.
type splitReader struct {
	data []byte
	n    int
	err  error // returned after the data, io.EOF if nil
}

func (r *splitReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		return 0, io.EOF
	}
	n := min(r.n, len(r.data), len(p))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

func (r *splitReader) Close() error { return nil }

func TestObserveSSE(t *testing.T) {
	tests := []struct {
		name, body string
		want       []string
	}{
		{"events", "event: a\ndata: {\"x\":1}\n\nevent: b\ndata: 2\n\n", []string{"a=" + `{"x":1}`, "b=2"}},
		{"crlf", "event: a\r\ndata: 1\r\n\r\n", []string{"a=1"}},
		{"multi-line data", "data: 1\ndata: 2\n\n", []string{"=1\n2"}},
		{"comments and unknown fields", ": ping\nid: 7\nretry: 10\nevent: a\ndata:1\n\n", []string{"a=1"}},
		{"no data, no event", "event: a\n\n", nil},
		{"unterminated last event", "event: a\ndata: 1", []string{"a=1"}},
		{"event name does not leak", "event: a\ndata: 1\n\ndata: 2\n\n", []string{"a=1", "=2"}},
	}
	for _, tt := range tests {
		for _, n := range []int{1, 2, 3, 7, 1 << 20} {
			t.Run(fmt.Sprintf("%s/%d", tt.name, n), func(t *testing.T) {
				_, c := StartInference(context.Background(), OperationChat, "p", "m")
				s := NewStream(nil, c, nil)
				var got []string
				body := ObserveSSE(&splitReader{data: []byte(tt.body), n: n}, s, func(_ *Stream, event, data []byte) {
					got = append(got, string(event)+"="+string(data))
				})
				out, err := io.ReadAll(body)
				if err != nil || string(out) != tt.body {
					t.Fatalf("read %q, %v", out, err)
				}
				if strings.Join(got, "|") != strings.Join(tt.want, "|") {
					t.Errorf("events %q, want %q", got, tt.want)
				}
				if !c.Ended() {
					t.Error("the stream did not end at EOF")
				}
			})
		}
	}
}

func TestObserveSSEEnds(t *testing.T) {
	t.Run("read error", func(t *testing.T) {
		_, c := StartInference(context.Background(), OperationChat, "p", "m")
		s := NewStream(nil, c, nil)
		broken := errors.New("connection reset")
		body := ObserveSSE(&splitReader{data: []byte("data: 1\n\n"), n: 4, err: broken}, s, func(*Stream, []byte, []byte) {})
		if _, err := io.ReadAll(body); !errors.Is(err, broken) {
			t.Fatalf("error %v", err)
		}
		if !c.Ended() {
			t.Error("not ended")
		}
	})
	t.Run("close", func(t *testing.T) {
		_, c := StartInference(context.Background(), OperationChat, "p", "m")
		s := NewStream(nil, c, nil)
		body := ObserveSSE(&splitReader{data: []byte("data: 1\n\n"), n: 4}, s, func(*Stream, []byte, []byte) {})
		body.Close()
		body.Close()
		if !c.Ended() {
			t.Error("not ended")
		}
	})
	t.Run("a handler that panics", func(t *testing.T) {
		_, c := StartInference(context.Background(), OperationChat, "p", "m")
		s := NewStream(nil, c, nil)
		body := ObserveSSE(&splitReader{data: []byte("data: 1\n\ndata: 2\n\n"), n: 100}, s, func(*Stream, []byte, []byte) { panic("bug") })
		out, err := io.ReadAll(body)
		if err != nil || !bytes.Equal(out, []byte("data: 1\n\ndata: 2\n\n")) {
			t.Fatalf("read %q, %v", out, err)
		}
	})
}
