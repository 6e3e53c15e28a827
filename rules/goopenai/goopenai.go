// Package goopenai holds the adapters for github.com/sashabaranov/go-openai.
//
// The SDK's streams are concrete types whose Recv and Close come from an
// embedded generic reader, so a stream cannot be handed back wrapped: the
// call that creates one attaches the span to the stream object, and the
// rewritten Recv and Close calls find it there. A stream nobody drains or
// closes ends its span when its context ends or when it is garbage
// collected.
//
// The file is injected into every package that calls the SDK, with its
// package clause changed. So every top-level name starts with "llminstr" and
// every import is named, to stay clear of the host package's own names.
package goopenai

import (
	llminstrContext "context"
	llminstrJSON "encoding/json"
	llminstrErrors "errors"
	llminstrHTTP "net/http"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
	llminstrGoOpenAI "github.com/sashabaranov/go-openai"
)

// llminstrGoOpenAIChat wraps (*Client).CreateChatCompletion: call is the
// original method value, so the receiver is evaluated where the user wrote it.
func llminstrGoOpenAIChat(
	call func(llminstrContext.Context, llminstrGoOpenAI.ChatCompletionRequest) (llminstrGoOpenAI.ChatCompletionResponse, error),
	ctx llminstrContext.Context, req llminstrGoOpenAI.ChatCompletionRequest,
) (llminstrGoOpenAI.ChatCompletionResponse, error) {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "openai", req.Model)
	if c == nil {
		return call(ctx, req)
	}
	llminstrRT.Safe(func() { llminstrGoOpenAIChatRequest(c, &req) })
	res, err := call(llminstrRT.TraceHTTP(ctx, c), req)
	llminstrRT.Safe(func() {
		if err != nil {
			return
		}
		c.SetResponse(res.ID, res.Model)
		reasons := make([]string, 0, len(res.Choices))
		for _, choice := range res.Choices {
			reasons = append(reasons, string(choice.FinishReason))
		}
		c.SetFinishReasons(reasons...)
		if u, ok := llminstrGoOpenAIUsage(res.Usage); ok {
			c.SetUsage(u)
		}
		c.SetString("openai.response.service_tier", llminstrGoOpenAIServiceTier(&res))
		c.SetString("openai.response.system_fingerprint", res.SystemFingerprint)
		if c.CaptureContent() {
			if b, err := llminstrJSON.Marshal(res.Choices); err == nil {
				c.SetOutputMessages(llminstrRT.OpenAIChatOutput(b))
			}
		}
	})
	c.EndWithErrorType(err, llminstrGoOpenAIErrorType(err))
	return res, err
}

// llminstrGoOpenAIChatStream wraps (*Client).CreateChatCompletionStream.
func llminstrGoOpenAIChatStream(
	call func(llminstrContext.Context, llminstrGoOpenAI.ChatCompletionRequest) (*llminstrGoOpenAI.ChatCompletionStream, error),
	ctx llminstrContext.Context, req llminstrGoOpenAI.ChatCompletionRequest,
) (*llminstrGoOpenAI.ChatCompletionStream, error) {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "openai", req.Model)
	if c == nil {
		return call(ctx, req)
	}
	c.SetStreaming()
	llminstrRT.Safe(func() { llminstrGoOpenAIChatRequest(c, &req) })
	stream, err := call(llminstrRT.TraceHTTP(ctx, c), req)
	if err != nil || stream == nil {
		c.EndWithErrorType(err, llminstrGoOpenAIErrorType(err))
		return stream, err
	}
	s := llminstrRT.NewStream(ctx, c, llminstrGoOpenAIErrorType)
	llminstrRT.Attach(stream, s, func(s *llminstrRT.Stream) { s.End(nil) })
	return stream, err
}

// llminstrGoOpenAIChatStreamRecv wraps (*ChatCompletionStream).Recv.
func llminstrGoOpenAIChatStreamRecv(stream *llminstrGoOpenAI.ChatCompletionStream) (llminstrGoOpenAI.ChatCompletionStreamResponse, error) {
	chunk, err := stream.Recv()
	return chunk, llminstrGoOpenAIRecv(stream, &chunk, err, llminstrGoOpenAIChatChunk)
}

