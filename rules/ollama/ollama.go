// Package ollama holds the adapters for github.com/ollama/ollama/api.
//
// Ollama streams through the caller's callback: the adapter passes a
// callback that observes each response and then calls the caller's, and the
// span ends when the call returns. The final response (Done) carries the
// token counts and the done reason.
//
// The file is injected into every package that calls the SDK, with its
// package clause changed. So every top-level name starts with "llminstr" and
// every import is named, to stay clear of the host package's own names.
package ollama

import (
	llminstrContext "context"
	llminstrBase64 "encoding/base64"
	llminstrJSON "encoding/json"
	llminstrErrors "errors"
	llminstrHTTP "net/http"
	llminstrURL "net/url"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
	llminstrOllama "github.com/ollama/ollama/api"
)

// llminstrOllamaChat wraps (*Client).Chat.
func llminstrOllamaChat(
	call func(llminstrContext.Context, *llminstrOllama.ChatRequest, llminstrOllama.ChatResponseFunc) error,
	ctx llminstrContext.Context, req *llminstrOllama.ChatRequest, fn llminstrOllama.ChatResponseFunc,
) error {
	if req == nil || fn == nil {
		return call(ctx, req, fn) // the SDK's own behavior, uninstrumented
	}
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "ollama", req.Model)
	if c == nil {
		return call(ctx, req, fn)
	}
	s := llminstrRT.NewStream(nil, c, llminstrOllamaErrorType)
	llminstrRT.Safe(func() {
		llminstrOllamaRequest(c, req.Stream, req.Options, req.Format)
		if c.CaptureContent() {
			var msgs []llminstrRT.Message
			for _, m := range req.Messages {
				msgs = append(msgs, llminstrOllamaMessage(m))
			}
			c.SetInputMessages(msgs)
			if len(req.Tools) > 0 {
				llminstrOllamaTools(c, req.Tools)
			}
		}
	})
	err := call(llminstrRT.TraceHTTP(ctx, c), req, func(res llminstrOllama.ChatResponse) error {
		llminstrOllamaObserve(s, res.Model, res.Done, res.DoneReason, res.Metrics, func() {
			s.AppendText(0, res.Message.Content)
			s.AppendReasoning(0, llminstrOllamaThinking(&res.Message))
			for _, tc := range res.Message.ToolCalls {
				args, _ := llminstrJSON.Marshal(tc.Function.Arguments)
				s.AddToolCall(0, "", tc.Function.Name, string(args))
			}
		})
		return fn(res)
	})
	s.End(err)
	return err
}

// llminstrOllamaGenerate wraps (*Client).Generate, the completion API.
func llminstrOllamaGenerate(
	call func(llminstrContext.Context, *llminstrOllama.GenerateRequest, llminstrOllama.GenerateResponseFunc) error,
	ctx llminstrContext.Context, req *llminstrOllama.GenerateRequest, fn llminstrOllama.GenerateResponseFunc,
) error {
	if req == nil || fn == nil {
		return call(ctx, req, fn)
	}
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationTextCompletion, "ollama", req.Model)
	if c == nil {
		return call(ctx, req, fn)
	}
	s := llminstrRT.NewStream(nil, c, llminstrOllamaErrorType)
	llminstrRT.Safe(func() {
		llminstrOllamaRequest(c, req.Stream, req.Options, req.Format)
		if c.CaptureContent() {
			if req.System != "" {
				c.SetSystemInstructions([]llminstrRT.Part{llminstrRT.TextPart(req.System)})
			}
			c.SetInputMessages([]llminstrRT.Message{{Role: "user", Parts: []llminstrRT.Part{llminstrRT.TextPart(req.Prompt)}}})
		}
	})
	err := call(llminstrRT.TraceHTTP(ctx, c), req, func(res llminstrOllama.GenerateResponse) error {
		llminstrOllamaObserve(s, res.Model, res.Done, res.DoneReason, res.Metrics, func() {
			s.AppendText(0, res.Response)
			s.AppendReasoning(0, llminstrOllamaGenerateThinking(&res))
		})
		return fn(res)
	})
	s.End(err)
	return err
}

// llminstrOllamaObserve records one response of a call; content, when the
// call captures it.
func llminstrOllamaObserve(s *llminstrRT.Stream, model string, done bool, reason string, m llminstrOllama.Metrics, content func()) {
	defer llminstrRT.Recover()
	s.Chunk("", model)
	if s.CaptureContent() {
		content()
	}
	if !done {
		s.Finish(0, "")
		return
	}
	s.Finish(0, reason)
	s.SetUsage(llminstrRT.Usage{InputTokens: int64(m.PromptEvalCount), OutputTokens: int64(m.EvalCount)})
}

// llminstrOllamaRequest records the request parameters: streaming (the
// default) and the model options that map to GenAI attributes.
func llminstrOllamaRequest(c *llminstrRT.Call, stream *bool, options map[string]any, format llminstrJSON.RawMessage) {
	if stream == nil || *stream {
		c.SetStreaming()
	}
	num := func(key string) (float64, bool) {
		switch v := options[key].(type) {
		case float64:
			return v, true
		case float32:
			return float64(v), true
		case int:
			return float64(v), true
		case int64:
			return float64(v), true
		}
		return 0, false
	}
	if v, ok := num("temperature"); ok {
		c.SetTemperature(v)
	}
	if v, ok := num("top_p"); ok {
		c.SetTopP(v)
	}
	if v, ok := num("top_k"); ok {
		c.SetTopK(v)
	}
	if v, ok := num("num_predict"); ok && v > 0 {
		c.SetMaxTokens(int64(v))
	}
	if v, ok := num("seed"); ok {
		c.SetSeed(int64(v))
	}
	if v, ok := num("frequency_penalty"); ok {
		c.SetFrequencyPenalty(v)
	}
	if v, ok := num("presence_penalty"); ok {
		c.SetPresencePenalty(v)
	}
	switch stop := options["stop"].(type) {
	case []string:
		c.SetStopSequences(stop)
	case []any:
		var out []string
		for _, s := range stop {
			if str, ok := s.(string); ok {
				out = append(out, str)
			}
		}
		c.SetStopSequences(out)
	}
	if len(format) > 0 && string(format) != "null" && string(format) != `""` {
		c.SetOutputType("json")
	}
}

