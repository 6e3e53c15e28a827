package injected

import (
	"sync"
	"time"
)

// An openSpan is a span the runtime started and has not ended: an LLM
// call, its stream, an agent's invocation.
type openSpan interface {
	// endUnfinished ends the span at exit, marked llminstr.unfinished
	// unless what it waited for was done, and reports whether it marked it.
	endUnfinished() (marked bool)
}

// open is the set of spans in flight, which [Shutdown] ends so that a
// program's exit exports them instead of losing them.
var open struct {
	mu    sync.Mutex
	spans map[openSpan]struct{}
}

func track(s openSpan) {
	open.mu.Lock()
	if open.spans == nil {
		open.spans = map[openSpan]struct{}{}
	}
	open.spans[s] = struct{}{}
	open.mu.Unlock()
}

func untrack(s openSpan) {
	open.mu.Lock()
	delete(open.spans, s)
	open.mu.Unlock()
}

// exitGrace is how long endUnfinished lets spans in flight end on their
// own: a stream's span ended by a goroutine that is reading its last chunk
// as the program returns from main.
const exitGrace = 100 * time.Millisecond

// endUnfinished ends every span still open, and says on stderr how many.
func endUnfinished() {
	for deadline := time.Now().Add(exitGrace); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		open.mu.Lock()
		n := len(open.spans)
		open.mu.Unlock()
		if n == 0 {
			return
		}
	}
	open.mu.Lock()
	spans := make([]openSpan, 0, len(open.spans))
	for s := range open.spans {
		spans = append(spans, s)
	}
	open.mu.Unlock()
	n := 0
	for _, s := range spans {
		Safe(func() {
			if s.endUnfinished() {
				n++
			}
		})
	}
	if n > 0 {
		warnf("%d span(s) of calls, streams or agents still open at exit were ended, marked llminstr.unfinished=true", n)
	}
}