// llminstrGoOpenAIRecv does, for a stream of any of the SDK's stream types,
// what its Recv adapter does after the SDK's Recv returned chunk and err:
// the chunk goes to observe, and an error (io.EOF included) ends the span
// attached to the stream. It returns err.
func llminstrGoOpenAIRecv[S, C any](stream *S, chunk *C, err error, observe func(*llminstrRT.Stream, *C)) error {
	s := llminstrRT.Attached[S, llminstrRT.Stream](stream)
	if s == nil {
		return err
	}
	if err != nil {
		llminstrRT.Detach[S, llminstrRT.Stream](stream)
		s.End(err)
		return err
	}
	observe(s, chunk)
	return err
}

// llminstrGoOpenAIClosed ends the span attached to a stream of any of the
// SDK's stream types once its Close returned err, and returns err.
func llminstrGoOpenAIClosed[S any](stream *S, err error) error {
	llminstrRT.Detach[S, llminstrRT.Stream](stream).End(nil)
	return err
}

// llminstrGoOpenAIChatChunk records what a chunk tells about the response.
func llminstrGoOpenAIChatChunk(s *llminstrRT.Stream, chunk *llminstrGoOpenAI.ChatCompletionStreamResponse) {
	defer llminstrRT.Recover()
	s.Chunk(chunk.ID, chunk.Model)
	for _, choice := range chunk.Choices {
		s.Finish(choice.Index, string(choice.FinishReason))
		if s.CaptureContent() {
			s.AppendText(choice.Index, choice.Delta.Content)
			for i, tc := range choice.Delta.ToolCalls {
				if tc.Index != nil {
					i = *tc.Index
				}
				s.AppendToolCall(choice.Index, i, tc.ID, tc.Function.Name, tc.Function.Arguments)
			}
		}
	}
	if u, ok := llminstrGoOpenAIUsage(chunk.Usage); ok {
		s.SetUsage(u)
	}
}

// llminstrGoOpenAIChatStreamClose wraps (*ChatCompletionStream).Close.
func llminstrGoOpenAIChatStreamClose(stream *llminstrGoOpenAI.ChatCompletionStream) error {
	return llminstrGoOpenAIClosed(stream, stream.Close())
}

// llminstrGoOpenAIChatRequest records the request parameters the call sets.
// The SDK omits zero values from the request, so zero means unset.
func llminstrGoOpenAIChatRequest(c *llminstrRT.Call, req *llminstrGoOpenAI.ChatCompletionRequest) {
	if c.CaptureContent() {
		// The SDK's types encode to the OpenAI wire format.
		if b, err := llminstrJSON.Marshal(req.Messages); err == nil {
			c.SetInputMessages(llminstrRT.OpenAIChatInput(b))
		}
		if len(req.Tools) > 0 {
			if b, err := llminstrJSON.Marshal(req.Tools); err == nil {
				c.SetToolDefinitions(llminstrRT.OpenAITools(b))
			}
		}
	}
	llminstrGoOpenAIParams(c, req.Temperature, req.TopP, req.FrequencyPenalty, req.PresencePenalty, req.N, req.Seed, req.Stop)
	switch {
	case req.MaxCompletionTokens != 0:
		c.SetMaxTokens(int64(req.MaxCompletionTokens))
	case req.MaxTokens != 0:
		c.SetMaxTokens(int64(req.MaxTokens))
	}
	if req.ResponseFormat != nil {
		switch req.ResponseFormat.Type {
		case llminstrGoOpenAI.ChatCompletionResponseFormatTypeJSONObject, llminstrGoOpenAI.ChatCompletionResponseFormatTypeJSONSchema:
			c.SetOutputType("json")
		case llminstrGoOpenAI.ChatCompletionResponseFormatTypeText:
			c.SetOutputType("text")
		}
	}
}

func llminstrGoOpenAIParams(c *llminstrRT.Call, temperature, topP, frequencyPenalty, presencePenalty float32, n int, seed *int, stop []string) {
	if temperature != 0 {
		c.SetTemperature(llminstrRT.Float32(temperature))
	}
	if topP != 0 {
		c.SetTopP(llminstrRT.Float32(topP))
	}
	if frequencyPenalty != 0 {
		c.SetFrequencyPenalty(llminstrRT.Float32(frequencyPenalty))
	}
	if presencePenalty != 0 {
		c.SetPresencePenalty(llminstrRT.Float32(presencePenalty))
	}
	if n != 0 {
		c.SetChoiceCount(int64(n))
	}
	if seed != nil {
		c.SetSeed(int64(*seed))
	}
	if len(stop) > 0 {
		c.SetStopSequences(stop)
	}
}

