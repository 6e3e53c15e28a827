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
	llminstrReflect "reflect"

	llminstrAnthropic "github.com/anthropics/anthropic-sdk-go"
	llminstrOption "github.com/anthropics/anthropic-sdk-go/option"
	llminstrParam "github.com/anthropics/anthropic-sdk-go/packages/param"
	llminstrSSE "github.com/anthropics/anthropic-sdk-go/packages/ssestream"
	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
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
	observe := llminstrAnthropicInnermost(func(req *llminstrHTTP.Request, next llminstrOption.MiddlewareNext) (*llminstrHTTP.Response, error) {
		llminstrRT.Safe(func() { c.SetServerURL(req.URL) })
		resp, err := next(req)
		// Whatever its content type says: the body's end ends the span.
		if s != nil && err == nil && resp != nil && resp.StatusCode < 300 {
			resp.Body = llminstrRT.ObserveSSE(resp.Body, s, (&llminstrRT.AnthropicStream{}).Event)
		}
		return resp, err
	})
	own := llminstrAnthropicWithoutOwnTracing()
	out := make([]llminstrOption.RequestOption, 0, len(opts)+1+len(own))
	out = append(out, opts...)
	out = append(out, own...)
	return append(out, observe)
}

// llminstrAnthropicInnermost returns an option that runs m after every
// middleware the request has, as option.WithMiddleware would, but without
// adding one to their count: m is folded into the last of them. From v1.60
// the SDK fails a request that has no credentials with "no Anthropic
// credentials found" only when at most one middleware (its own check) is
// installed, on the reasoning that another middleware may authenticate; an
// observer must not count as one, or a client without credentials would
// send its request. The request configuration's type is internal to the
// SDK, so it is reached through reflection on the option's own function
// type; where that does not find what it expects (another SDK layout, no
// middleware yet), it is option.WithMiddleware(m).
func llminstrAnthropicInnermost(m llminstrOption.Middleware) llminstrOption.RequestOption {
	plain := llminstrOption.WithMiddleware(m)
	folded, ok := llminstrRT.ConfigOption(plain, func(cfg llminstrReflect.Value) bool {
		mws := cfg.Elem().FieldByName("Middlewares")
		if mws.Kind() != llminstrReflect.Slice || mws.Len() == 0 || !mws.CanSet() {
			return false
		}
		outer, ok := mws.Index(mws.Len() - 1).Interface().(llminstrOption.Middleware)
		if !ok || outer == nil {
			return false
		}
		both := llminstrOption.Middleware(func(req *llminstrHTTP.Request, next llminstrOption.MiddlewareNext) (*llminstrHTTP.Response, error) {
			return outer(req, func(req *llminstrHTTP.Request) (*llminstrHTTP.Response, error) { return m(req, next) })
		})
		// A copy: the slice's array may be shared with other requests.
		copied := llminstrReflect.MakeSlice(mws.Type(), mws.Len(), mws.Len())
		llminstrReflect.Copy(copied, mws)
		copied.Index(mws.Len() - 1).Set(llminstrReflect.ValueOf(both))
		mws.Set(copied)
		return true
	}).(llminstrOption.RequestOption)
	if !ok {
		return plain
	}
	return folded
}

// llminstrAnthropicErrorType maps an API error to its low-cardinality type.
func llminstrAnthropicErrorType(err error) string {
	// Error events inside a stream are typed by the runtime's
	// AnthropicStream, which ends the span before the SDK reports them.
	var apiErr *llminstrAnthropic.Error
	if llminstrErrors.As(err, &apiErr) && apiErr.StatusCode >= 400 {
		return llminstrRT.HTTPErrorType(apiErr.StatusCode)
	}
	return ""
}
