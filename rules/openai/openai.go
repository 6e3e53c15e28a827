// Package openai holds the adapters for github.com/openai/openai-go.
//
// The file is injected into every package that calls the SDK, with its
// package clause changed and the SDK's import path set to the major version
// the package uses. So every top-level name starts with "llminstr" and every
// import is named, to stay clear of the host package's own names.
package openai

import (
	llminstrContext "context"
	llminstrJSON "encoding/json"
	llminstrErrors "errors"
	llminstrURL "net/url"
	llminstrReflect "reflect"
	llminstrStrings "strings"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
	llminstrOpenAI "github.com/openai/openai-go/v3"
	llminstrOption "github.com/openai/openai-go/v3/option"
	llminstrSSE "github.com/openai/openai-go/v3/packages/ssestream"
	llminstrResponses "github.com/openai/openai-go/v3/responses"
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
	acc := llminstrRT.NewStream(nil, c, llminstrOpenAIErrorType)
	return llminstrOpenAIObserveStream(ctx, acc, call(ctx, body, llminstrOpenAIObserveHTTP(c, opts)...),
		func(chunk *llminstrOpenAI.ChatCompletionChunk) { llminstrOpenAIChatChunk(acc, chunk) })
}

// llminstrOpenAIChatChunk records what a chat chunk tells about the response.
func llminstrOpenAIChatChunk(acc *llminstrRT.Stream, chunk *llminstrOpenAI.ChatCompletionChunk) {
	acc.Chunk(chunk.ID, chunk.Model)
	for _, choice := range chunk.Choices {
		i := int(choice.Index)
		acc.Finish(i, choice.FinishReason)
		if acc.CaptureContent() {
			acc.AppendText(i, choice.Delta.Content)
			acc.AppendText(i, choice.Delta.Refusal)
			for _, tc := range choice.Delta.ToolCalls {
				acc.AppendToolCall(i, int(tc.Index), tc.ID, tc.Function.Name, tc.Function.Arguments)
			}
		}
	}
	if chunk.JSON.Usage.Valid() {
		acc.SetUsage(llminstrOpenAIUsage(chunk.Usage))
	}
}

// llminstrOpenAICompletionNew wraps (*CompletionService).New, the legacy
// text completions API.
func llminstrOpenAICompletionNew(
	call func(llminstrContext.Context, llminstrOpenAI.CompletionNewParams, ...llminstrOption.RequestOption) (*llminstrOpenAI.Completion, error),
	ctx llminstrContext.Context, body llminstrOpenAI.CompletionNewParams, opts ...llminstrOption.RequestOption,
) (*llminstrOpenAI.Completion, error) {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationTextCompletion, "openai", string(body.Model))
	if c == nil {
		return call(ctx, body, opts...)
	}
	llminstrRT.Safe(func() { llminstrOpenAICompletionRequest(c, &body) })
	res, err := call(ctx, body, llminstrOpenAIObserveHTTP(c, opts)...)
	llminstrRT.Safe(func() {
		if err == nil && res != nil {
			c.SetResponse(res.ID, res.Model)
			reasons := make([]string, 0, len(res.Choices))
			for _, choice := range res.Choices {
				reasons = append(reasons, string(choice.FinishReason))
			}
			c.SetFinishReasons(reasons...)
			if res.JSON.Usage.Valid() {
				c.SetUsage(llminstrOpenAIUsage(res.Usage))
			}
			if c.CaptureContent() {
				c.SetOutputMessages(llminstrRT.OpenAIChatOutput(llminstrOpenAIRawField(res.RawJSON(), "choices", res.Choices)))
			}
		}
	})
	c.EndWithErrorType(err, llminstrOpenAIErrorType(err))
	return res, err
}

