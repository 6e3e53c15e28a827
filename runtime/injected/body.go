package injected

import (
	"errors"
	"io"
	goruntime "runtime"
	"sync"
)

// A BodyParser reads along a streamed response body in its wire format
// (server-sent events, AWS event stream frames, ...) as the SDK reads it,
// and records what the events tell on the stream. [ObserveBody] calls it
// under a lock, in the order of the body's bytes, and recovers its panics.
type BodyParser interface {
	// Feed takes the next bytes the SDK read, however its reads split
	// the body. It returns false when the body is not in the parser's
	// format: the observation stops, and the body passes on untouched.
	Feed(s *Stream, b []byte) bool
	// Flush is called at the end of the body, for an event a stream may
	// leave unterminated.
	Flush(s *Stream)
}

// ObserveBody returns a body that reads body and hands every byte the SDK
// reads to p: a stream is observed at the HTTP level, with no second
// decoding of what the SDK builds from it. The stream ends when the body
// ends (EOF: no error), fails, is closed or is garbage collected, and when
// the stream's context ends. Bytes pass through unchanged.
func ObserveBody(body io.ReadCloser, s *Stream, p BodyParser) io.ReadCloser {
	if body == nil || s == nil || p == nil {
		return body
	}
	o := &observedBody{inner: body, stream: s, parser: p}
	goruntime.SetFinalizer(o, func(o *observedBody) { o.stream.End(nil) })
	return o
}

type observedBody struct {
	inner  io.ReadCloser
	stream *Stream
	parser BodyParser

	mu     sync.Mutex
	broken bool // the parser gave up, or panicked
}

func (o *observedBody) Read(p []byte) (int, error) {
	n, err := o.inner.Read(p)
	if n > 0 {
		o.feed(p[:n])
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			o.flush()
			o.stream.End(nil)
		} else {
			o.stream.End(err)
		}
	}
	return n, err
}

func (o *observedBody) Close() error {
	err := o.inner.Close()
	o.stream.End(nil)
	return err
}

func (o *observedBody) feed(b []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.broken {
		return
	}
	o.broken = true // until the parser returns
	defer recoverAndWarn()
	o.broken = !o.parser.Feed(o.stream, b)
}

func (o *observedBody) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.broken {
		return
	}
	o.broken = true // nothing follows the end of the body
	defer recoverAndWarn()
	o.parser.Flush(o.stream)
}
