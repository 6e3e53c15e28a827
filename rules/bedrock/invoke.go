package bedrock

// InvokeModel and InvokeModelWithResponseStream carry each model family's
// own JSON body. The bodies are read by field rather than by family: the
// families name their fields differently (Anthropic max_tokens, Titan
// textGenerationConfig.maxTokenCount, Nova inferenceConfig.max_new_tokens,
// Llama max_gen_len, Cohere p and k, ...), so one union of the fields reads
// all of them, and a body of an unknown family still gives what it shares.
// Token counts come from the response's headers, or a stream's last chunk,
// when the body has none.

import (
	llminstrContext "context"
	llminstrJSON "encoding/json"
	llminstrErrors "errors"
	llminstrHTTP "net/http"
	llminstrStrconv "strconv"
	llminstrStrings "strings"

	llminstrBedrock "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
)

// llminstrBedrockInvokeModel wraps (*Client).InvokeModel.
func llminstrBedrockInvokeModel(
	call func(llminstrContext.Context, *llminstrBedrock.InvokeModelInput, ...func(*llminstrBedrock.Options)) (*llminstrBedrock.InvokeModelOutput, error),
	ctx llminstrContext.Context, in *llminstrBedrock.InvokeModelInput, optFns ...func(*llminstrBedrock.Options),
) (*llminstrBedrock.InvokeModelOutput, error) {
	if in == nil {
		return call(ctx, in, optFns...)
	}
	model := llminstrBedrockString(in.ModelId)
	op := llminstrBedrockInvokeOperation(model)
	ctx, c := llminstrRT.StartInference(ctx, op, "aws.bedrock", model)
	if c == nil {
		return call(ctx, in, optFns...)
	}
	llminstrRT.Safe(func() { llminstrBedrockInvokeRequest(c, op, model, in.Body) })
	var tokens llminstrBedrockTokens
	out, err := call(ctx, in, llminstrBedrockOptions(c, nil, nil, &tokens, optFns)...)
	llminstrRT.Safe(func() {
		if err != nil || out == nil {
			return
		}
		if op == llminstrRT.OperationEmbeddings {
			if tokens.ok {
				c.SetUsage(llminstrRT.Usage{InputTokens: tokens.input, NoOutput: true})
			}
			llminstrBedrockEmbeddingResponse(c, out.Body)
			return
		}
		s := llminstrRT.NewStream(nil, c, nil)
		st := &llminstrBedrockInvokeState{}
		if tokens.ok {
			st.setUsage(s, llminstrRT.Usage{InputTokens: tokens.input, OutputTokens: tokens.output})
		}
		st.chunk(s, out.Body)
		// A response is a stream of one chunk; ending it ends the call.
		s.End(nil)
	})
	c.EndWithErrorType(err, llminstrBedrockErrorType(err))
	return out, err
}

// llminstrBedrockInvokeModelWithResponseStream wraps
// (*Client).InvokeModelWithResponseStream.
func llminstrBedrockInvokeModelWithResponseStream(
	call func(llminstrContext.Context, *llminstrBedrock.InvokeModelWithResponseStreamInput, ...func(*llminstrBedrock.Options)) (*llminstrBedrock.InvokeModelWithResponseStreamOutput, error),
	ctx llminstrContext.Context, in *llminstrBedrock.InvokeModelWithResponseStreamInput, optFns ...func(*llminstrBedrock.Options),
) (*llminstrBedrock.InvokeModelWithResponseStreamOutput, error) {
	if in == nil {
		return call(ctx, in, optFns...)
	}
	model := llminstrBedrockString(in.ModelId)
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "aws.bedrock", model)
	if c == nil {
		return call(ctx, in, optFns...)
	}
	c.SetStreaming()
	llminstrRT.Safe(func() { llminstrBedrockInvokeRequest(c, llminstrRT.OperationChat, model, in.Body) })
	s := llminstrRT.NewStream(ctx, c, llminstrBedrockErrorType)
	st := llminstrBedrockStreamState(model)
	out, err := call(ctx, in, llminstrBedrockOptions(c, s, st.event, nil, optFns)...)
	if err != nil {
		s.End(err)
	}
	return out, err
}