// llminstrOpenAICompletionNewStreaming wraps (*CompletionService).NewStreaming.
func llminstrOpenAICompletionNewStreaming(
	call func(llminstrContext.Context, llminstrOpenAI.CompletionNewParams, ...llminstrOption.RequestOption) *llminstrSSE.Stream[llminstrOpenAI.Completion],
	ctx llminstrContext.Context, body llminstrOpenAI.CompletionNewParams, opts ...llminstrOption.RequestOption,
) *llminstrSSE.Stream[llminstrOpenAI.Completion] {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationTextCompletion, "openai", string(body.Model))
	if c == nil {
		return call(ctx, body, opts...)
	}
	c.SetStreaming()
	llminstrRT.Safe(func() { llminstrOpenAICompletionRequest(c, &body) })
	acc := llminstrRT.NewStream(nil, c, llminstrOpenAIErrorType)
	return llminstrOpenAIObserveStream(ctx, acc, call(ctx, body, llminstrOpenAIObserveHTTP(c, opts)...),
		func(chunk *llminstrOpenAI.Completion) {
			acc.Chunk(chunk.ID, chunk.Model)
			for _, choice := range chunk.Choices {
				acc.Finish(int(choice.Index), string(choice.FinishReason))
				acc.AppendText(int(choice.Index), choice.Text)
			}
			if chunk.JSON.Usage.Valid() {
				acc.SetUsage(llminstrOpenAIUsage(chunk.Usage))
			}
		})
}

func llminstrOpenAICompletionRequest(c *llminstrRT.Call, body *llminstrOpenAI.CompletionNewParams) {
	if c.CaptureContent() {
		var prompts []string
		switch {
		case body.Prompt.OfString.Valid():
			prompts = []string{body.Prompt.OfString.Value}
		case len(body.Prompt.OfArrayOfStrings) > 0:
			prompts = body.Prompt.OfArrayOfStrings
		}
		var msgs []llminstrRT.Message
		for _, p := range prompts {
			msgs = append(msgs, llminstrRT.Message{Role: "user", Parts: []llminstrRT.Part{llminstrRT.TextPart(p)}})
		}
		c.SetInputMessages(msgs)
	}
	if body.Temperature.Valid() {
		c.SetTemperature(body.Temperature.Value)
	}
	if body.TopP.Valid() {
		c.SetTopP(body.TopP.Value)
	}
	if body.MaxTokens.Valid() {
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

// llminstrOpenAIEmbeddingNew wraps (*EmbeddingService).New.
func llminstrOpenAIEmbeddingNew(
	call func(llminstrContext.Context, llminstrOpenAI.EmbeddingNewParams, ...llminstrOption.RequestOption) (*llminstrOpenAI.CreateEmbeddingResponse, error),
	ctx llminstrContext.Context, body llminstrOpenAI.EmbeddingNewParams, opts ...llminstrOption.RequestOption,
) (*llminstrOpenAI.CreateEmbeddingResponse, error) {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationEmbeddings, "openai", string(body.Model))
	if c == nil {
		return call(ctx, body, opts...)
	}
	llminstrRT.Safe(func() {
		if body.Dimensions.Valid() {
			c.SetEmbeddingDimensions(body.Dimensions.Value)
		}
		if body.EncodingFormat != "" {
			c.SetEncodingFormats(string(body.EncodingFormat))
		}
	})
	res, err := call(ctx, body, llminstrOpenAIObserveHTTP(c, opts)...)
	llminstrRT.Safe(func() {
		if err != nil || res == nil {
			return
		}
		c.SetResponse("", res.Model)
		if !body.Dimensions.Valid() && len(res.Data) > 0 && len(res.Data[0].Embedding) > 0 {
			c.SetEmbeddingDimensions(int64(len(res.Data[0].Embedding)))
		}
		if res.JSON.Usage.Valid() {
			c.SetUsage(llminstrRT.Usage{InputTokens: res.Usage.PromptTokens, NoOutput: true})
		}
	})
	c.EndWithErrorType(err, llminstrOpenAIErrorType(err))
	return res, err
}

// llminstrOpenAIResponseNew wraps (*responses.ResponseService).New.
func llminstrOpenAIResponseNew(
	call func(llminstrContext.Context, llminstrResponses.ResponseNewParams, ...llminstrOption.RequestOption) (*llminstrResponses.Response, error),
	ctx llminstrContext.Context, body llminstrResponses.ResponseNewParams, opts ...llminstrOption.RequestOption,
) (*llminstrResponses.Response, error) {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "openai", string(body.Model))
	if c == nil {
		return call(ctx, body, opts...)
	}
	llminstrRT.Safe(func() { llminstrOpenAIResponseRequest(c, &body) })
	res, err := call(ctx, body, llminstrOpenAIObserveHTTP(c, opts)...)
	llminstrRT.Safe(func() {
		if err == nil && res != nil {
			llminstrOpenAIResponseRecord(c, res)
		}
	})
	c.EndWithErrorType(err, llminstrOpenAIErrorType(err))
	return res, err
}

