package injected

import (
	"bytes"
	"io"
)

// SSEHandler is called with each server-sent event of an observed body: its
// event field (empty when the event has none) and its data, the data lines
// joined with newlines. Neither slice may be kept after the call.
type SSEHandler func(s *Stream, event, data []byte)

// maxSSELine bounds the line an observer buffers; a longer one stops the
// observation (the stream itself is untouched).
const maxSSELine = 16 << 20

// ObserveSSE returns a body that reads body and, as the SDK reading it gets
// each server-sent event, hands the event to handle (see [ObserveBody]).
func ObserveSSE(body io.ReadCloser, s *Stream, handle SSEHandler) io.ReadCloser {
	if handle == nil {
		return body
	}
	return ObserveBody(body, s, &sseParser{handle: handle})
}

// sseParser splits a body into the lines and events of the event stream
// format.
type sseParser struct {
	handle SSEHandler

	partial []byte // a line not ended yet
	event   []byte
	data    []byte
	hasData bool
}

// Feed splits b into lines, keeping the last one when it is not ended.
func (p *sseParser) Feed(s *Stream, b []byte) bool {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(p.partial)+len(b) > maxSSELine {
				p.partial = nil
				return false
			}
			p.partial = append(p.partial, b...)
			return true
		}
		line := b[:i]
		if len(p.partial) > 0 {
			p.partial = append(p.partial, line...)
			line = p.partial
		}
		p.line(s, bytes.TrimSuffix(line, []byte{'\r'}))
		p.partial = p.partial[:0]
		b = b[i+1:]
	}
	return true
}

// Flush ends the body's last line and event, which a stream may leave
// unterminated.
func (p *sseParser) Flush(s *Stream) {
	if len(p.partial) > 0 {
		p.line(s, bytes.TrimSuffix(p.partial, []byte{'\r'}))
		p.partial = p.partial[:0]
	}
	p.line(s, nil)
}

// line handles one line of the event stream format.
func (p *sseParser) line(s *Stream, l []byte) {
	if len(l) == 0 {
		if p.hasData {
			p.handle(s, p.event, p.data)
		}
		p.event, p.data, p.hasData = p.event[:0], p.data[:0], false
		return
	}
	name, value, _ := bytes.Cut(l, []byte{':'})
	value = bytes.TrimPrefix(value, []byte{' '})
	switch string(name) {
	case "event":
		p.event = append(p.event[:0], value...)
	case "data":
		if p.hasData {
			p.data = append(p.data, '\n')
		}
		p.data = append(p.data, value...)
		p.hasData = true
	}
}