// llminstrBedrockInvokeOperation is embeddings for embedding models
// (amazon.titan-embed-*, cohere.embed-*, ...), chat for the others.
func llminstrBedrockInvokeOperation(model string) string {
	if llminstrStrings.Contains(llminstrBedrockBaseModel(model), "embed") {
		return llminstrRT.OperationEmbeddings
	}
	return llminstrRT.OperationChat
}

// llminstrBedrockBaseModel returns the foundation model a model id names:
// the last part of an ARN, without the region prefix of a cross-region
// inference profile (us., eu., apac., global., ...).
func llminstrBedrockBaseModel(model string) string {
	if i := llminstrStrings.LastIndexByte(model, '/'); i >= 0 {
		model = model[i+1:]
	}
	if prefix, rest, ok := llminstrStrings.Cut(model, "."); ok && llminstrStrings.Contains(rest, ".") {
		switch prefix {
		case "us", "eu", "apac", "global", "us-gov", "jp", "au", "ca":
			model = rest
		}
	}
	return model
}

// llminstrBedrockTokens are the token counts of a response's headers.
type llminstrBedrockTokens struct {
	input, output int64
	ok            bool
}

func (t *llminstrBedrockTokens) read(h llminstrHTTP.Header) {
	input, inErr := llminstrStrconv.ParseInt(h.Get("X-Amzn-Bedrock-Input-Token-Count"), 10, 64)
	output, outErr := llminstrStrconv.ParseInt(h.Get("X-Amzn-Bedrock-Output-Token-Count"), 10, 64)
	if inErr == nil || outErr == nil {
		t.input, t.output, t.ok = input, output, true
	}
}

// llminstrBedrockNumber is a number parameter of a body; a value that is
// not a number (null, a string) leaves it unset.
type llminstrBedrockNumber struct {
	value float64
	set   bool
}

func (n *llminstrBedrockNumber) UnmarshalJSON(b []byte) error {
	if v, err := llminstrStrconv.ParseFloat(string(b), 64); err == nil {
		n.value, n.set = v, true
	}
	return nil
}

// llminstrBedrockInvokeBody is the union of the request fields of the model
// families.
type llminstrBedrockInvokeBody struct {
	MaxTokens     llminstrBedrockNumber `json:"max_tokens"`  // Anthropic, Mistral, Cohere
	MaxGenLen     llminstrBedrockNumber `json:"max_gen_len"` // Llama
	Temperature   llminstrBedrockNumber `json:"temperature"`
	TopP          llminstrBedrockNumber `json:"top_p"`
	P             llminstrBedrockNumber `json:"p"` // Cohere
	TopK          llminstrBedrockNumber `json:"top_k"`
	K             llminstrBedrockNumber `json:"k"` // Cohere
	StopSequences []string              `json:"stop_sequences"`
	Stop          []string              `json:"stop"` // Mistral
	Seed          llminstrBedrockNumber `json:"seed"`
	// Titan
	TextGenerationConfig *struct {
		MaxTokenCount llminstrBedrockNumber `json:"maxTokenCount"`
		Temperature   llminstrBedrockNumber `json:"temperature"`
		TopP          llminstrBedrockNumber `json:"topP"`
		StopSequences []string              `json:"stopSequences"`
	} `json:"textGenerationConfig"`
	// Nova
	InferenceConfig *struct {
		MaxNewTokens  llminstrBedrockNumber `json:"max_new_tokens"`
		Temperature   llminstrBedrockNumber `json:"temperature"`
		TopP          llminstrBedrockNumber `json:"topP"`
		TopK          llminstrBedrockNumber `json:"topK"`
		StopSequences []string              `json:"stopSequences"`
	} `json:"inferenceConfig"`
	Dimensions llminstrBedrockNumber `json:"dimensions"` // Titan embeddings

	// Content: messages (Anthropic, Nova, OpenAI-style), a prompt (Llama,
	// Mistral, Cohere), inputText (Titan), message (Cohere chat).
	Messages  llminstrJSON.RawMessage `json:"messages"`
	System    llminstrJSON.RawMessage `json:"system"`
	Tools     llminstrJSON.RawMessage `json:"tools"`
	Prompt    *string                 `json:"prompt"`
	InputText *string                 `json:"inputText"`
	Message   *string                 `json:"message"`
}