// llminstrOpenAIResponseNewStreaming wraps
// (*responses.ResponseService).NewStreaming: the final response, with its
// usage, arrives in the response.completed (or .incomplete, .failed) event.
func llminstrOpenAIResponseNewStreaming(
	call func(llminstrContext.Context, llminstrResponses.ResponseNewParams, ...llminstrOption.RequestOption) *llminstrSSE.Stream[llminstrResponses.ResponseStreamEventUnion],
	ctx llminstrContext.Context, body llminstrResponses.ResponseNewParams, opts ...llminstrOption.RequestOption,
) *llminstrSSE.Stream[llminstrResponses.ResponseStreamEventUnion] {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "openai", string(body.Model))
	if c == nil {
		return call(ctx, body, opts...)
	}
	c.SetStreaming()
	llminstrRT.Safe(func() { llminstrOpenAIResponseRequest(c, &body) })
	// final, id and model are written by the observer and read at the
	// end, which the stream serialises.
	var final *llminstrResponses.Response
	var id, model string
	acc := llminstrRT.NewStream(nil, c, llminstrOpenAIErrorType)
	acc.OnEnd(func(c *llminstrRT.Call, err error) {
		if final != nil {
			llminstrOpenAIResponseRecord(c, final)
			return
		}
		c.SetResponse(id, model)
		if err != nil {
			c.SetFinishReasons("error")
		}
	})
	return llminstrOpenAIObserveStream(ctx, acc, call(ctx, body, llminstrOpenAIObserveHTTP(c, opts)...),
		func(ev *llminstrResponses.ResponseStreamEventUnion) {
			switch ev.Type {
			case "response.created", "response.in_progress":
				id, model = ev.Response.ID, string(ev.Response.Model)
			case "response.completed", "response.incomplete", "response.failed":
				r := ev.Response
				final = &r
			}
		})
}

func llminstrOpenAIResponseRequest(c *llminstrRT.Call, body *llminstrResponses.ResponseNewParams) {
	if c.CaptureContent() {
		if body.Instructions.Valid() {
			c.SetSystemInstructions([]llminstrRT.Part{llminstrRT.TextPart(body.Instructions.Value)})
		}
		if body.Input.OfString.Valid() {
			c.SetInputMessages([]llminstrRT.Message{{Role: "user", Parts: []llminstrRT.Part{llminstrRT.TextPart(body.Input.OfString.Value)}}})
		}
	}
	if body.Temperature.Valid() {
		c.SetTemperature(body.Temperature.Value)
	}
	if body.TopP.Valid() {
		c.SetTopP(body.TopP.Value)
	}
	if body.MaxOutputTokens.Valid() {
		c.SetMaxTokens(body.MaxOutputTokens.Value)
	}
}

// llminstrOpenAIResponseRecord records a Responses API result. Its status
// maps to a finish reason: completed → stop, incomplete → the reason given
// (max_output_tokens → length), failed → error.
func llminstrOpenAIResponseRecord(c *llminstrRT.Call, res *llminstrResponses.Response) {
	c.SetResponse(res.ID, string(res.Model))
	switch res.Status {
	case "completed":
		c.SetFinishReasons("stop")
	case "incomplete":
		reason := string(res.IncompleteDetails.Reason)
		if reason == "max_output_tokens" {
			reason = "length"
		}
		c.SetFinishReasons(reason)
	case "failed":
		c.SetFinishReasons("error")
	}
	if res.JSON.Usage.Valid() {
		c.SetUsage(llminstrRT.Usage{
			InputTokens:           res.Usage.InputTokens,
			OutputTokens:          res.Usage.OutputTokens,
			CacheReadInputTokens:  res.Usage.InputTokensDetails.CachedTokens,
			ReasoningOutputTokens: res.Usage.OutputTokensDetails.ReasoningTokens,
		})
	}
	c.SetString("openai.response.service_tier", string(res.ServiceTier))
	if c.CaptureContent() {
		reason := "stop"
		switch res.Status {
		case "incomplete":
			reason = "length"
		case "failed":
			reason = "error"
		}
		var parts []llminstrRT.Part
		if text := res.OutputText(); text != "" {
			parts = append(parts, llminstrRT.TextPart(text))
		}
		for _, item := range res.Output {
			// Read from the raw JSON: the union's Go fields differ across
			// major versions.
			var call struct {
				Type      string `json:"type"`
				CallID    string `json:"call_id"`
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			}
			if llminstrJSON.Unmarshal([]byte(item.RawJSON()), &call) == nil && call.Type == "function_call" {
				parts = append(parts, llminstrRT.ToolCallPart(call.CallID, call.Name, call.Arguments))
			}
		}
		c.SetOutputMessages([]llminstrRT.OutputMessage{{Role: "assistant", Parts: parts, FinishReason: reason}})
	}
}

