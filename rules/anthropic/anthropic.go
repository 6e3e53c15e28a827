// Package anthropic holds the adapters for
// github.com/anthropics/anthropic-sdk-go.
//
// Streams are observed by rebuilding the SDK's *ssestream.Stream around a
// Decoder that hands the SDK each event again (the package has no stream
// iterator API), so the caller still gets the SDK's own type.
//
// The file is injected into every package that calls the SDK, with its
// package clause changed. So every top-level name starts with "llminstr" and
// every import is named, to stay clear of the host package's own names.
package anthropic

import (
	llminstrContext "context"
	llminstrJSON "encoding/json"
	llminstrErrors "errors"
	llminstrHTTP "net/http"
	llminstrGoRuntime "runtime"
	llminstrStrings "strings"
	llminstrSync "sync"

	llminstrAnthropic "github.com/anthropics/anthropic-sdk-go"
	llminstrOption "github.com/anthropics/anthropic-sdk-go/option"
	llminstrParam "github.com/anthropics/anthropic-sdk-go/packages/param"
	llminstrSSE "github.com/anthropics/anthropic-sdk-go/packages/ssestream"
	llminstrRT "github.com/llminstr/llminstr/runtime"
)

// llminstrAnthropicMessageNew wraps (*MessageService).New: call is the
// original method value, so the receiver is evaluated where the user wrote it.
func llminstrAnthropicMessageNew(
	call func(llminstrContext.Context, llminstrAnthropic.MessageNewParams, ...llminstrOption.RequestOption) (*llminstrAnthropic.Message, error),
	ctx llminstrContext.Context, body llminstrAnthropic.MessageNewParams, opts ...llminstrOption.RequestOption,
) (*llminstrAnthropic.Message, error) {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "anthropic", string(body.Model))
	if c == nil {
		return call(ctx, body, opts...)
	}
	llminstrRT.Safe(func() {
		llminstrAnthropicRequest(c, body.MaxTokens, body.Temperature, body.TopP, body.TopK, body.StopSequences, body.System, body.Messages, body.Tools)
	})
	res, err := call(ctx, body, llminstrAnthropicOptions(c, opts)...)
	llminstrRT.Safe(func() {
		if err == nil && res != nil {
			u := res.Usage
			llminstrAnthropicResponse(c, res.ID, string(res.Model), string(res.StopReason),
				llminstrRT.UsageWithCache(u.InputTokens, u.OutputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens), res.RawJSON(), res.Content)
		}
	})
	c.EndWithErrorType(err, llminstrAnthropicErrorType(err))
	return res, err
}

// llminstrAnthropicBetaMessageNew wraps (*BetaMessageService).New.
func llminstrAnthropicBetaMessageNew(
	call func(llminstrContext.Context, llminstrAnthropic.BetaMessageNewParams, ...llminstrOption.RequestOption) (*llminstrAnthropic.BetaMessage, error),
	ctx llminstrContext.Context, body llminstrAnthropic.BetaMessageNewParams, opts ...llminstrOption.RequestOption,
) (*llminstrAnthropic.BetaMessage, error) {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "anthropic", string(body.Model))
	if c == nil {
		return call(ctx, body, opts...)
	}
	llminstrRT.Safe(func() {
		llminstrAnthropicRequest(c, body.MaxTokens, body.Temperature, body.TopP, body.TopK, body.StopSequences, body.System, body.Messages, body.Tools)
	})
	res, err := call(ctx, body, llminstrAnthropicOptions(c, opts)...)
	llminstrRT.Safe(func() {
		if err == nil && res != nil {
			u := res.Usage
			llminstrAnthropicResponse(c, res.ID, string(res.Model), string(res.StopReason),
				llminstrRT.UsageWithCache(u.InputTokens, u.OutputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens), res.RawJSON(), res.Content)
		}
	})
	c.EndWithErrorType(err, llminstrAnthropicErrorType(err))
	return res, err
}

