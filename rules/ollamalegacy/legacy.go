// Package ollamalegacy holds the adapters for github.com/jmorganca/ollama/api,
// Ollama's client under its old module path.
//
// As with the current client, streams go through the caller's callback:
// the adapter passes a callback that observes each response and then calls
// the caller's, and the span ends when the call returns. The final response
// (Done) carries the token counts; these releases give no done reason, so
// a stream that completes finishes with "stop".
//
// The file is injected into every package that calls the SDK, with its
// package clause changed. So every top-level name starts with "llminstr" and
// every import is named.
package ollamalegacy

import (
	llminstrContext "context"
	llminstrBase64 "encoding/base64"
	llminstrErrors "errors"

	llminstrOllama "github.com/jmorganca/ollama/api"
	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
)

// llminstrOllamaLegacyChat wraps (*Client).Chat.
func llminstrOllamaLegacyChat(
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
	s := llminstrRT.NewStream(nil, c, llminstrOllamaLegacyErrorType)
	llminstrRT.Safe(func() {
		llminstrOllamaLegacyRequest(c, req.Stream, req.Options, req.Format)
		if c.CaptureContent() {
			var msgs []llminstrRT.Message
			for _, m := range req.Messages {
				msgs = append(msgs, llminstrOllamaLegacyMessage(m))
			}
			c.SetInputMessages(msgs)
		}
	})
	err := call(llminstrRT.TraceHTTP(ctx, c), req, func(res llminstrOllama.ChatResponse) error {
		llminstrOllamaLegacyObserve(s, res.Model, res.Done, res.Metrics, func() { s.AppendText(0, res.Message.Content) })
		return fn(res)
	})
	s.End(err)
	return err
}

// llminstrOllamaLegacyGenerate wraps (*Client).Generate, the completion API.
func llminstrOllamaLegacyGenerate(
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
	s := llminstrRT.NewStream(nil, c, llminstrOllamaLegacyErrorType)
	llminstrRT.Safe(func() {
		llminstrOllamaLegacyRequest(c, req.Stream, req.Options, req.Format)
		if c.CaptureContent() {
			if req.System != "" {
				c.SetSystemInstructions([]llminstrRT.Part{llminstrRT.TextPart(req.System)})
			}
			c.SetInputMessages([]llminstrRT.Message{{Role: "user", Parts: []llminstrRT.Part{llminstrRT.TextPart(req.Prompt)}}})
		}
	})
	err := call(llminstrRT.TraceHTTP(ctx, c), req, func(res llminstrOllama.GenerateResponse) error {
		llminstrOllamaLegacyObserve(s, res.Model, res.Done, res.Metrics, func() { s.AppendText(0, res.Response) })
		return fn(res)
	})
	s.End(err)
	return err
}

// llminstrOllamaLegacyEmbeddings wraps (*Client).Embeddings.
func llminstrOllamaLegacyEmbeddings(
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
	c.EndWithErrorType(err, llminstrOllamaLegacyErrorType(err))
	return res, err
}

// llminstrOllamaLegacyObserve records one response of a call; content,
// when the call captures it.
func llminstrOllamaLegacyObserve(s *llminstrRT.Stream, model string, done bool, m llminstrOllama.Metrics, content func()) {
	defer llminstrRT.Recover()
	s.Chunk("", model)
	if s.CaptureContent() {
		content()
	}
	if !done {
		s.Finish(0, "")
		return
	}
	s.Finish(0, "stop")
	s.SetUsage(llminstrRT.Usage{InputTokens: int64(m.PromptEvalCount), OutputTokens: int64(m.EvalCount)})
}

// llminstrOllamaLegacyRequest records the request parameters: streaming
// (the default) and the model options that map to GenAI attributes.
func llminstrOllamaLegacyRequest(c *llminstrRT.Call, stream *bool, options map[string]any, format string) {
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
	if format == "json" {
		c.SetOutputType("json")
	}
}

func llminstrOllamaLegacyMessage(m llminstrOllama.Message) llminstrRT.Message {
	msg := llminstrRT.Message{Role: m.Role, Parts: []llminstrRT.Part{}}
	if m.Content != "" {
		msg.Parts = append(msg.Parts, llminstrRT.TextPart(m.Content))
	}
	for _, img := range m.Images {
		msg.Parts = append(msg.Parts, llminstrRT.Part{Type: "blob", Modality: "image", Content: llminstrBase64.StdEncoding.EncodeToString(img)})
	}
	return msg
}

// llminstrOllamaLegacyErrorType maps an API error to its HTTP status type.
func llminstrOllamaLegacyErrorType(err error) string {
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