func llminstrOllamaMessage(m llminstrOllama.Message) llminstrRT.Message {
	msg := llminstrRT.Message{Role: m.Role, Parts: []llminstrRT.Part{}}
	if m.Role == "tool" {
		msg.Parts = append(msg.Parts, llminstrRT.ToolCallResponsePart(llminstrOllamaToolCallID(&m), m.Content))
		return msg
	}
	if thinking := llminstrOllamaThinking(&m); thinking != "" {
		msg.Parts = append(msg.Parts, llminstrRT.Part{Type: "reasoning", Content: thinking})
	}
	if m.Content != "" {
		msg.Parts = append(msg.Parts, llminstrRT.TextPart(m.Content))
	}
	for _, img := range m.Images {
		msg.Parts = append(msg.Parts, llminstrRT.Part{Type: "blob", Modality: "image", Content: llminstrBase64.StdEncoding.EncodeToString(img)})
	}
	for _, tc := range m.ToolCalls {
		args, _ := llminstrJSON.Marshal(tc.Function.Arguments)
		msg.Parts = append(msg.Parts, llminstrRT.ToolCallPart("", tc.Function.Name, string(args)))
	}
	return msg
}

func llminstrOllamaTools(c *llminstrRT.Call, tools llminstrOllama.Tools) {
	b, err := llminstrJSON.Marshal(tools)
	if err != nil {
		return
	}
	// The tools are in the OpenAI wire format.
	c.SetToolDefinitions(llminstrRT.OpenAITools(b))
}

// llminstrOllamaEmbed wraps (*Client).Embed.
func llminstrOllamaEmbed(
	call func(llminstrContext.Context, *llminstrOllama.EmbedRequest) (*llminstrOllama.EmbedResponse, error),
	ctx llminstrContext.Context, req *llminstrOllama.EmbedRequest,
) (*llminstrOllama.EmbedResponse, error) {
	if req == nil {
		return call(ctx, req)
	}
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationEmbeddings, "ollama", req.Model)
	if c == nil {
		return call(ctx, req)
	}
	res, err := call(llminstrRT.TraceHTTP(ctx, c), req)
	llminstrRT.Safe(func() {
		if err != nil || res == nil {
			return
		}
		c.SetResponse("", res.Model)
		if len(res.Embeddings) > 0 {
			c.SetEmbeddingDimensions(int64(len(res.Embeddings[0])))
		}
		if res.PromptEvalCount > 0 {
			c.SetUsage(llminstrRT.Usage{InputTokens: int64(res.PromptEvalCount), NoOutput: true})
		}
	})
	c.EndWithErrorType(err, llminstrOllamaErrorType(err))
	return res, err
}

// llminstrOllamaEmbeddings wraps Client.Embeddings, the older embeddings
// API: one prompt, one embedding, no token counts.
func llminstrOllamaEmbeddings(
	call func(llminstrContext.Context, *llminstrOllama.EmbeddingRequest) (*llminstrOllama.EmbeddingResponse, error),
	ctx llminstrContext.Context, req *llminstrOllama.EmbeddingRequest,
) (*llminstrOllama.EmbeddingResponse, error) {
	if req == nil {
		return call(ctx, req)
	}
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationEmbeddings, "ollama", req.Model)
	if c == nil {
		return call(ctx, req)
	}
	res, err := call(llminstrRT.TraceHTTP(ctx, c), req)
	llminstrRT.Safe(func() {
		if err == nil && res != nil && len(res.Embedding) > 0 {
			c.SetEmbeddingDimensions(int64(len(res.Embedding)))
		}
	})
	c.EndWithErrorType(err, llminstrOllamaErrorType(err))
	return res, err
}

// llminstrOllamaNewClient wraps NewClient: requests an HTTP client of the
// caller's own sends for an instrumented call record the server address.
func llminstrOllamaNewClient(call func(*llminstrURL.URL, *llminstrHTTP.Client) *llminstrOllama.Client, base *llminstrURL.URL, client *llminstrHTTP.Client) *llminstrOllama.Client {
	if client != nil {
		wrapped := *client
		wrapped.Transport = llminstrRT.Transport(client.Transport)
		client = &wrapped
	}
	return call(base, client)
}

// llminstrOllamaErrorType maps an API error to its low-cardinality type.
func llminstrOllamaErrorType(err error) string {
	var status llminstrOllama.StatusError
	if llminstrErrors.As(err, &status) && status.StatusCode != 0 {
		return llminstrRT.HTTPErrorType(status.StatusCode)
	}
	var statusPtr *llminstrOllama.StatusError
	if llminstrErrors.As(err, &statusPtr) && statusPtr.StatusCode != 0 {
		return llminstrRT.HTTPErrorType(statusPtr.StatusCode)
	}
	return ""
}
