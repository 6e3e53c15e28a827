//go:build !llminstr_decoder

// The stream observer for openai-go releases that have
// ssestream.NewStreamWithBetaIterator (v3.74 and later): the observed stream
// hands out the SDK's own decoded events, so observing costs no decoding.
// stream_decoder.go is the fallback for older releases.
package openai

import (
	llminstrContext "context"
	llminstrGoRuntime "runtime"
	llminstrSync "sync"

	llminstrRT "github.com/llminstr/llminstr/runtime"
	llminstrSSE "github.com/openai/openai-go/v3/packages/ssestream"
)

// llminstrOpenAIObserveStream returns a stream of the SDK's own type that
// passes every event of stream to observe and ends the call exactly once:
// when the stream is drained, fails or is closed, when ctx ends, or when
// the stream is garbage collected. done records what was observed, and how
// the stream ended.
func llminstrOpenAIObserveStream[T any](ctx llminstrContext.Context, c *llminstrRT.Call, stream *llminstrSSE.Stream[T], observe func(*T), done func(*llminstrRT.Call, error)) *llminstrSSE.Stream[T] {
	if stream == nil {
		c.End(nil)
		return stream
	}
	if err := stream.Err(); err != nil {
		c.EndWithErrorType(err, llminstrOpenAIErrorType(err))
		return stream
	}
	it := &llminstrOpenAIStream[T]{inner: stream, call: c, observe: observe, done: done}
	it.stopAfter = llminstrContext.AfterFunc(ctx, func() { it.finish(ctx.Err()) })
	llminstrGoRuntime.SetFinalizer(it, func(it *llminstrOpenAIStream[T]) { it.finish(nil) })
	return llminstrSSE.NewStreamWithBetaIterator[T](it, nil)
}

// llminstrOpenAIStream is the iterator behind an observed stream.
type llminstrOpenAIStream[T any] struct {
	inner     *llminstrSSE.Stream[T]
	call      *llminstrRT.Call
	observe   func(*T)
	cur       T // the current chunk, copied once from inner
	done      func(*llminstrRT.Call, error)
	stopAfter func() bool

	mu       llminstrSync.Mutex
	finished bool
}

func (s *llminstrOpenAIStream[T]) Next() bool {
	if !s.inner.Next() {
		s.finish(s.inner.Err())
		return false
	}
	s.call.Chunk()
	s.cur = s.inner.Current()
	s.observeChunk(&s.cur)
	return true
}

func (s *llminstrOpenAIStream[T]) Current() T { return s.cur }

func (s *llminstrOpenAIStream[T]) Err() error { return s.inner.Err() }

// observeChunk passes a chunk to the observer, unless the stream has
// finished; a panic in it stops there.
func (s *llminstrOpenAIStream[T]) observeChunk(chunk *T) {
	defer llminstrRT.Recover()
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.finished {
		s.observe(chunk)
	}
}

func (s *llminstrOpenAIStream[T]) Close() error {
	err := s.inner.Close()
	s.finish(s.inner.Err())
	return err
}

func (s *llminstrOpenAIStream[T]) finish(err error) {
	s.mu.Lock()
	if s.finished {
		s.mu.Unlock()
		return
	}
	s.finished = true
	llminstrRT.Safe(func() { s.done(s.call, err) })
	s.mu.Unlock()
	if s.stopAfter != nil {
		s.stopAfter()
	}
	s.call.EndWithErrorType(err, llminstrOpenAIErrorType(err))
}