// llminstrGoOpenAICompletion wraps (*Client).CreateCompletion, the legacy
// text completions API.
func llminstrGoOpenAICompletion(
	call func(llminstrContext.Context, llminstrGoOpenAI.CompletionRequest) (llminstrGoOpenAI.CompletionResponse, error),
	ctx llminstrContext.Context, req llminstrGoOpenAI.CompletionRequest,
) (llminstrGoOpenAI.CompletionResponse, error) {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationTextCompletion, "openai", req.Model)
	if c == nil {
		return call(ctx, req)
	}
	llminstrRT.Safe(func() { llminstrGoOpenAICompletionRequest(c, &req) })
	res, err := call(llminstrRT.TraceHTTP(ctx, c), req)
	llminstrRT.Safe(func() {
		if err == nil {
			c.SetResponse(res.ID, res.Model)
			reasons := make([]string, 0, len(res.Choices))
			for _, choice := range res.Choices {
				reasons = append(reasons, choice.FinishReason)
			}
			c.SetFinishReasons(reasons...)
			if u, ok := llminstrGoOpenAIUsage(res.Usage); ok {
				c.SetUsage(u)
			}
			if c.CaptureContent() {
				if b, err := llminstrJSON.Marshal(res.Choices); err == nil {
					c.SetOutputMessages(llminstrRT.OpenAIChatOutput(b))
				}
			}
		}
	})
	c.EndWithErrorType(err, llminstrGoOpenAIErrorType(err))
	return res, err
}

// llminstrGoOpenAICompletionStream wraps (*Client).CreateCompletionStream.
func llminstrGoOpenAICompletionStream(
	call func(llminstrContext.Context, llminstrGoOpenAI.CompletionRequest) (*llminstrGoOpenAI.CompletionStream, error),
	ctx llminstrContext.Context, req llminstrGoOpenAI.CompletionRequest,
) (*llminstrGoOpenAI.CompletionStream, error) {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationTextCompletion, "openai", req.Model)
	if c == nil {
		return call(ctx, req)
	}
	c.SetStreaming()
	llminstrRT.Safe(func() { llminstrGoOpenAICompletionRequest(c, &req) })
	stream, err := call(llminstrRT.TraceHTTP(ctx, c), req)
	if err != nil || stream == nil {
		c.EndWithErrorType(err, llminstrGoOpenAIErrorType(err))
		return stream, err
	}
	s := llminstrRT.NewStream(ctx, c, llminstrGoOpenAIErrorType)
	llminstrRT.Attach(stream, s, func(s *llminstrRT.Stream) { s.End(nil) })
	return stream, err
}

// llminstrGoOpenAICompletionStreamRecv wraps (*CompletionStream).Recv.
func llminstrGoOpenAICompletionStreamRecv(stream *llminstrGoOpenAI.CompletionStream) (llminstrGoOpenAI.CompletionResponse, error) {
	chunk, err := stream.Recv()
	return chunk, llminstrGoOpenAIRecv(stream, &chunk, err, llminstrGoOpenAICompletionChunk)
}

// llminstrGoOpenAICompletionStreamClose wraps (*CompletionStream).Close.
func llminstrGoOpenAICompletionStreamClose(stream *llminstrGoOpenAI.CompletionStream) error {
	return llminstrGoOpenAIClosed(stream, stream.Close())
}

func llminstrGoOpenAICompletionRequest(c *llminstrRT.Call, req *llminstrGoOpenAI.CompletionRequest) {
	if c.CaptureContent() {
		var prompts []string
		switch p := req.Prompt.(type) {
		case string:
			prompts = []string{p}
		case []string:
			prompts = p
		}
		var msgs []llminstrRT.Message
		for _, p := range prompts {
			msgs = append(msgs, llminstrRT.Message{Role: "user", Parts: []llminstrRT.Part{llminstrRT.TextPart(p)}})
		}
		c.SetInputMessages(msgs)
	}
	llminstrGoOpenAIParams(c, req.Temperature, req.TopP, req.FrequencyPenalty, req.PresencePenalty, req.N, req.Seed, req.Stop)
	if req.MaxTokens != 0 {
		c.SetMaxTokens(int64(req.MaxTokens))
	}
}

func llminstrGoOpenAICompletionChunk(s *llminstrRT.Stream, chunk *llminstrGoOpenAI.CompletionResponse) {
	defer llminstrRT.Recover()
	s.Chunk(chunk.ID, chunk.Model)
	for _, choice := range chunk.Choices {
		s.Finish(choice.Index, choice.FinishReason)
		s.AppendText(choice.Index, choice.Text)
	}
	if u, ok := llminstrGoOpenAIUsage(chunk.Usage); ok {
		s.SetUsage(u)
	}
}