// llminstrBedrockInvokeRequest records the parameters of a request body,
// and its messages when the call captures content.
func llminstrBedrockInvokeRequest(c *llminstrRT.Call, op, model string, body []byte) {
	var req llminstrBedrockInvokeBody
	if !llminstrBedrockDecode(body, &req) {
		return
	}
	if op == llminstrRT.OperationEmbeddings {
		if req.Dimensions.set {
			c.SetEmbeddingDimensions(int64(req.Dimensions.value))
		}
		return
	}
	first := func(ns ...llminstrBedrockNumber) llminstrBedrockNumber {
		for _, n := range ns {
			if n.set {
				return n
			}
		}
		return llminstrBedrockNumber{}
	}
	maxTokens, temperature, topP, topK, stop := first(req.MaxTokens, req.MaxGenLen), req.Temperature, first(req.TopP, req.P), first(req.TopK, req.K), req.StopSequences
	if len(stop) == 0 {
		stop = req.Stop
	}
	if g := req.TextGenerationConfig; g != nil {
		maxTokens, temperature, topP = first(maxTokens, g.MaxTokenCount), first(temperature, g.Temperature), first(topP, g.TopP)
		if len(stop) == 0 {
			stop = g.StopSequences
		}
	}
	if g := req.InferenceConfig; g != nil {
		maxTokens, temperature, topP, topK = first(maxTokens, g.MaxNewTokens), first(temperature, g.Temperature), first(topP, g.TopP), first(topK, g.TopK)
		if len(stop) == 0 {
			stop = g.StopSequences
		}
	}
	if maxTokens.set {
		c.SetMaxTokens(int64(maxTokens.value))
	}
	if temperature.set {
		c.SetTemperature(temperature.value)
	}
	if topP.set {
		c.SetTopP(topP.value)
	}
	if topK.set {
		c.SetTopK(topK.value)
	}
	if req.Seed.set {
		c.SetSeed(int64(req.Seed.value))
	}
	if len(stop) > 0 {
		c.SetStopSequences(stop)
	}
	if !c.CaptureContent() {
		return
	}
	anthropic := llminstrStrings.HasPrefix(llminstrBedrockBaseModel(model), "anthropic.")
	switch {
	case len(req.Messages) > 0 && anthropic:
		c.SetInputMessages(llminstrRT.AnthropicInput(req.Messages))
		if len(req.Tools) > 0 {
			c.SetToolDefinitions(llminstrRT.AnthropicTools(req.Tools))
		}
	case len(req.Messages) > 0:
		c.SetInputMessages(llminstrBedrockMessages(req.Messages))
	default:
		for _, text := range []*string{req.Prompt, req.InputText, req.Message} {
			if text != nil {
				c.SetInputMessages([]llminstrRT.Message{{Role: "user", Parts: []llminstrRT.Part{llminstrRT.TextPart(*text)}}})
				break
			}
		}
	}
	c.SetSystemInstructions(llminstrBedrockSystem(req.System))
}