// llminstrAnthropicMessageNewStreaming wraps (*MessageService).NewStreaming.
// The span ends when the stream is drained, fails or is closed, when its
// context ends, or when it is garbage collected.
func llminstrAnthropicMessageNewStreaming(
	call func(llminstrContext.Context, llminstrAnthropic.MessageNewParams, ...llminstrOption.RequestOption) *llminstrSSE.Stream[llminstrAnthropic.MessageStreamEventUnion],
	ctx llminstrContext.Context, body llminstrAnthropic.MessageNewParams, opts ...llminstrOption.RequestOption,
) *llminstrSSE.Stream[llminstrAnthropic.MessageStreamEventUnion] {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "anthropic", string(body.Model))
	if c == nil {
		return call(ctx, body, opts...)
	}
	c.SetStreaming()
	llminstrRT.Safe(func() {
		llminstrAnthropicRequest(c, body.MaxTokens, body.Temperature, body.TopP, body.TopK, body.StopSequences, body.System, body.Messages, body.Tools)
	})
	return llminstrAnthropicObserveStream(ctx, c, call(ctx, body, llminstrAnthropicOptions(c, opts)...),
		func(ev *llminstrAnthropic.MessageStreamEventUnion) llminstrAnthropicEvent {
			m, u := &ev.Message, &ev.Usage
			return llminstrAnthropicEvent{
				typ: ev.Type, id: m.ID, model: string(m.Model), index: int(ev.Index),
				start:     llminstrRT.UsageWithCache(m.Usage.InputTokens, m.Usage.OutputTokens, m.Usage.CacheReadInputTokens, m.Usage.CacheCreationInputTokens),
				blockType: ev.ContentBlock.Type, blockID: ev.ContentBlock.ID, blockName: ev.ContentBlock.Name,
				deltaType: ev.Delta.Type, text: ev.Delta.Text, partialJSON: ev.Delta.PartialJSON, thinking: ev.Delta.Thinking,
				stopReason: string(ev.Delta.StopReason),
				delta:      llminstrRT.UsageWithCache(u.InputTokens, u.OutputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens),
			}
		})
}

// llminstrAnthropicBetaMessageNewStreaming wraps
// (*BetaMessageService).NewStreaming.
func llminstrAnthropicBetaMessageNewStreaming(
	call func(llminstrContext.Context, llminstrAnthropic.BetaMessageNewParams, ...llminstrOption.RequestOption) *llminstrSSE.Stream[llminstrAnthropic.BetaRawMessageStreamEventUnion],
	ctx llminstrContext.Context, body llminstrAnthropic.BetaMessageNewParams, opts ...llminstrOption.RequestOption,
) *llminstrSSE.Stream[llminstrAnthropic.BetaRawMessageStreamEventUnion] {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "anthropic", string(body.Model))
	if c == nil {
		return call(ctx, body, opts...)
	}
	c.SetStreaming()
	llminstrRT.Safe(func() {
		llminstrAnthropicRequest(c, body.MaxTokens, body.Temperature, body.TopP, body.TopK, body.StopSequences, body.System, body.Messages, body.Tools)
	})
	return llminstrAnthropicObserveStream(ctx, c, call(ctx, body, llminstrAnthropicOptions(c, opts)...),
		func(ev *llminstrAnthropic.BetaRawMessageStreamEventUnion) llminstrAnthropicEvent {
			m, u := &ev.Message, &ev.Usage
			return llminstrAnthropicEvent{
				typ: ev.Type, id: m.ID, model: string(m.Model), index: int(ev.Index),
				start:     llminstrRT.UsageWithCache(m.Usage.InputTokens, m.Usage.OutputTokens, m.Usage.CacheReadInputTokens, m.Usage.CacheCreationInputTokens),
				blockType: ev.ContentBlock.Type, blockID: ev.ContentBlock.ID, blockName: ev.ContentBlock.Name,
				deltaType: ev.Delta.Type, text: ev.Delta.Text, partialJSON: ev.Delta.PartialJSON, thinking: ev.Delta.Thinking,
				stopReason: string(ev.Delta.StopReason),
				delta:      llminstrRT.UsageWithCache(u.InputTokens, u.OutputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens),
			}
		})
}

// llminstrAnthropicEvent is what a stream event of the Messages API, or of
// its beta, tells.
type llminstrAnthropicEvent struct {
	typ, id, model                         string
	index                                  int
	start                                  llminstrRT.Usage // message_start's
	blockType, blockID, blockName          string
	deltaType, text, partialJSON, thinking string
	stopReason                             string
	delta                                  llminstrRT.Usage // message_delta's, cumulative
}

