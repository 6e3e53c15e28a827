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
	llminstrRT.Safe(func() { llminstrAnthropicRequest(c, &body) })
	res, err := call(ctx, body, llminstrAnthropicOptions(c, opts)...)
	llminstrRT.Safe(func() {
		if err == nil && res != nil {
			llminstrAnthropicResponse(c, res)
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
	llminstrRT.Safe(func() { llminstrAnthropicRequest(c, &body) })
	stream := call(ctx, body, llminstrAnthropicOptions(c, opts)...)
	if stream == nil {
		c.End(nil)
		return stream
	}
	if err := stream.Err(); err != nil {
		c.EndWithErrorType(err, llminstrAnthropicErrorType(err))
		return stream
	}
	d := &llminstrAnthropicDecoder{inner: stream, stream: llminstrRT.NewStream(ctx, c, llminstrAnthropicErrorType)}
	llminstrGoRuntime.SetFinalizer(d, func(d *llminstrAnthropicDecoder) { d.stream.End(nil) })
	return llminstrSSE.NewStream[llminstrAnthropic.MessageStreamEventUnion](d, nil)
}

// llminstrAnthropicDecoder is the ssestream.Decoder behind an observed
// stream: it reads the SDK's stream and hands each event on again.
type llminstrAnthropicDecoder struct {
	inner  *llminstrSSE.Stream[llminstrAnthropic.MessageStreamEventUnion]
	stream *llminstrRT.Stream
	event  llminstrSSE.Event

	mu    llminstrSync.Mutex
	usage llminstrRT.Usage
}

func (d *llminstrAnthropicDecoder) Next() bool {
	if !d.inner.Next() {
		d.stream.End(d.inner.Err())
		return false
	}
	ev := d.inner.Current()
	d.observe(&ev)
	data := []byte(ev.RawJSON())
	if len(data) == 0 {
		data, _ = llminstrJSON.Marshal(ev)
	}
	d.event = llminstrSSE.Event{Type: ev.Type, Data: data}
	return true
}

// observe records what an event tells: id, model and input tokens in
// message_start, content in the block events, the stop reason and the
// cumulative output tokens in message_delta.
func (d *llminstrAnthropicDecoder) observe(ev *llminstrAnthropic.MessageStreamEventUnion) {
	defer llminstrRT.Recover()
	s := d.stream
	switch ev.Type {
	case "message_start":
		s.Chunk(ev.Message.ID, string(ev.Message.Model))
		d.mu.Lock()
		d.usage = llminstrRT.UsageWithCache(ev.Message.Usage.InputTokens, ev.Message.Usage.OutputTokens,
			ev.Message.Usage.CacheReadInputTokens, ev.Message.Usage.CacheCreationInputTokens)
		u := d.usage
		d.mu.Unlock()
		s.SetUsage(u)
		s.Finish(0, "")
	case "content_block_start":
		s.Chunk("", "")
		if ev.ContentBlock.Type == "tool_use" || ev.ContentBlock.Type == "server_tool_use" {
			s.AppendToolCall(0, int(ev.Index), ev.ContentBlock.ID, ev.ContentBlock.Name, "")
		}
	case "content_block_delta":
		s.Chunk("", "")
		switch ev.Delta.Type {
		case "text_delta":
			s.AppendText(0, ev.Delta.Text)
		case "input_json_delta":
			s.AppendToolCall(0, int(ev.Index), "", "", ev.Delta.PartialJSON)
		case "thinking_delta":
			s.AppendReasoning(0, ev.Delta.Thinking)
		}
	case "message_delta":
		s.Chunk("", "")
		s.Finish(0, string(ev.Delta.StopReason))
		d.mu.Lock()
		// The counts are cumulative; input counts come again only in
		// newer API versions.
		d.usage.OutputTokens = ev.Usage.OutputTokens
		if ev.Usage.InputTokens > 0 || ev.Usage.CacheReadInputTokens > 0 || ev.Usage.CacheCreationInputTokens > 0 {
			d.usage = llminstrRT.UsageWithCache(ev.Usage.InputTokens, ev.Usage.OutputTokens, ev.Usage.CacheReadInputTokens, ev.Usage.CacheCreationInputTokens)
		}
		u := d.usage
		d.mu.Unlock()
		s.SetUsage(u)
	}
}

func (d *llminstrAnthropicDecoder) Event() llminstrSSE.Event { return d.event }

func (d *llminstrAnthropicDecoder) Err() error { return d.inner.Err() }

func (d *llminstrAnthropicDecoder) Close() error {
	err := d.inner.Close()
	d.stream.End(d.inner.Err())
	return err
}

// llminstrAnthropicRequest records the request parameters, and the
// messages, system prompt and tools when the call captures content.
func llminstrAnthropicRequest(c *llminstrRT.Call, body *llminstrAnthropic.MessageNewParams) {
	if body.MaxTokens != 0 {
		c.SetMaxTokens(body.MaxTokens)
	}
	if body.Temperature.Valid() {
		c.SetTemperature(body.Temperature.Value)
	}
	if body.TopP.Valid() {
		c.SetTopP(body.TopP.Value)
	}
	if body.TopK.Valid() {
		c.SetTopK(float64(body.TopK.Value))
	}
	if len(body.StopSequences) > 0 {
		c.SetStopSequences(body.StopSequences)
	}
	if !c.CaptureContent() {
		return
	}
	var system []llminstrRT.Part
	for _, block := range body.System {
		system = append(system, llminstrRT.TextPart(block.Text))
	}
	c.SetSystemInstructions(system)
	if b, err := llminstrJSON.Marshal(body.Messages); err == nil {
		c.SetInputMessages(llminstrRT.AnthropicInput(b))
	}
	if len(body.Tools) > 0 {
		if b, err := llminstrJSON.Marshal(body.Tools); err == nil {
			c.SetToolDefinitions(llminstrRT.AnthropicTools(b))
		}
	}
}

// llminstrAnthropicResponse records what a completed call returned.
func llminstrAnthropicResponse(c *llminstrRT.Call, res *llminstrAnthropic.Message) {
	c.SetResponse(res.ID, string(res.Model))
	if res.StopReason != "" {
		c.SetFinishReasons(string(res.StopReason))
	}
	c.SetUsage(llminstrRT.UsageWithCache(res.Usage.InputTokens, res.Usage.OutputTokens, res.Usage.CacheReadInputTokens, res.Usage.CacheCreationInputTokens))
	if c.CaptureContent() {
		var raw struct {
			Content llminstrJSON.RawMessage `json:"content"`
		}
		if llminstrJSON.Unmarshal([]byte(res.RawJSON()), &raw) != nil || raw.Content == nil {
			raw.Content, _ = llminstrJSON.Marshal(res.Content)
		}
		c.SetOutputMessages(llminstrRT.AnthropicOutput(raw.Content, string(res.StopReason)))
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
