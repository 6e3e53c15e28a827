package runtime

import (
	"context"
	"errors"
	"io"
	"sync"
)

// Stream gathers what the chunks of a streamed response tell about it (the
// response id and model, a finish reason per choice, usage) and ends the
// call's span exactly once: when the adapter sees the stream end, fail or be
// closed, when the call's context ends, or when the SDK's stream object it is
// attached to (see [Attach]) is garbage collected.
//
// A Stream holds no reference to the SDK's stream object. All methods are
// safe on a nil *Stream and from several goroutines.
type Stream struct {
	call      *Call
	errorType func(error) string
	stopAfter func() bool

	mu       sync.Mutex
	id       string
	model    string
	finishes []string
	usage    *Usage
	finished bool
}

// maxChoices bounds the choice index a stream accepts, so that a malformed
// chunk cannot make it allocate without limit.
const maxChoices = 1 << 10

// NewStream returns the Stream of call, which ends when ctx ends at the
// latest. errorType maps the errors the stream fails with to their
// error.type; nil means the default mapping.
func NewStream(ctx context.Context, call *Call, errorType func(error) string) *Stream {
	if call == nil {
		return nil
	}
	s := &Stream{call: call, errorType: errorType}
	if ctx != nil {
		stop := context.AfterFunc(ctx, func() { s.End(ctx.Err()) })
		s.mu.Lock()
		s.stopAfter = stop
		finished := s.finished
		s.mu.Unlock()
		if finished {
			stop()
		}
	}
	return s
}

// Call returns the stream's call.
func (s *Stream) Call() *Call {
	if s == nil {
		return nil
	}
	return s.call
}

// Chunk notes a chunk with the response id and model it carries (empty
// values are ignored).
func (s *Stream) Chunk(id, model string) {
	if s == nil {
		return
	}
	s.call.Chunk()
	if id == "" && model == "" {
		return
	}
	s.mu.Lock()
	if id != "" {
		s.id = id
	}
	if model != "" {
		s.model = model
	}
	s.mu.Unlock()
}

// Finish records the finish reason of choice index; empty reasons are
// ignored.
func (s *Stream) Finish(index int, reason string) {
	if s == nil || index < 0 || index >= maxChoices {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.finishes) <= index {
		s.finishes = append(s.finishes, "")
	}
	if reason != "" {
		s.finishes[index] = reason
	}
}

// SetUsage records the usage a chunk reported; the last one wins.
func (s *Stream) SetUsage(u Usage) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.usage = &u
	s.mu.Unlock()
}

// End ends the stream's call, once. io.EOF is the normal end of a stream and
// counts as success. A stream that fails, or whose context ends, reports
// finish reason "error" for the choices that never finished.
func (s *Stream) End(err error) {
	if s == nil {
		return
	}
	defer recoverAndWarn()
	if errors.Is(err, io.EOF) {
		err = nil
	}
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return
	}
	s.finished = true
	stop := s.stopAfter
	id, model, finishes, usage := s.id, s.model, s.finishes, s.usage
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
	c := s.call
	c.SetResponse(id, model)
	var reasons []string
	for _, r := range finishes {
		switch {
		case r != "":
			reasons = append(reasons, r)
		case err != nil:
			reasons = append(reasons, "error")
		}
	}
	c.SetFinishReasons(reasons...)
	if usage != nil {
		c.SetUsage(*usage)
	}
	errorType := ""
	if err != nil && s.errorType != nil {
		errorType = s.errorType(err)
	}
	c.EndWithErrorType(err, errorType)
}