// llminstrOpenAIObserveHTTP returns opts plus an option that records the
// server the request goes to (host and port only), which also tells Azure
// OpenAI apart. It installs no middleware: openai-go replays a request's
// body on a 401 under workload identity only when no other middleware is
// installed, and an observer must not change what the SDK does. The
// caller's slice is never modified.
func llminstrOpenAIObserveHTTP(c *llminstrRT.Call, opts []llminstrOption.RequestOption) []llminstrOption.RequestOption {
	out := make([]llminstrOption.RequestOption, 0, len(opts)+1)
	out = append(out, opts...)
	if record := llminstrOpenAIRecordServer(c); record != nil {
		out = append(out, record)
	}
	return out
}

// llminstrOpenAIRecordServer returns an option that, applied after every
// other option, reads the request configuration's base URL (or its default)
// and records it as the call's server. The configuration's type is
// internal to the SDK, so it is reached through reflection on an option's
// own function type; where the layout differs, it returns nil and the
// server is not recorded.
func llminstrOpenAIRecordServer(c *llminstrRT.Call) llminstrOption.RequestOption {
	record, _ := llminstrRT.ConfigOption(llminstrOption.WithMiddleware(), func(cfg llminstrReflect.Value) bool {
		for _, field := range []string{"BaseURL", "DefaultBaseURL"} {
			f := cfg.Elem().FieldByName(field)
			if !f.IsValid() || !f.CanInterface() {
				continue
			}
			if u, ok := f.Interface().(*llminstrURL.URL); ok && u != nil {
				c.SetServerURL(u)
				break
			}
		}
		return true
	}).(llminstrOption.RequestOption)
	return record
}

// llminstrOpenAIChatRequest records the request parameters the call sets,
// and its messages and tools when the call captures content.
func llminstrOpenAIChatRequest(c *llminstrRT.Call, body *llminstrOpenAI.ChatCompletionNewParams) {
	if c.CaptureContent() {
		if b, err := llminstrJSON.Marshal(body.Messages); err == nil {
			c.SetInputMessages(llminstrRT.OpenAIChatInput(b))
		}
		if len(body.Tools) > 0 {
			if b, err := llminstrJSON.Marshal(body.Tools); err == nil {
				c.SetToolDefinitions(llminstrRT.OpenAITools(b))
			}
		}
	}
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
	switch {
	case body.ResponseFormat.OfJSONObject != nil, body.ResponseFormat.OfJSONSchema != nil:
		c.SetOutputType("json")
	case body.ResponseFormat.OfText != nil:
		c.SetOutputType("text")
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
	c.SetString("openai.response.service_tier", string(res.ServiceTier))
	c.SetString("openai.response.system_fingerprint", res.SystemFingerprint)
	if c.CaptureContent() {
		c.SetOutputMessages(llminstrRT.OpenAIChatOutput(llminstrOpenAIRawField(res.RawJSON(), "choices", res.Choices)))
	}
}

// llminstrOpenAIRawField returns the JSON of one field of a response: from
// the raw JSON the SDK decoded, or else by encoding the decoded value.
func llminstrOpenAIRawField(raw, field string, decoded any) []byte {
	if raw != "" {
		var fields map[string]llminstrJSON.RawMessage
		if llminstrJSON.Unmarshal([]byte(raw), &fields) == nil && fields[field] != nil {
			return fields[field]
		}
	}
	b, _ := llminstrJSON.Marshal(decoded)
	return b
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
	// An error event inside a stream: v3 reports it as *ssestream.StreamError,
	// v1 and v2 as a plain error, both with this message.
	if llminstrStrings.HasPrefix(err.Error(), "received error while streaming") {
		return "StreamError"
	}
	return ""
}