// llminstrGoOpenAIEmbeddings wraps (*Client).CreateEmbeddings.
func llminstrGoOpenAIEmbeddings(
	call func(llminstrContext.Context, llminstrGoOpenAI.EmbeddingRequestConverter) (llminstrGoOpenAI.EmbeddingResponse, error),
	ctx llminstrContext.Context, conv llminstrGoOpenAI.EmbeddingRequestConverter,
) (llminstrGoOpenAI.EmbeddingResponse, error) {
	var req llminstrGoOpenAI.EmbeddingRequest
	llminstrRT.Safe(func() {
		if conv != nil {
			req = conv.Convert()
		}
	})
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationEmbeddings, "openai", string(req.Model))
	if c == nil {
		return call(ctx, conv)
	}
	llminstrRT.Safe(func() {
		if req.Dimensions != 0 {
			c.SetEmbeddingDimensions(int64(req.Dimensions))
		}
		if req.EncodingFormat != "" {
			c.SetEncodingFormats(string(req.EncodingFormat))
		}
	})
	res, err := call(llminstrRT.TraceHTTP(ctx, c), conv)
	llminstrRT.Safe(func() {
		if err != nil {
			return
		}
		c.SetResponse("", string(res.Model))
		if req.Dimensions == 0 && len(res.Data) > 0 && len(res.Data[0].Embedding) > 0 {
			c.SetEmbeddingDimensions(int64(len(res.Data[0].Embedding)))
		}
		if u, ok := llminstrGoOpenAIUsage(res.Usage); ok {
			u.OutputTokens, u.ReasoningOutputTokens, u.NoOutput = 0, 0, true
			c.SetUsage(u)
		}
	})
	c.EndWithErrorType(err, llminstrGoOpenAIErrorType(err))
	return res, err
}

// llminstrGoOpenAIUsage reads the SDK's usage, a value in some responses and
// releases and a pointer in others.
func llminstrGoOpenAIUsage(usage any) (llminstrRT.Usage, bool) {
	var u *llminstrGoOpenAI.Usage
	switch v := usage.(type) {
	case *llminstrGoOpenAI.Usage:
		u = v
	case llminstrGoOpenAI.Usage:
		u = &v
	}
	if u == nil || (u.PromptTokens == 0 && u.CompletionTokens == 0 && u.TotalTokens == 0) {
		return llminstrRT.Usage{}, false
	}
	out := llminstrRT.Usage{InputTokens: int64(u.PromptTokens), OutputTokens: int64(u.CompletionTokens)}
	if u.PromptTokensDetails != nil {
		out.CacheReadInputTokens = int64(u.PromptTokensDetails.CachedTokens)
	}
	if u.CompletionTokensDetails != nil {
		out.ReasoningOutputTokens = int64(u.CompletionTokensDetails.ReasoningTokens)
	}
	return out, true
}

// llminstrGoOpenAINewClientWithConfig wraps NewClientWithConfig, the one way
// to give the SDK an HTTP client of one's own: requests that client sends
// for an instrumented call record the server address (host and port only).
// Clients from NewClient and NewOrgClient use net/http's transport, which
// llminstrRT.TraceHTTP observes.
func llminstrGoOpenAINewClientWithConfig(call func(llminstrGoOpenAI.ClientConfig) *llminstrGoOpenAI.Client, config llminstrGoOpenAI.ClientConfig) *llminstrGoOpenAI.Client {
	if config.HTTPClient != nil {
		config.HTTPClient = llminstrGoOpenAIDoer{config.HTTPClient}
	}
	return call(config)
}

type llminstrGoOpenAIDoer struct{ inner llminstrGoOpenAI.HTTPDoer }

func (d llminstrGoOpenAIDoer) Do(req *llminstrHTTP.Request) (*llminstrHTTP.Response, error) {
	llminstrRT.ObserveRequest(req)
	return d.inner.Do(req)
}

// llminstrGoOpenAIErrorType maps an API error to its low-cardinality type.
func llminstrGoOpenAIErrorType(err error) string {
	if err == nil {
		return ""
	}
	var apiErr *llminstrGoOpenAI.APIError
	if llminstrErrors.As(err, &apiErr) && apiErr.HTTPStatusCode != 0 {
		return llminstrRT.HTTPErrorType(apiErr.HTTPStatusCode)
	}
	var reqErr *llminstrGoOpenAI.RequestError
	if llminstrErrors.As(err, &reqErr) && reqErr.HTTPStatusCode != 0 {
		return llminstrRT.HTTPErrorType(reqErr.HTTPStatusCode)
	}
	return ""
}
