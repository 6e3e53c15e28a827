//go:build !llminstr_openai_decoder

// The stream observer for openai-go releases that have
// ssestream.NewStreamWithBetaIterator (v3.74 and later): the observed stream
// hands out the SDK's own decoded events, so observing costs no decoding.
// stream_decoder.go is the fallback for older releases.
package openai

import (
	llminstrContext "context"
	llminstrGoRuntime "runtime"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
	llminstrSSE "github.com/openai/openai-go/v3/packages/ssestream"
)

// llminstrOpenAIObserveStream returns a stream of the SDK's own type that
// passes every event of stream to observe. acc ends the call exactly once:
// when the stream is drained, fails or is closed, when ctx ends, or when the
// stream is garbage collected; its OnEnd function records what observe
// gathered.
func llminstrOpenAIObserveStream[T any](ctx llminstrContext.Context, acc *llminstrRT.Stream, stream *llminstrSSE.Stream[T], observe func(*T)) *llminstrSSE.Stream[T] {
	if stream == nil {
		acc.End(nil)
		return stream
	}
	if err := stream.Err(); err != nil {
		acc.End(err)
		return stream
	}
	acc.Watch(ctx)
	it := &llminstrOpenAIStream[T]{inner: stream, acc: acc, observe: observe}
	llminstrGoRuntime.SetFinalizer(it, func(it *llminstrOpenAIStream[T]) { it.acc.End(nil) })
	return llminstrSSE.NewStreamWithBetaIterator[T](it, nil)
}

// llminstrOpenAIStream is the iterator behind an observed stream.
type llminstrOpenAIStream[T any] struct {
	inner   *llminstrSSE.Stream[T]
	acc     *llminstrRT.Stream
	observe func(*T)
	cur     T // the current chunk, copied once from inner
}

func (s *llminstrOpenAIStream[T]) Next() bool {
	if !s.inner.Next() {
		s.acc.End(s.inner.Err())
		return false
	}
	s.acc.Call().Chunk()
	s.cur = s.inner.Current()
	llminstrRT.Observe(s.acc, s.observe, &s.cur)
	return true
}

func (s *llminstrOpenAIStream[T]) Current() T { return s.cur }

func (s *llminstrOpenAIStream[T]) Err() error { return s.inner.Err() }

func (s *llminstrOpenAIStream[T]) Close() error {
	err := s.inner.Close()
	s.acc.End(s.inner.Err())
	return err
}
