package injected

import (
	"context"
	"errors"
	"io"
	"slices"
	"sync"
	"time"
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
	onEnd     func(*Call, error)
	// whole marks a response read whole, as one chunk: it has no time to
	// first chunk.
	whole bool
	// fromWire marks the stream the wire hook reads along the response body
	// of an adapter's streamed call (see backstopStream). It never ends the
	// call: its End marks the body complete (doneAt, doneErr), and the
	// adapter's stream takes what it gathered when that stream has
	// recorded nothing itself (see [Stream.adopt]).
	fromWire bool

	// observing serialises the observers run by [Observe] with End, so
	// that none runs during or after the end. It is taken before mu.
	observing sync.Mutex

	mu        sync.Mutex
	watching  bool        // a context is watched (see [Stream.Watch])
	stopAfter func() bool // stops the watch, once it is set up
	id        string
	model     string
	finishes  []string
	usage     *Usage
	finished  bool
	// seen: an observer recorded something of a chunk.
	seen bool
	// doneAt and doneErr: when and how a stream read along the wire ended.
	doneAt  time.Time
	doneErr error
	// content, when the call captures it: per choice, the text and the tool
	// calls accumulated from the chunks.
	// (Byte slices, not strings.Builders: those may not be copied when the
	// slices grow.)
	text      [][]byte
	reasoning [][]byte
	tools     [][]streamToolCall
}

type streamToolCall struct {
	id, name  string
	arguments []byte
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
	call.mu.Lock()
	call.stream = s
	call.mu.Unlock()
	s.Watch(ctx)
	return s
}

// Watch ends the stream with ctx's error when ctx ends, if it has not
// ended before. A stream watches one context: later calls are ignored, as
// is a nil ctx.
func (s *Stream) Watch(ctx context.Context) {
	if s == nil || ctx == nil {
		return
	}
	s.mu.Lock()
	if s.watching || s.finished {
		s.mu.Unlock()
		return
	}
	s.watching = true
	s.mu.Unlock()
	stop := context.AfterFunc(ctx, func() { s.End(ctx.Err()) })
	s.mu.Lock()
	s.stopAfter = stop
	finished := s.finished
	s.mu.Unlock()
	if finished {
		stop()
	}
}

// OnEnd sets a function that End runs once, after the stream has recorded
// what it gathered and before the call's span ends, with the call and the
// error the stream ended with (nil for a normal end). It records what an
// adapter gathered itself; it must not call End. Set it before the stream
// can end: create the stream with a nil context, then [Stream.Watch] it.
func (s *Stream) OnEnd(f func(c *Call, err error)) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.onEnd = f
	s.mu.Unlock()
}

// Observe passes chunk to observe unless the stream has ended. Observers
// and [Stream.End] are serialised, so an observer may keep state of its own
// that an [Stream.OnEnd] function reads without further locking. A panic in
// observe is recovered. observe must not call End.
func Observe[T any](s *Stream, observe func(*T), chunk *T) {
	if s == nil {
		return
	}
	defer recoverAndWarn()
	s.observing.Lock()
	defer s.observing.Unlock()
	s.mu.Lock()
	finished := s.finished
	if !finished {
		s.seen = true // the adapter observes the stream's chunks itself
	}
	s.mu.Unlock()
	if !finished {
		observe(chunk)
	}
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
	if !s.whole {
		s.call.Chunk()
	}
	s.mu.Lock()
	s.seen = true
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
	s.seen = true
	for len(s.finishes) <= index {
		s.finishes = append(s.finishes, "")
	}
	if reason != "" {
		s.finishes[index] = reason
	}
}

// CaptureContent reports whether the stream accumulates message content;
// adapters check it before they pass any.
func (s *Stream) CaptureContent() bool { return s != nil && s.call.CaptureContent() }

