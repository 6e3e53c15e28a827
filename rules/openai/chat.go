// Package openai holds the adapters for github.com/openai/openai-go.
//
// The file is injected into every package that calls the SDK, with its
// package clause changed and the SDK's import path set to the major version
// the package uses. So every top-level name starts with "llminstr" and every
// import is named, to stay clear of the host package's own names.
package openai

import (
	llminstrContext "context"
	llminstrErrors "errors"
	llminstrHTTP "net/http"
	llminstrGoRuntime "runtime"
	llminstrSync "sync"

	llminstrRT "github.com/llminstr/llminstr/runtime"
	llminstrOpenAI "github.com/openai/openai-go/v3"
	llminstrOption "github.com/openai/openai-go/v3/option"
	llminstrSSE "github.com/openai/openai-go/v3/packages/ssestream"
)

// llminstrOpenAIChatNew wraps (*ChatCompletionService).New: call is the
// original method value, so the receiver is evaluated where the user wrote it.
func llminstrOpenAIChatNew(
	call func(llminstrContext.Context, llminstrOpenAI.ChatCompletionNewParams, ...llminstrOption.RequestOption) (*llminstrOpenAI.ChatCompletion, error),
	ctx llminstrContext.Context, body llminstrOpenAI.ChatCompletionNewParams, opts ...llminstrOption.RequestOption,
) (*llminstrOpenAI.ChatCompletion, error) {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "openai", string(body.Model))
	if c == nil {
		return call(ctx, body, opts...)
	}
	llminstrRT.Safe(func() { llminstrOpenAIChatRequest(c, &body) })
	res, err := call(ctx, body, llminstrOpenAIObserveHTTP(c, opts)...)
	llminstrRT.Safe(func() {
		if err == nil && res != nil {
			llminstrOpenAIChatResponse(c, res)
		}
	})
	c.EndWithErrorType(err, llminstrOpenAIErrorType(err))
	return res, err
}

// llminstrOpenAIChatNewStreaming wraps (*ChatCompletionService).NewStreaming.
// The returned stream is the SDK's own type; the span ends when it is
// drained, fails, is closed, its context ends, or it is garbage collected.
func llminstrOpenAIChatNewStreaming(
	call func(llminstrContext.Context, llminstrOpenAI.ChatCompletionNewParams, ...llminstrOption.RequestOption) *llminstrSSE.Stream[llminstrOpenAI.ChatCompletionChunk],
	ctx llminstrContext.Context, body llminstrOpenAI.ChatCompletionNewParams, opts ...llminstrOption.RequestOption,
) *llminstrSSE.Stream[llminstrOpenAI.ChatCompletionChunk] {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "openai", string(body.Model))
	if c == nil {
		return call(ctx, body, opts...)
	}
	c.SetStreaming()
	llminstrRT.Safe(func() { llminstrOpenAIChatRequest(c, &body) })
	stream := call(ctx, body, llminstrOpenAIObserveHTTP(c, opts)...)
	if stream == nil {
		c.End(nil)
		return stream
	}
	if err := stream.Err(); err != nil {
		c.EndWithErrorType(err, llminstrOpenAIErrorType(err))
		return stream
	}
	it := &llminstrOpenAIChatStream{inner: stream, call: c}
	it.stopAfter = llminstrContext.AfterFunc(ctx, func() { it.finish(ctx.Err()) })
	llminstrGoRuntime.SetFinalizer(it, func(it *llminstrOpenAIChatStream) { it.finish(nil) })
	return llminstrSSE.NewStreamWithBetaIterator[llminstrOpenAI.ChatCompletionChunk](it, nil)
}

// llminstrOpenAIChatStream observes a chat stream chunk by chunk and ends
// the call exactly once.
type llminstrOpenAIChatStream struct {
	inner     *llminstrSSE.Stream[llminstrOpenAI.ChatCompletionChunk]
	call      *llminstrRT.Call
	stopAfter func() bool

	mu       llminstrSync.Mutex
	done     bool
	id       string
	model    string
	finishes []string
	usage    *llminstrRT.Usage
}

func (s *llminstrOpenAIChatStream) Next() bool {
	if !s.inner.Next() {
		s.finish(s.inner.Err())
		return false
	}
	llminstrRT.Safe(func() { s.observe(s.inner.Current()) })
	return true
}

func (s *llminstrOpenAIChatStream) Current() llminstrOpenAI.ChatCompletionChunk {
	return s.inner.Current()
}

func (s *llminstrOpenAIChatStream) Err() error { return s.inner.Err() }

func (s *llminstrOpenAIChatStream) Close() error {
	err := s.inner.Close()
	s.finish(s.inner.Err())
	return err
}

