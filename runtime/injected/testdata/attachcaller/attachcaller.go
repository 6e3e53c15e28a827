// Package attachcaller calls the runtime's generic functions as an adapter
// injected into a program's package does, for TestGenericFootprint.
package attachcaller

import "github.com/llminstr/llminstr/runtime/injected"

type stream struct {
	*reader
	n int
}

type reader struct{ buf []byte }

func (r *reader) Close() error { return nil }

// Use attaches a stream to s, looks it up and detaches it.
func Use(s *stream) {
	injected.Attach(s, injected.NewStream(nil, nil, nil), func(st *injected.Stream) { st.End(nil) })
	st := injected.Attached[stream, injected.Stream](s)
	injected.Observe(st, func(*int) {}, &s.n)
	injected.Attach(s.reader, &injected.Named[string]{Name: "model"}, nil)
	injected.Detach[stream, injected.Stream](s).End(nil)
}