// llminstrBedrockBlock is a content block of Anthropic, Nova or an
// OpenAI-style message.
type llminstrBedrockBlock struct {
	Type    string `json:"type"`
	Text    string `json:"text"`
	ToolUse *struct {
		ToolUseID string                  `json:"toolUseId"`
		Name      string                  `json:"name"`
		Input     llminstrJSON.RawMessage `json:"input"`
	} `json:"toolUse"`
	ToolResult *struct {
		ToolUseID string                  `json:"toolUseId"`
		Content   llminstrJSON.RawMessage `json:"content"`
	} `json:"toolResult"`
	Image llminstrJSON.RawMessage `json:"image"`
}

// llminstrBedrockMessages converts the messages of a Nova or an
// OpenAI-style body: content is a string or a list of blocks.
func llminstrBedrockMessages(raw []byte) []llminstrRT.Message {
	var msgs []struct {
		Role    string                  `json:"role"`
		Content llminstrJSON.RawMessage `json:"content"`
	}
	if llminstrJSON.Unmarshal(raw, &msgs) != nil {
		return nil
	}
	out := make([]llminstrRT.Message, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, llminstrRT.Message{Role: m.Role, Parts: llminstrBedrockParts(m.Content)})
	}
	return out
}

func llminstrBedrockParts(content llminstrJSON.RawMessage) []llminstrRT.Part {
	parts := []llminstrRT.Part{}
	var text string
	if llminstrJSON.Unmarshal(content, &text) == nil {
		return append(parts, llminstrRT.TextPart(text))
	}
	var blocks []llminstrBedrockBlock
	llminstrJSON.Unmarshal(content, &blocks)
	for _, b := range blocks {
		switch {
		case b.ToolUse != nil:
			parts = append(parts, llminstrRT.ToolCallPart(b.ToolUse.ToolUseID, b.ToolUse.Name, string(b.ToolUse.Input)))
		case b.ToolResult != nil:
			parts = append(parts, llminstrRT.ToolCallResponsePart(b.ToolResult.ToolUseID, string(b.ToolResult.Content)))
		case b.Image != nil || (b.Type != "" && b.Type != "text"):
			parts = append(parts, llminstrRT.Part{Type: "blob"})
		default:
			parts = append(parts, llminstrRT.TextPart(b.Text))
		}
	}
	return parts
}

// llminstrBedrockSystem converts a system prompt: a string (Anthropic) or
// a list of text blocks (Anthropic, Nova).
func llminstrBedrockSystem(raw llminstrJSON.RawMessage) []llminstrRT.Part {
	if len(raw) == 0 {
		return nil
	}
	return llminstrBedrockParts(raw)
}