func (s *llminstrOpenAIChatStream) observe(chunk llminstrOpenAI.ChatCompletionChunk) {
	s.call.Chunk()
	s.mu.Lock()
	defer s.mu.Unlock()
	if chunk.ID != "" {
		s.id = chunk.ID
	}
	if chunk.Model != "" {
		s.model = chunk.Model
	}
	for _, choice := range chunk.Choices {
		i := int(choice.Index)
		if i < 0 || i > 1<<16 {
			continue
		}
		for len(s.finishes) <= i {
			s.finishes = append(s.finishes, "")
		}
		if choice.FinishReason != "" {
			s.finishes[i] = choice.FinishReason
		}
	}
	if chunk.JSON.Usage.Valid() {
		u := llminstrOpenAIUsage(chunk.Usage)
		s.usage = &u
	}
}

func (s *llminstrOpenAIChatStream) finish(err error) {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return
	}
	s.done = true
	id, model, finishes, usage := s.id, s.model, s.finishes, s.usage
	s.mu.Unlock()
	if s.stopAfter != nil {
		s.stopAfter()
	}
	llminstrRT.Safe(func() {
		s.call.SetResponse(id, model)
		var reasons []string
		for _, r := range finishes {
			if r != "" {
				reasons = append(reasons, r)
			}
		}
		s.call.SetFinishReasons(reasons...)
		if usage != nil {
			s.call.SetUsage(*usage)
		}
	})
	s.call.EndWithErrorType(err, llminstrOpenAIErrorType(err))
}

// llminstrOpenAIObserveHTTP returns opts plus a per-request middleware that
// records the server address (host and port only) of each attempt. The
// caller's slice is never modified.
func llminstrOpenAIObserveHTTP(c *llminstrRT.Call, opts []llminstrOption.RequestOption) []llminstrOption.RequestOption {
	observe := llminstrOption.WithMiddleware(func(req *llminstrHTTP.Request, next llminstrOption.MiddlewareNext) (*llminstrHTTP.Response, error) {
		llminstrRT.Safe(func() { c.SetServerURL(req.URL) })
		return next(req)
	})
	out := make([]llminstrOption.RequestOption, 0, len(opts)+1)
	out = append(out, opts...)
	return append(out, observe)
}

// llminstrOpenAIChatRequest records the request parameters the call sets.
func llminstrOpenAIChatRequest(c *llminstrRT.Call, body *llminstrOpenAI.ChatCompletionNewParams) {
	if body.Temperature.Valid() {
		c.SetTemperature(body.Temperature.Value)
	}
	if body.TopP.Valid() {
		c.SetTopP(body.TopP.Value)
	}
	switch {
	case body.MaxCompletionTokens.Valid():
		c.SetMaxTokens(body.MaxCompletionTokens.Value)
	case body.MaxTokens.Valid():
		c.SetMaxTokens(body.MaxTokens.Value)
	}
	if body.Seed.Valid() {
		c.SetSeed(body.Seed.Value)
	}
	if body.N.Valid() {
		c.SetChoiceCount(body.N.Value)
	}
	if body.FrequencyPenalty.Valid() {
		c.SetFrequencyPenalty(body.FrequencyPenalty.Value)
	}
	if body.PresencePenalty.Valid() {
		c.SetPresencePenalty(body.PresencePenalty.Value)
	}
	switch {
	case body.Stop.OfString.Valid():
		c.SetStopSequences([]string{body.Stop.OfString.Value})
	case len(body.Stop.OfStringArray) > 0:
		c.SetStopSequences(body.Stop.OfStringArray)
	}
}

// llminstrOpenAIChatResponse records what a completed chat call returned.
func llminstrOpenAIChatResponse(c *llminstrRT.Call, res *llminstrOpenAI.ChatCompletion) {
	c.SetResponse(res.ID, res.Model)
	reasons := make([]string, 0, len(res.Choices))
	for _, choice := range res.Choices {
		reasons = append(reasons, choice.FinishReason)
	}
	c.SetFinishReasons(reasons...)
	if res.JSON.Usage.Valid() {
		c.SetUsage(llminstrOpenAIUsage(res.Usage))
	}
}

func llminstrOpenAIUsage(u llminstrOpenAI.CompletionUsage) llminstrRT.Usage {
	return llminstrRT.Usage{
		InputTokens:           u.PromptTokens,
		OutputTokens:          u.CompletionTokens,
		CacheReadInputTokens:  u.PromptTokensDetails.CachedTokens,
		ReasoningOutputTokens: u.CompletionTokensDetails.ReasoningTokens,
	}
}

// llminstrOpenAIErrorType maps an API error to its low-cardinality type.
func llminstrOpenAIErrorType(err error) string {
	if err == nil {
		return ""
	}
	var apiErr *llminstrOpenAI.Error
	if llminstrErrors.As(err, &apiErr) {
		return llminstrRT.HTTPErrorType(apiErr.StatusCode)
	}
	var streamErr *llminstrSSE.StreamError
	if llminstrErrors.As(err, &streamErr) {
		return "StreamError"
	}
	return ""
}