// AppendText adds a text fragment to choice index's output.
func (s *Stream) AppendText(index int, text string) {
	if !s.CaptureContent() || text == "" || index < 0 || index >= maxChoices {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = true
	for len(s.text) <= index {
		s.text = append(s.text, nil)
	}
	s.text[index] = append(s.text[index], text...)
}

// AppendReasoning adds a fragment of the model's reasoning (thinking) to
// choice index's output.
func (s *Stream) AppendReasoning(index int, text string) {
	if !s.CaptureContent() || text == "" || index < 0 || index >= maxChoices {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = true
	for len(s.reasoning) <= index {
		s.reasoning = append(s.reasoning, nil)
	}
	s.reasoning[index] = append(s.reasoning[index], text...)
}

// AppendToolCall adds a fragment of tool call number call of choice index:
// its id and name (when the chunk carries them) and a piece of its
// arguments.
func (s *Stream) AppendToolCall(index, call int, id, name, arguments string) {
	if !s.CaptureContent() || index < 0 || index >= maxChoices || call < 0 || call >= maxChoices {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = true
	for len(s.tools) <= index {
		s.tools = append(s.tools, nil)
	}
	for len(s.tools[index]) <= call {
		s.tools[index] = append(s.tools[index], streamToolCall{})
	}
	tc := &s.tools[index][call]
	if id != "" {
		tc.id = id
	}
	if name != "" {
		tc.name = name
	}
	tc.arguments = append(tc.arguments, arguments...)
}

// AddToolCall adds a whole tool call to choice index's output, after the
// ones it has, for APIs that send each call in one piece.
func (s *Stream) AddToolCall(index int, id, name, arguments string) {
	if !s.CaptureContent() || index < 0 || index >= maxChoices {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen = true
	for len(s.tools) <= index {
		s.tools = append(s.tools, nil)
	}
	if len(s.tools[index]) >= maxChoices {
		return
	}
	s.tools[index] = append(s.tools[index], streamToolCall{id: id, name: name, arguments: []byte(arguments)})
}

// outputMessages builds the output messages from the accumulated content,
// one per choice; the caller holds s.mu.
func (s *Stream) outputMessages(reasons []string) []OutputMessage {
	n := max(len(s.text), len(s.tools), len(s.reasoning), len(reasons))
	out := make([]OutputMessage, 0, n)
	for i := 0; i < n; i++ {
		m := OutputMessage{Role: "assistant", Parts: []Part{}}
		if i < len(s.reasoning) && len(s.reasoning[i]) > 0 {
			m.Parts = append(m.Parts, Part{Type: "reasoning", Content: string(s.reasoning[i])})
		}
		if i < len(s.text) && len(s.text[i]) > 0 {
			m.Parts = append(m.Parts, TextPart(string(s.text[i])))
		}
		if i < len(s.tools) {
			for _, tc := range s.tools[i] {
				if tc.id == "" && tc.name == "" && len(tc.arguments) == 0 {
					continue // a slot of the index space that was no tool call
				}
				m.Parts = append(m.Parts, ToolCallPart(tc.id, tc.name, string(tc.arguments)))
			}
		}
		if i < len(reasons) {
			m.FinishReason = reasons[i]
		}
		out = append(out, m)
	}
	return out
}

// SetUsage records the usage a chunk reported; the last one wins.
func (s *Stream) SetUsage(u Usage) {
	if s == nil {
		return
	}
	s.mu.Lock()
	s.usage = &u
	s.seen = true
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
	if s.fromWire {
		s.complete(err)
		return
	}
	var endAt time.Time
	if w := s.call.wireStream(); w != nil && s.adopt(w) {
		// Read through an interface of the program, to its end: the wire
		// saw what the answer was, and when and how it ended.
		w.mu.Lock()
		doneErr := w.doneErr
		endAt = w.doneAt
		w.mu.Unlock()
		switch {
		case err == nil: // closed, collected or at exit
			err = doneErr
		case doneErr == nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)):
			err = nil // the context ended once the whole answer was read
		}
	}
	s.observing.Lock()
	defer s.observing.Unlock()
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return
	}
	s.finished = true
	stop, onEnd := s.stopAfter, s.onEnd
	id, model, usage := s.id, s.model, s.usage
	var reasons, perChoice []string
	for _, r := range s.finishes {
		if r == "" && err != nil {
			r = "error"
		}
		perChoice = append(perChoice, r)
		if r != "" {
			reasons = append(reasons, r)
		}
	}
	var output []OutputMessage
	if s.call.CaptureContent() {
		output = s.outputMessages(perChoice)
	}
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
	c := s.call
	c.SetResponse(id, model)
	if len(reasons) > 0 {
		c.SetFinishReasons(reasons...)
	}
	c.SetOutputMessages(output)
	if usage != nil {
		c.SetUsage(*usage)
	}
	if onEnd != nil {
		Safe(func() { onEnd(c, err) })
	}
	errorType := ""
	if err != nil && s.errorType != nil {
		errorType = s.errorType(err)
	}
	c.endAt(endAt, err, errorType)
}

// complete marks a stream read along the wire as ended with err (at the
// body's EOF or last event, on a read error or when it is closed) and
// makes it the call's wire stream. What the SDK read ahead may not have
// reached the adapter yet: the adapter's stream is not ended here.
func (s *Stream) complete(err error) {
	s.observing.Lock()
	defer s.observing.Unlock()
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return
	}
	s.finished, s.doneAt, s.doneErr = true, time.Now(), err
	s.mu.Unlock()
	c := s.call
	c.mu.Lock()
	c.wire = s
	c.mu.Unlock()
}

// closed ends, when the program closes a response body read along the wire
// (see [Stream.fromWire]), the adapter's stream of its call if that stream
// has recorded nothing of its own: the program reads it through an
// interface of its own, whose Recv and Close calls no rule can rewrite.
// Once closed, the body gives the SDK nothing more, so the stream ends now
// (when it was read to its end, as of then), rather than failing when the
// call's context ends or when it is collected.
func (s *Stream) closed() {
	s.complete(nil)
	if to := s.adapterStream(); to != nil && to.unobserved() {
		to.End(nil) // takes the wire's record
	}
}

// adapterStream returns, for a stream read along the wire, the adapter's
// stream of its call, or nil.
func (s *Stream) adapterStream() *Stream {
	c := s.call
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stream == s {
		return nil
	}
	return c.stream
}

// adapterObserves reports, for a stream read along the wire, whether the
// adapter's stream of its call records chunks itself.
func (s *Stream) adapterObserves() bool {
	to := s.adapterStream()
	if to == nil {
		return false
	}
	to.mu.Lock()
	defer to.mu.Unlock()
	return to.seen
}

// unobserved reports whether the stream has neither recorded anything nor
// ended.
func (s *Stream) unobserved() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.seen && !s.finished
}

// adopt takes from's id, model, finish reasons, usage and content when s
// has recorded nothing and has not ended, and reports whether it did.
func (s *Stream) adopt(from *Stream) bool {
	from.mu.Lock()
	id, model, usage := from.id, from.model, from.usage
	finishes := slices.Clone(from.finishes)
	text, reasoning, tools := from.text, from.reasoning, from.tools
	from.mu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.finished || s.seen {
		return false
	}
	s.id, s.model, s.usage, s.finishes = id, model, usage, finishes
	s.text, s.reasoning, s.tools = text, reasoning, tools
	return true
}
