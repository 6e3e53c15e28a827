// Package anthropic holds the adapters for
// github.com/anthropics/anthropic-sdk-go.
//
// Streams are observed at the HTTP level: a per-request middleware wraps
// the response body, and the events are read as the SDK reads the body, so
// the caller gets the SDK's own stream, untouched, and nothing is decoded
// twice that the span does not need.
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
	llminstrStrings "strings"

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
	res, err := call(ctx, body, llminstrAnthropicOptions(c, nil, opts)...)
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
	res, err := call(ctx, body, llminstrAnthropicOptions(c, nil, opts)...)
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
	s := llminstrRT.NewStream(ctx, c, llminstrAnthropicErrorType)
	return llminstrAnthropicStarted(s, call(ctx, body, llminstrAnthropicOptions(c, s, opts)...))
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
	s := llminstrRT.NewStream(ctx, c, llminstrAnthropicErrorType)
	return llminstrAnthropicStarted(s, call(ctx, body, llminstrAnthropicOptions(c, s, opts)...))
}

// llminstrAnthropicStarted ends s when the SDK returned a stream that
// failed before its body (an API error, a refused connection): the
// observer of the body ends it otherwise.
func llminstrAnthropicStarted[E any](s *llminstrRT.Stream, stream *llminstrSSE.Stream[E]) *llminstrSSE.Stream[E] {
	if stream == nil {
		s.End(nil)
	} else if err := stream.Err(); err != nil {
		s.End(err)
	}
	return stream
}

// llminstrAnthropicEvent is the part of a stream event's data the span
// needs.
type llminstrAnthropicEvent struct {
	Message struct {
		ID    string                  `json:"id"`
		Model string                  `json:"model"`
		Usage llminstrAnthropicTokens `json:"usage"`
	} `json:"message"`
	Index        int `json:"index"`
	ContentBlock struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"content_block"`
	Delta struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		PartialJSON string `json:"partial_json"`
		Thinking    string `json:"thinking"`
		StopReason  string `json:"stop_reason"`
	} `json:"delta"`
	Usage llminstrAnthropicTokens `json:"usage"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

type llminstrAnthropicTokens struct {
	InputTokens              int64 `json:"input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
}

func (t *llminstrAnthropicTokens) usage() llminstrRT.Usage {
	return llminstrRT.UsageWithCache(t.InputTokens, t.OutputTokens, t.CacheReadInputTokens, t.CacheCreationInputTokens)
}

// llminstrAnthropicObserver reads a stream's events as the SDK reads its
// body: id, model and input tokens in message_start, content in the block
// events (only when the call captures content: the other deltas are not
// even decoded), the stop reason and the cumulative output tokens in
// message_delta, and error events.
type llminstrAnthropicObserver struct {
	usage llminstrRT.Usage
}

func (o *llminstrAnthropicObserver) event(s *llminstrRT.Stream, name, data []byte) {
	switch string(name) {
	case "message_start", "content_block_start", "content_block_delta", "message_delta", "error":
	default:
		return // ping, content_block_stop, message_stop
	}
	s.Chunk("", "")
	capture := s.CaptureContent()
	if !capture && (string(name) == "content_block_start" || string(name) == "content_block_delta") {
		return
	}
	var ev llminstrAnthropicEvent
	if llminstrJSON.Unmarshal(data, &ev) != nil {
		return
	}
	switch string(name) {
	case "message_start":
		s.Chunk(ev.Message.ID, ev.Message.Model)
		o.usage = ev.Message.Usage.usage()
		s.SetUsage(o.usage)
		s.Finish(0, "")
	case "content_block_start":
		if ev.ContentBlock.Type == "tool_use" || ev.ContentBlock.Type == "server_tool_use" {
			s.AppendToolCall(0, ev.Index, ev.ContentBlock.ID, ev.ContentBlock.Name, "")
		}
	case "content_block_delta":
		switch ev.Delta.Type {
		case "text_delta":
			s.AppendText(0, ev.Delta.Text)
		case "input_json_delta":
			s.AppendToolCall(0, ev.Index, "", "", ev.Delta.PartialJSON)
		case "thinking_delta":
			s.AppendReasoning(0, ev.Delta.Thinking)
		}
	case "message_delta":
		s.Finish(0, ev.Delta.StopReason)
		// The counts are cumulative; input counts come again only in
		// newer API versions.
		if u := ev.Usage.usage(); u.InputTokens > 0 {
			o.usage = u
		} else {
			o.usage.OutputTokens = u.OutputTokens
		}
		s.SetUsage(o.usage)
	case "error":
		s.End(&llminstrAnthropicStreamError{kind: ev.Error.Type, message: ev.Error.Message})
	}
}

// llminstrAnthropicStreamError is an error event inside a stream that began
// with 200 OK; its type (overloaded_error, api_error, ...) is one of a
// small set.
type llminstrAnthropicStreamError struct{ kind, message string }

func (e *llminstrAnthropicStreamError) Error() string { return e.kind + ": " + e.message }

func (e *llminstrAnthropicStreamError) ErrorType() string {
	if e.kind == "" {
		return "StreamError"
	}
	return e.kind
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
// records the server address (host and port only) of each attempt and, for
// a stream (s not nil), observes the events of the response's body; and the
// option that turns off the SDK's own spans where it has them, so that a
// call is traced once. The caller's slice is never modified.
func llminstrAnthropicOptions(c *llminstrRT.Call, s *llminstrRT.Stream, opts []llminstrOption.RequestOption) []llminstrOption.RequestOption {
	observe := llminstrOption.WithMiddleware(func(req *llminstrHTTP.Request, next llminstrOption.MiddlewareNext) (*llminstrHTTP.Response, error) {
		llminstrRT.Safe(func() { c.SetServerURL(req.URL) })
		resp, err := next(req)
		// Whatever its content type says: the body's end ends the span.
		if s != nil && err == nil && resp != nil && resp.StatusCode < 300 {
			resp.Body = llminstrRT.ObserveSSE(resp.Body, s, (&llminstrAnthropicObserver{}).event)
		}
		return resp, err
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