// llminstrAnthropicObserveStream returns a stream of the SDK's own type
// around a decoder that observes stream's events.
func llminstrAnthropicObserveStream[E interface{ RawJSON() string }](
	ctx llminstrContext.Context, c *llminstrRT.Call, stream *llminstrSSE.Stream[E], fields func(*E) llminstrAnthropicEvent,
) *llminstrSSE.Stream[E] {
	if stream == nil {
		c.End(nil)
		return stream
	}
	if err := stream.Err(); err != nil {
		c.EndWithErrorType(err, llminstrAnthropicErrorType(err))
		return stream
	}
	d := &llminstrAnthropicDecoder[E]{inner: stream, fields: fields, stream: llminstrRT.NewStream(ctx, c, llminstrAnthropicErrorType)}
	llminstrGoRuntime.SetFinalizer(d, func(d *llminstrAnthropicDecoder[E]) { d.stream.End(nil) })
	return llminstrSSE.NewStream[E](d, nil)
}

// llminstrAnthropicDecoder is the ssestream.Decoder behind an observed
// stream: it reads the SDK's stream and hands each event on again.
type llminstrAnthropicDecoder[E interface{ RawJSON() string }] struct {
	inner  *llminstrSSE.Stream[E]
	fields func(*E) llminstrAnthropicEvent
	stream *llminstrRT.Stream
	event  llminstrSSE.Event

	mu    llminstrSync.Mutex
	usage llminstrRT.Usage
}

func (d *llminstrAnthropicDecoder[E]) Next() bool {
	if !d.inner.Next() {
		d.stream.End(d.inner.Err())
		return false
	}
	ev := d.inner.Current()
	fields := d.observe(&ev)
	data := []byte(ev.RawJSON())
	if len(data) == 0 {
		data, _ = llminstrJSON.Marshal(ev)
	}
	d.event = llminstrSSE.Event{Type: fields.typ, Data: data}
	return true
}

// observe records what an event tells: id, model and input tokens in
// message_start, content in the block events, the stop reason and the
// cumulative output tokens in message_delta.
func (d *llminstrAnthropicDecoder[E]) observe(e *E) (ev llminstrAnthropicEvent) {
	defer llminstrRT.Recover()
	ev = d.fields(e)
	s := d.stream
	switch ev.typ {
	case "message_start":
		s.Chunk(ev.id, ev.model)
		d.mu.Lock()
		d.usage = ev.start
		d.mu.Unlock()
		s.SetUsage(ev.start)
		s.Finish(0, "")
	case "content_block_start":
		s.Chunk("", "")
		if ev.blockType == "tool_use" || ev.blockType == "server_tool_use" {
			s.AppendToolCall(0, ev.index, ev.blockID, ev.blockName, "")
		}
	case "content_block_delta":
		s.Chunk("", "")
		switch ev.deltaType {
		case "text_delta":
			s.AppendText(0, ev.text)
		case "input_json_delta":
			s.AppendToolCall(0, ev.index, "", "", ev.partialJSON)
		case "thinking_delta":
			s.AppendReasoning(0, ev.thinking)
		}
	case "message_delta":
		s.Chunk("", "")
		s.Finish(0, ev.stopReason)
		d.mu.Lock()
		// The counts are cumulative; input counts come again only in
		// newer API versions.
		d.usage.OutputTokens = ev.delta.OutputTokens
		if ev.delta.InputTokens > 0 {
			d.usage = ev.delta
		}
		u := d.usage
		d.mu.Unlock()
		s.SetUsage(u)
	}
	return ev
}

func (d *llminstrAnthropicDecoder[E]) Event() llminstrSSE.Event { return d.event }

func (d *llminstrAnthropicDecoder[E]) Err() error { return d.inner.Err() }

func (d *llminstrAnthropicDecoder[E]) Close() error {
	err := d.inner.Close()
	d.stream.End(d.inner.Err())
	return err
}

