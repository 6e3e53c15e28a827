package injected

import (
	"bytes"
	"errors"
	"io"
	goruntime "runtime"
	"sync"
)

// SSEHandler is called with each server-sent event of an observed body: its
// event field (empty when the event has none) and its data, the data lines
// joined with newlines. Neither slice may be kept after the call.
type SSEHandler func(s *Stream, event, data []byte)

// maxSSELine bounds the line an observer buffers; a longer one stops the
// observation (the stream itself is untouched).
const maxSSELine = 16 << 20

// ObserveSSE returns a body that reads body and, as the SDK reading it gets
// each server-sent event, hands the event to handle: a stream is observed
// at the HTTP level, with no second decoding of what the SDK builds from
// it. The stream ends when the body ends (EOF: no error), fails, is closed
// or is garbage collected, and when the stream's context ends. Bytes pass
// through unchanged, however the reads split them.
func ObserveSSE(body io.ReadCloser, s *Stream, handle SSEHandler) io.ReadCloser {
	if body == nil || s == nil || handle == nil {
		return body
	}
	o := &sseObserver{inner: body, stream: s, handle: handle}
	goruntime.SetFinalizer(o, func(o *sseObserver) { o.stream.End(nil) })
	return o
}

type sseObserver struct {
	inner  io.ReadCloser
	stream *Stream
	handle SSEHandler

	mu      sync.Mutex
	partial []byte // a line not ended yet
	event   []byte
	data    []byte
	hasData bool
	broken  bool
}

func (o *sseObserver) Read(p []byte) (int, error) {
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

func (o *sseObserver) Close() error {
	err := o.inner.Close()
	o.stream.End(nil)
	return err
}

// feed splits b into lines, keeping the last one when it is not ended.
func (o *sseObserver) feed(b []byte) {
	defer recoverAndWarn()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.broken {
		return
	}
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(o.partial)+len(b) > maxSSELine {
				o.partial, o.broken = nil, true
				return
			}
			o.partial = append(o.partial, b...)
			return
		}
		line := b[:i]
		if len(o.partial) > 0 {
			o.partial = append(o.partial, line...)
			line = o.partial
		}
		o.line(bytes.TrimSuffix(line, []byte{'\r'}))
		o.partial = o.partial[:0]
		b = b[i+1:]
	}
}

// flush ends the body's last line and event, which a stream may leave
// unterminated.
func (o *sseObserver) flush() {
	defer recoverAndWarn()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.broken {
		return
	}
	if len(o.partial) > 0 {
		o.line(bytes.TrimSuffix(o.partial, []byte{'\r'}))
		o.partial = o.partial[:0]
	}
	o.line(nil)
}

// line handles one line of the event stream format; the caller holds o.mu.
func (o *sseObserver) line(l []byte) {
	if len(l) == 0 {
		if o.hasData {
			o.handle(o.stream, o.event, o.data)
		}
		o.event, o.data, o.hasData = o.event[:0], o.data[:0], false
		return
	}
	name, value, _ := bytes.Cut(l, []byte{':'})
	value = bytes.TrimPrefix(value, []byte{' '})
	switch string(name) {
	case "event":
		o.event = append(o.event[:0], value...)
	case "data":
		if o.hasData {
			o.data = append(o.data, '\n')
		}
		o.data = append(o.data, value...)
		o.hasData = true
	}
}