// llminstrBedrockInvokeResult is the union of the response and stream
// chunk fields of the model families.
type llminstrBedrockInvokeResult struct {
	// Anthropic (a message; its stream events go to AnthropicStream)
	ID         string                    `json:"id"`
	Model      string                    `json:"model"`
	StopReason *string                   `json:"stop_reason"` // also Llama
	Content    llminstrJSON.RawMessage   `json:"content"`
	Usage      *llminstrBedrockUsageBody `json:"usage"`
	Completion *string                   `json:"completion"` // Claude's text completions

	// Nova (a response, or a stream chunk)
	Output *struct {
		Message struct {
			Content []llminstrBedrockBlock `json:"content"`
		} `json:"message"`
	} `json:"output"`
	StopReasonCamel   *string `json:"stopReason"`
	ContentBlockStart *struct {
		Start struct {
			ToolUse *struct {
				ToolUseID string `json:"toolUseId"`
				Name      string `json:"name"`
			} `json:"toolUse"`
		} `json:"start"`
		ContentBlockIndex int `json:"contentBlockIndex"`
	} `json:"contentBlockStart"`
	ContentBlockDelta *struct {
		Delta struct {
			Text    *string `json:"text"`
			ToolUse *struct {
				Input string `json:"input"`
			} `json:"toolUse"`
		} `json:"delta"`
		ContentBlockIndex int `json:"contentBlockIndex"`
	} `json:"contentBlockDelta"`
	MessageStop *struct {
		StopReason string `json:"stopReason"`
	} `json:"messageStop"`
	Metadata *struct {
		Usage *llminstrBedrockUsageBody `json:"usage"`
	} `json:"metadata"`

	// Titan
	Index                     int     `json:"index"`
	InputTextTokenCount       *int64  `json:"inputTextTokenCount"`
	OutputText                *string `json:"outputText"`
	CompletionReason          *string `json:"completionReason"`
	TotalOutputTextTokenCount *int64  `json:"totalOutputTextTokenCount"`
	Results                   []struct {
		TokenCount       int64  `json:"tokenCount"`
		OutputText       string `json:"outputText"`
		CompletionReason string `json:"completionReason"`
	} `json:"results"`

	// Llama
	Generation           *string `json:"generation"`
	PromptTokenCount     *int64  `json:"prompt_token_count"`
	GenerationTokenCount *int64  `json:"generation_token_count"`

	// Mistral, and OpenAI-style chat
	Outputs []struct {
		Text       string `json:"text"`
		StopReason string `json:"stop_reason"`
	} `json:"outputs"`
	Choices []struct {
		Index   int `json:"index"`
		Message *struct {
			Content string `json:"content"`
		} `json:"message"`
		Delta *struct {
			Content string `json:"content"`
		} `json:"delta"`
		StopReason   string `json:"stop_reason"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`

	// Cohere
	Generations []struct {
		Text         string `json:"text"`
		FinishReason string `json:"finish_reason"`
	} `json:"generations"`
	Text         *string `json:"text"`
	FinishReason *string `json:"finish_reason"`
	GenerationID string  `json:"generation_id"`
	ResponseID   string  `json:"response_id"`
	Response     *struct {
		ID string `json:"id"` // a stream's last chunk
	} `json:"response"`

	// Every family's last stream chunk.
	InvocationMetrics *struct {
		InputTokenCount  int64 `json:"inputTokenCount"`
		OutputTokenCount int64 `json:"outputTokenCount"`
	} `json:"amazon-bedrock-invocationMetrics"`
}

// llminstrBedrockUsageBody is Anthropic's (snake case) or Nova's (camel
// case) usage of a whole answer.
type llminstrBedrockUsageBody struct {
	InputTokens        int64 `json:"input_tokens"`
	OutputTokens       int64 `json:"output_tokens"`
	CacheRead          int64 `json:"cache_read_input_tokens"`
	CacheCreation      int64 `json:"cache_creation_input_tokens"`
	InputTokensCamel   int64 `json:"inputTokens"`
	OutputTokensCamel  int64 `json:"outputTokens"`
	CacheReadCamel     int64 `json:"cacheReadInputTokenCount"`
	CacheWriteCamel    int64 `json:"cacheWriteInputTokenCount"`
	CacheReadConverse  int64 `json:"cacheReadInputTokens"`
	CacheWriteConverse int64 `json:"cacheWriteInputTokens"`
}

func (u *llminstrBedrockUsageBody) usage() llminstrRT.Usage {
	return llminstrRT.UsageWithCache(u.InputTokens+u.InputTokensCamel, u.OutputTokens+u.OutputTokensCamel,
		u.CacheRead+u.CacheReadCamel+u.CacheReadConverse, u.CacheCreation+u.CacheWriteCamel+u.CacheWriteConverse)
}

// llminstrBedrockDecode decodes what it can of a JSON body: a field of an
// unexpected type is skipped, not the body.
func llminstrBedrockDecode(body []byte, v any) bool {
	err := llminstrJSON.Unmarshal(body, v)
	var typeErr *llminstrJSON.UnmarshalTypeError
	return err == nil || llminstrErrors.As(err, &typeErr)
}

// llminstrBedrockInvokeState is what a response's chunks build up.
type llminstrBedrockInvokeState struct {
	started  bool
	usage    llminstrRT.Usage
	hasUsage bool
	// anthropic reads the chunks of a stream of an Anthropic model: they
	// are the events of the Messages API.
	anthropic *llminstrRT.AnthropicStream
}

// llminstrBedrockStreamState returns the state of a stream of model.
func llminstrBedrockStreamState(model string) *llminstrBedrockInvokeState {
	st := &llminstrBedrockInvokeState{}
	if llminstrStrings.HasPrefix(llminstrBedrockBaseModel(model), "anthropic.") {
		st.anthropic = &llminstrRT.AnthropicStream{}
	}
	return st
}

func (st *llminstrBedrockInvokeState) setUsage(s *llminstrRT.Stream, u llminstrRT.Usage) {
	st.usage, st.hasUsage = u, true
	s.SetUsage(u)
}

// event records a chunk event of a stream; the body reader hands events
// over one at a time.
func (st *llminstrBedrockInvokeState) event(s *llminstrRT.Stream, kind string, payload []byte) {
	if kind != "chunk" {
		return
	}
	var part struct {
		Bytes []byte `json:"bytes"` // base64 in JSON
	}
	if llminstrJSON.Unmarshal(payload, &part) != nil {
		return
	}
	if st.anthropic != nil {
		st.anthropic.Event(s, nil, part.Bytes)
		return
	}
	st.chunk(s, part.Bytes)
}

// chunk records a response body, or one chunk of a stream, of any family.
func (st *llminstrBedrockInvokeState) chunk(s *llminstrRT.Stream, body []byte) {
	defer llminstrRT.Recover()
	var r llminstrBedrockInvokeResult
	if !llminstrBedrockDecode(body, &r) {
		return
	}
	capture := s.CaptureContent()
	text := func(index int, t string) {
		if capture {
			s.AppendText(index, t)
		}
	}
	finish := func(index int, reason *string) {
		if reason != nil && *reason != "" {
			s.Finish(index, *reason)
		}
	}
	id := r.ID
	if r.Response != nil {
		id = r.Response.ID
	}
	for _, other := range []string{r.ResponseID, r.GenerationID} {
		if id == "" {
			id = other
		}
	}
	s.Chunk(id, r.Model)
	if !st.started {
		// Choice 0 exists from the first chunk on: a stream that ends
		// before it finishes reports finish reason error.
		st.started = true
		s.Finish(0, "")
	}

	// Anthropic's message (also Nova's usage).
	if r.Usage != nil {
		st.setUsage(s, r.Usage.usage())
	}
	if len(r.Content) > 0 && capture {
		var blocks []struct {
			Type     string                  `json:"type"`
			Text     string                  `json:"text"`
			Thinking string                  `json:"thinking"`
			ID       string                  `json:"id"`
			Name     string                  `json:"name"`
			Input    llminstrJSON.RawMessage `json:"input"`
		}
		llminstrJSON.Unmarshal(r.Content, &blocks)
		for _, b := range blocks {
			switch b.Type {
			case "text":
				s.AppendText(0, b.Text)
			case "thinking":
				s.AppendReasoning(0, b.Thinking)
			case "tool_use", "server_tool_use":
				s.AddToolCall(0, b.ID, b.Name, string(b.Input))
			}
		}
	}
	if r.Completion != nil {
		text(0, *r.Completion)
	}
	finish(0, r.StopReason)

	// Nova.
	if o := r.Output; o != nil {
		for _, b := range o.Message.Content {
			switch {
			case b.ToolUse != nil && capture:
				s.AddToolCall(0, b.ToolUse.ToolUseID, b.ToolUse.Name, string(b.ToolUse.Input))
			case b.ToolUse == nil:
				text(0, b.Text)
			}
		}
	}
	finish(0, r.StopReasonCamel)
	if b := r.ContentBlockStart; b != nil && b.Start.ToolUse != nil && capture {
		s.AppendToolCall(0, b.ContentBlockIndex, b.Start.ToolUse.ToolUseID, b.Start.ToolUse.Name, "")
	}
	if d := r.ContentBlockDelta; d != nil {
		if d.Delta.Text != nil {
			text(0, *d.Delta.Text)
		}
		if d.Delta.ToolUse != nil && capture {
			s.AppendToolCall(0, d.ContentBlockIndex, "", "", d.Delta.ToolUse.Input)
		}
	}
	if m := r.MessageStop; m != nil {
		finish(0, &m.StopReason)
	}
	if m := r.Metadata; m != nil && m.Usage != nil {
		st.setUsage(s, m.Usage.usage())
	}

	// Titan.
	for i, res := range r.Results {
		text(i, res.OutputText)
		finish(i, &res.CompletionReason)
	}
	if r.OutputText != nil {
		text(r.Index, *r.OutputText)
	}
	finish(r.Index, r.CompletionReason)
	if r.InputTextTokenCount != nil {
		output := r.TotalOutputTextTokenCount
		if output == nil && len(r.Results) > 0 {
			output = &r.Results[0].TokenCount
		}
		if output != nil {
			st.setUsage(s, llminstrRT.Usage{InputTokens: *r.InputTextTokenCount, OutputTokens: *output})
		}
	}

	// Llama.
	if r.Generation != nil {
		text(0, *r.Generation)
	}
	// A stream's first chunk has the prompt's count; the generation's is
	// cumulative.
	if r.PromptTokenCount != nil || r.GenerationTokenCount != nil {
		u := st.usage
		if r.PromptTokenCount != nil {
			u.InputTokens = *r.PromptTokenCount
		}
		if r.GenerationTokenCount != nil {
			u.OutputTokens = *r.GenerationTokenCount
		}
		st.setUsage(s, u)
	}

	// Mistral and OpenAI-style chat.
	for i, o := range r.Outputs {
		text(i, o.Text)
		finish(i, &o.StopReason)
	}
	for _, ch := range r.Choices {
		if ch.Message != nil {
			text(ch.Index, ch.Message.Content)
		}
		if ch.Delta != nil {
			text(ch.Index, ch.Delta.Content)
		}
		finish(ch.Index, &ch.StopReason)
		finish(ch.Index, &ch.FinishReason)
	}

	// Cohere.
	for i, g := range r.Generations {
		text(i, g.Text)
		finish(i, &g.FinishReason)
	}
	if r.Text != nil {
		text(0, *r.Text)
	}
	finish(0, r.FinishReason)

	// The counts Bedrock adds to a stream's last chunk, for the families
	// whose chunks have none (Mistral, Cohere).
	if m := r.InvocationMetrics; m != nil && !st.hasUsage {
		st.setUsage(s, llminstrRT.Usage{InputTokens: m.InputTokenCount, OutputTokens: m.OutputTokenCount})
	}
}

// llminstrBedrockEmbeddingResponse records the dimensions and input tokens
// of an embedding model's response: Titan's embedding and
// inputTextTokenCount, Cohere's embeddings.
func llminstrBedrockEmbeddingResponse(c *llminstrRT.Call, body []byte) {
	var r struct {
		Embedding           []float64               `json:"embedding"`
		Embeddings          llminstrJSON.RawMessage `json:"embeddings"`
		InputTextTokenCount *int64                  `json:"inputTextTokenCount"`
	}
	if !llminstrBedrockDecode(body, &r) {
		return
	}
	dims := len(r.Embedding)
	var floats [][]float64
	if dims == 0 && llminstrJSON.Unmarshal(r.Embeddings, &floats) == nil && len(floats) > 0 {
		dims = len(floats[0])
	}
	if dims > 0 {
		c.SetEmbeddingDimensions(int64(dims))
	}
	if r.InputTextTokenCount != nil {
		c.SetUsage(llminstrRT.Usage{InputTokens: *r.InputTextTokenCount, NoOutput: true})
	}
}
