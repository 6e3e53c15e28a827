//go:build llminstr_openai_decoder

// The stream observer for openai-go releases without
// ssestream.NewStreamWithBetaIterator (before v3.74): the observed stream is
// rebuilt around a Decoder that hands the SDK each event's JSON again, so
// each event is decoded twice. The build tag keeps this file out of the
// rules package's own build; injected, it replaces stream_iterator.go.
package openai

import (
	llminstrContext "context"
	llminstrJSON "encoding/json"
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
	d := &llminstrOpenAIStreamDecoder[T]{inner: stream, acc: acc, observe: observe}
	llminstrGoRuntime.SetFinalizer(d, func(d *llminstrOpenAIStreamDecoder[T]) { d.acc.End(nil) })
	return llminstrSSE.NewStream[T](d, nil)
}

// llminstrOpenAIStreamDecoder is the ssestream.Decoder behind an observed
// stream.
type llminstrOpenAIStreamDecoder[T any] struct {
	inner   *llminstrSSE.Stream[T]
	acc     *llminstrRT.Stream
	observe func(*T)
	event   llminstrSSE.Event
}

func (d *llminstrOpenAIStreamDecoder[T]) Next() bool {
	if !d.inner.Next() {
		d.acc.End(d.inner.Err())
		return false
	}
	cur := d.inner.Current()
	d.acc.Call().Chunk()
	llminstrRT.Observe(d.acc, d.observe, &cur)
	var data []byte
	if raw, ok := any(cur).(interface{ RawJSON() string }); ok && raw.RawJSON() != "" {
		data = []byte(raw.RawJSON())
	} else {
		data, _ = llminstrJSON.Marshal(cur)
	}
	d.event = llminstrSSE.Event{Data: data}
	return true
}

func (d *llminstrOpenAIStreamDecoder[T]) Event() llminstrSSE.Event { return d.event }

func (d *llminstrOpenAIStreamDecoder[T]) Err() error { return d.inner.Err() }

func (d *llminstrOpenAIStreamDecoder[T]) Close() error {
	err := d.inner.Close()
	d.acc.End(d.inner.Err())
	return err
}