// llminstrAnthropicRequest records the request parameters of the Messages
// API or its beta, and the messages, system prompt and tools when the call
// captures content.
func llminstrAnthropicRequest(c *llminstrRT.Call, maxTokens int64, temperature, topP llminstrParam.Opt[float64], topK llminstrParam.Opt[int64], stop []string, system, messages, tools any) {
	if maxTokens != 0 {
		c.SetMaxTokens(maxTokens)
	}
	if temperature.Valid() {
		c.SetTemperature(temperature.Value)
	}
	if topP.Valid() {
		c.SetTopP(topP.Value)
	}
	if topK.Valid() {
		c.SetTopK(float64(topK.Value))
	}
	if len(stop) > 0 {
		c.SetStopSequences(stop)
	}
	if !c.CaptureContent() {
		return
	}
	if b, err := llminstrJSON.Marshal(system); err == nil {
		var blocks []struct {
			Text string `json:"text"`
		}
		llminstrJSON.Unmarshal(b, &blocks)
		var parts []llminstrRT.Part
		for _, block := range blocks {
			parts = append(parts, llminstrRT.TextPart(block.Text))
		}
		c.SetSystemInstructions(parts)
	}
	if b, err := llminstrJSON.Marshal(messages); err == nil {
		c.SetInputMessages(llminstrRT.AnthropicInput(b))
	}
	if b, err := llminstrJSON.Marshal(tools); err == nil && string(b) != "null" && string(b) != "[]" {
		c.SetToolDefinitions(llminstrRT.AnthropicTools(b))
	}
}

// llminstrAnthropicResponse records what a completed call returned: raw is
// the message's JSON, content its content blocks.
func llminstrAnthropicResponse(c *llminstrRT.Call, id, model, stopReason string, usage llminstrRT.Usage, raw string, content any) {
	c.SetResponse(id, model)
	if stopReason != "" {
		c.SetFinishReasons(stopReason)
	}
	c.SetUsage(usage)
	if c.CaptureContent() {
		var msg struct {
			Content llminstrJSON.RawMessage `json:"content"`
		}
		if llminstrJSON.Unmarshal([]byte(raw), &msg) != nil || msg.Content == nil {
			msg.Content, _ = llminstrJSON.Marshal(content)
		}
		c.SetOutputMessages(llminstrRT.AnthropicOutput(msg.Content, stopReason))
	}
}

// llminstrAnthropicOptions returns opts plus a per-request middleware that
// records the server address (host and port only) of each attempt, and the
// option that turns off the SDK's own spans where it has them, so that a
// call is traced once. The caller's slice is never modified.
func llminstrAnthropicOptions(c *llminstrRT.Call, opts []llminstrOption.RequestOption) []llminstrOption.RequestOption {
	observe := llminstrOption.WithMiddleware(func(req *llminstrHTTP.Request, next llminstrOption.MiddlewareNext) (*llminstrHTTP.Response, error) {
		llminstrRT.Safe(func() { c.SetServerURL(req.URL) })
		return next(req)
	})
	own := llminstrAnthropicWithoutOwnTracing()
	out := make([]llminstrOption.RequestOption, 0, len(opts)+1+len(own))
	out = append(out, opts...)
	out = append(out, own...)
	return append(out, observe)
}

// llminstrAnthropicErrorType maps an API error to its low-cardinality type.
func llminstrAnthropicErrorType(err error) string {
	if err == nil {
		return ""
	}
	var apiErr *llminstrAnthropic.Error
	if llminstrErrors.As(err, &apiErr) {
		if apiErr.StatusCode >= 400 {
			return llminstrRT.HTTPErrorType(apiErr.StatusCode)
		}
		// An error event inside a stream that began with 200 OK: the
		// error's own type (overloaded_error, api_error, ...), one of a
		// small set.
		var body struct {
			Error struct {
				Type string `json:"type"`
			} `json:"error"`
		}
		if llminstrJSON.Unmarshal([]byte(apiErr.RawJSON()), &body) == nil && body.Error.Type != "" {
			return body.Error.Type
		}
	}
	// Releases before rich stream errors: the event's JSON is in the message.
	if data, ok := llminstrStrings.CutPrefix(err.Error(), "received error while streaming: "); ok {
		var body struct {
			Error struct {
				Type string `json:"type"`
			} `json:"error"`
		}
		if llminstrJSON.Unmarshal([]byte(data), &body) == nil && body.Error.Type != "" {
			return body.Error.Type
		}
		return "StreamError"
	}
	return ""
}
