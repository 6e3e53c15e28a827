//go:build llminstr_decoder

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
	d := &llminstrOpenAIStreamDecoder[T]{inner: stream, call: c, observe: observe, done: done}
	d.stopAfter = llminstrContext.AfterFunc(ctx, func() { d.finish(ctx.Err()) })
	llminstrGoRuntime.SetFinalizer(d, func(d *llminstrOpenAIStreamDecoder[T]) { d.finish(nil) })
	return llminstrSSE.NewStream[T](d, nil)
}

// llminstrOpenAIStreamDecoder is the ssestream.Decoder behind an observed
// stream.
type llminstrOpenAIStreamDecoder[T any] struct {
	inner     *llminstrSSE.Stream[T]
	call      *llminstrRT.Call
	observe   func(*T)
	done      func(*llminstrRT.Call, error)
	stopAfter func() bool
	event     llminstrSSE.Event

	mu       llminstrSync.Mutex
	finished bool
}

func (d *llminstrOpenAIStreamDecoder[T]) Next() bool {
	if !d.inner.Next() {
		d.finish(d.inner.Err())
		return false
	}
	cur := d.inner.Current()
	d.call.Chunk()
	d.observeChunk(&cur)
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

// observeChunk passes a chunk to the observer, unless the stream has
// finished; a panic in it stops there.
func (d *llminstrOpenAIStreamDecoder[T]) observeChunk(chunk *T) {
	defer llminstrRT.Recover()
	d.mu.Lock()
	defer d.mu.Unlock()
	if !d.finished {
		d.observe(chunk)
	}
}

func (d *llminstrOpenAIStreamDecoder[T]) Close() error {
	err := d.inner.Close()
	d.finish(d.inner.Err())
	return err
}

func (d *llminstrOpenAIStreamDecoder[T]) finish(err error) {
	d.mu.Lock()
	if d.finished {
		d.mu.Unlock()
		return
	}
	d.finished = true
	llminstrRT.Safe(func() { d.done(d.call, err) })
	d.mu.Unlock()
	if d.stopAfter != nil {
		d.stopAfter()
	}
	d.call.EndWithErrorType(err, llminstrOpenAIErrorType(err))
}
