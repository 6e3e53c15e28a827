package injected

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
)

// The request and response formats the wire-level fallback reads: the
// OpenAI chat, completion, embeddings and Responses APIs (and every server
// compatible with them), Anthropic's Messages, Gemini's generateContent,
// Ollama's chat, generate and embed APIs and Cohere's v2 chat.

// wireRequest holds the fields of a request body the fallback records, in
// any of the formats.
type wireRequest struct {
	shaped bool   // see parseWireRequest
	body   []byte // the body of a Bedrock InvokeModel call, its model family's own

	Model               string          `json:"model"`
	Stream              *bool           `json:"stream"`
	Temperature         *float64        `json:"temperature"`
	TopP                *float64        `json:"top_p"`
	TopK                *float64        `json:"top_k"`
	P                   *float64        `json:"p"` // Cohere
	K                   *float64        `json:"k"` // Cohere
	MaxTokens           *int64          `json:"max_tokens"`
	MaxCompletionTokens *int64          `json:"max_completion_tokens"`
	MaxOutputTokens     *int64          `json:"max_output_tokens"`
	Stop                json.RawMessage `json:"stop"`
	StopSequences       []string        `json:"stop_sequences"`
	Seed                *int64          `json:"seed"`
	N                   *int64          `json:"n"`
	FrequencyPenalty    *float64        `json:"frequency_penalty"`
	PresencePenalty     *float64        `json:"presence_penalty"`
	ResponseFormat      json.RawMessage `json:"response_format"`
	Format              json.RawMessage `json:"format"` // Ollama
	Dimensions          *int64          `json:"dimensions"`
	EncodingFormat      string          `json:"encoding_format"`
	Messages            json.RawMessage `json:"messages"`
	System              json.RawMessage `json:"system"`
	Tools               json.RawMessage `json:"tools"`
	Prompt              json.RawMessage `json:"prompt"`
	Instructions        string          `json:"instructions"`
	Options             struct {        // Ollama
		Temperature *float64 `json:"temperature"`
		TopP        *float64 `json:"top_p"`
		TopK        *float64 `json:"top_k"`
		NumPredict  *int64   `json:"num_predict"`
		Seed        *int64   `json:"seed"`
		Stop        []string `json:"stop"`
	} `json:"options"`
	Contents         json.RawMessage `json:"contents"` // Gemini
	Content          json.RawMessage `json:"content"`
	Requests         json.RawMessage `json:"requests"`
	GenerationConfig struct {        // Gemini
		Temperature      *float64 `json:"temperature"`
		TopP             *float64 `json:"topP"`
		TopK             *float64 `json:"topK"`
		MaxOutputTokens  *int64   `json:"maxOutputTokens"`
		StopSequences    []string `json:"stopSequences"`
		Seed             *int64   `json:"seed"`
		CandidateCount   *int64   `json:"candidateCount"`
		ResponseMimeType string   `json:"responseMimeType"`
	} `json:"generationConfig"`
	InferenceConfig struct { // Bedrock Converse
		MaxTokens     *int64   `json:"maxTokens"`
		Temperature   *float64 `json:"temperature"`
		TopP          *float64 `json:"topP"`
		StopSequences []string `json:"stopSequences"`
	} `json:"inferenceConfig"`
}

// parseWireRequest reads body (nil when it could not be read) in shape's
// format. Gemini and Bedrock name the model in the path.
// It also tells whether the body has the shape of the API: a JSON object
// naming its model (Gemini names it in the path, and has contents; so does
// Bedrock, whose Converse has messages and whose InvokeModel takes any
// object).
func parseWireRequest(shape *WireShape, path string, body []byte) *wireRequest {
	r := &wireRequest{}
	if len(body) > 0 && len(body) <= maxWireBody {
		// A field of another type leaves the others read.
		if decodeLenient(body, r) {
			switch shape.format {
			case geminiFormat:
				r.shaped = r.Contents != nil
			case geminiEmbedFormat:
				r.shaped = r.Content != nil || r.Requests != nil
			case bedrockConverseFormat:
				r.shaped = r.Messages != nil
			case bedrockInvokeFormat:
				r.shaped, r.body = true, body
			default:
				r.shaped = r.Model != ""
			}
		}
	}
	if shape.format == geminiFormat || shape.format == geminiEmbedFormat {
		if i := strings.LastIndex(path, "/models/"); i >= 0 {
			model := path[i+len("/models/"):]
			if j := strings.IndexByte(model, ':'); j >= 0 {
				r.Model = model[:j]
			}
		}
	}
	if shape.Segment != "" {
		r.Model = ""
		path = strings.TrimSuffix(strings.TrimSuffix(path, "/"), shape.Suffix)
		if i := strings.Index(path, shape.Segment); i >= 0 {
			r.Model = path[i+len(shape.Segment):]
		}
	}
	return r
}

// streams reports whether the request asks for a streamed response.
func (r *wireRequest) streams(shape *WireShape, u *url.URL) bool {
	switch shape.format {
	case geminiFormat:
		return strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), ":streamGenerateContent")
	case ollamaChatFormat, ollamaGenerateFormat:
		return r.Stream == nil || *r.Stream // Ollama streams unless told not to
	case bedrockConverseFormat, bedrockInvokeFormat:
		return strings.HasSuffix(strings.TrimSuffix(u.Path, "/"), "-stream")
	}
	return r.Stream != nil && *r.Stream
}

// record sets the request's attributes on c.
func (r *wireRequest) record(c *Call, shape *WireShape) {
	defer recoverAndWarn()
	switch shape.format {
	case bedrockInvokeFormat:
		BedrockInvokeRequest(c, BedrockInvokeOperation(r.Model), r.Model, r.body)
		return
	case bedrockConverseFormat:
		r.recordConverse(c)
		return
	}
	f := func(p *float64, set func(float64)) {
		if p != nil {
			set(*p)
		}
	}
	i := func(p *int64, set func(int64)) {
		if p != nil {
			set(*p)
		}
	}
	f(r.Temperature, c.SetTemperature)
	f(r.TopP, c.SetTopP)
	f(r.TopK, c.SetTopK)
	f(r.P, c.SetTopP)
	f(r.K, c.SetTopK)
	i(r.MaxTokens, c.SetMaxTokens)
	i(r.MaxCompletionTokens, c.SetMaxTokens)
	i(r.MaxOutputTokens, c.SetMaxTokens)
	i(r.Seed, c.SetSeed)
	i(r.N, c.SetChoiceCount)
	f(r.FrequencyPenalty, c.SetFrequencyPenalty)
	f(r.PresencePenalty, c.SetPresencePenalty)
	i(r.Dimensions, c.SetEmbeddingDimensions)
	if r.EncodingFormat != "" {
		c.SetEncodingFormats(r.EncodingFormat)
	}
	if stop := stopSequences(r.Stop); len(stop) > 0 {
		c.SetStopSequences(stop)
	}
	if len(r.StopSequences) > 0 {
		c.SetStopSequences(r.StopSequences)
	}
	var format struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(r.ResponseFormat, &format) == nil && (format.Type == "json_object" || format.Type == "json_schema") {
		c.SetOutputType("json")
	}
	switch shape.format {
	case ollamaChatFormat, ollamaGenerateFormat:
		o := r.Options
		f(o.Temperature, c.SetTemperature)
		f(o.TopP, c.SetTopP)
		f(o.TopK, c.SetTopK)
		i(o.NumPredict, c.SetMaxTokens)
		i(o.Seed, c.SetSeed)
		if len(o.Stop) > 0 {
			c.SetStopSequences(o.Stop)
		}
		if len(r.Format) > 0 && string(r.Format) != `""` && string(r.Format) != "null" {
			c.SetOutputType("json")
		}
	case geminiFormat:
		g := r.GenerationConfig
		f(g.Temperature, c.SetTemperature)
		f(g.TopP, c.SetTopP)
		f(g.TopK, c.SetTopK)
		i(g.MaxOutputTokens, c.SetMaxTokens)
		i(g.Seed, c.SetSeed)
		i(g.CandidateCount, c.SetChoiceCount)
		if len(g.StopSequences) > 0 {
			c.SetStopSequences(g.StopSequences)
		}
		if g.ResponseMimeType == "application/json" {
			c.SetOutputType("json")
		}
	}
	if !c.CaptureContent() {
		return
	}
	switch shape.format {
	case openAIChatFormat:
		c.SetInputMessages(OpenAIChatInput(r.Messages))
		if len(r.Tools) > 0 {
			c.SetToolDefinitions(OpenAITools(r.Tools))
		}
	case openAICompletionFormat, ollamaGenerateFormat:
		if text := promptText(r.Prompt); text != "" {
			c.SetInputMessages([]Message{{Role: "user", Parts: []Part{TextPart(text)}}})
		}
	case anthropicFormat:
		c.SetInputMessages(AnthropicInput(r.Messages))
		if parts := anthropicSystem(r.System); len(parts) > 0 {
			c.SetSystemInstructions(parts)
		}
		if len(r.Tools) > 0 {
			c.SetToolDefinitions(AnthropicTools(r.Tools))
		}
	case ollamaChatFormat, cohereChatFormat:
		c.SetInputMessages(OpenAIChatInput(r.Messages))
	}
}

// recordConverse records a request of Bedrock's Converse API.
func (r *wireRequest) recordConverse(c *Call) {
	g := r.InferenceConfig
	if g.MaxTokens != nil {
		c.SetMaxTokens(*g.MaxTokens)
	}
	if g.Temperature != nil {
		c.SetTemperature(*g.Temperature)
	}
	if g.TopP != nil {
		c.SetTopP(*g.TopP)
	}
	if len(g.StopSequences) > 0 {
		c.SetStopSequences(g.StopSequences)
	}
	if !c.CaptureContent() {
		return
	}
	c.SetSystemInstructions(bedrockSystem(r.System))
	c.SetInputMessages(bedrockMessages(r.Messages))
}

// stopSequences reads OpenAI's stop, a string or a list of strings.
func stopSequences(raw json.RawMessage) []string {
	var one string
	if json.Unmarshal(raw, &one) == nil && one != "" {
		return []string{one}
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return many
}

func promptText(raw json.RawMessage) string {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return one
	}
	var many []string
	_ = json.Unmarshal(raw, &many)
	return strings.Join(many, "\n")
}

// anthropicSystem reads Anthropic's system, a string or text blocks.
func anthropicSystem(raw json.RawMessage) []Part {
	var one string
	if json.Unmarshal(raw, &one) == nil {
		if one == "" {
			return nil
		}
		return []Part{TextPart(one)}
	}
	var blocks []struct {
		Text string `json:"text"`
	}
	_ = json.Unmarshal(raw, &blocks)
	var parts []Part
	for _, b := range blocks {
		parts = append(parts, TextPart(b.Text))
	}
	return parts
}

// openAIUsage is the usage object of the OpenAI APIs: chat and completions
// name the counts prompt/completion, embeddings prompt/total, the Responses
// API input/output.
type openAIUsage struct {
	PromptTokens        int64 `json:"prompt_tokens"`
	CompletionTokens    int64 `json:"completion_tokens"`
	InputTokens         int64 `json:"input_tokens"`
	OutputTokens        int64 `json:"output_tokens"`
	PromptTokensDetails struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"prompt_tokens_details"`
	InputTokensDetails struct {
		CachedTokens int64 `json:"cached_tokens"`
	} `json:"input_tokens_details"`
	CompletionTokensDetails struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"completion_tokens_details"`
	OutputTokensDetails struct {
		ReasoningTokens int64 `json:"reasoning_tokens"`
	} `json:"output_tokens_details"`
}

func (u *openAIUsage) usage() Usage {
	return Usage{
		InputTokens:           u.PromptTokens + u.InputTokens,
		OutputTokens:          u.CompletionTokens + u.OutputTokens,
		CacheReadInputTokens:  u.PromptTokensDetails.CachedTokens + u.InputTokensDetails.CachedTokens,
		ReasoningOutputTokens: u.CompletionTokensDetails.ReasoningTokens + u.OutputTokensDetails.ReasoningTokens,
	}
}

// geminiResponse is a GenerateContentResponse (or one chunk of a stream).
type geminiResponse struct {
	ResponseID   string `json:"responseId"`
	ModelVersion string `json:"modelVersion"`
	Candidates   []struct {
		Index        int    `json:"index"`
		FinishReason string `json:"finishReason"`
		Content      struct {
			Role  string `json:"role"`
			Parts []struct {
				Text         string `json:"text"`
				Thought      bool   `json:"thought"`
				FunctionCall *struct {
					ID   string          `json:"id"`
					Name string          `json:"name"`
					Args json.RawMessage `json:"args"`
				} `json:"functionCall"`
			} `json:"parts"`
		} `json:"content"`
	} `json:"candidates"`
	UsageMetadata *struct {
		PromptTokenCount        int64 `json:"promptTokenCount"`
		CandidatesTokenCount    int64 `json:"candidatesTokenCount"`
		ThoughtsTokenCount      int64 `json:"thoughtsTokenCount"`
		CachedContentTokenCount int64 `json:"cachedContentTokenCount"`
	} `json:"usageMetadata"`
}

func (g *geminiResponse) usage() *Usage {
	m := g.UsageMetadata
	if m == nil {
		return nil
	}
	return &Usage{
		InputTokens:           m.PromptTokenCount,
		OutputTokens:          m.CandidatesTokenCount + m.ThoughtsTokenCount,
		CacheReadInputTokens:  m.CachedContentTokenCount,
		ReasoningOutputTokens: m.ThoughtsTokenCount,
	}
}

// geminiChunk records one response (or chunk) of Gemini on s.
func geminiChunk(s *Stream, g *geminiResponse) {
	s.Chunk(g.ResponseID, g.ModelVersion)
	for _, cand := range g.Candidates {
		s.Finish(cand.Index, strings.ToLower(cand.FinishReason))
		for _, p := range cand.Content.Parts {
			switch {
			case p.FunctionCall != nil:
				s.AddToolCall(cand.Index, p.FunctionCall.ID, p.FunctionCall.Name, string(p.FunctionCall.Args))
			case p.Thought:
				s.AppendReasoning(cand.Index, p.Text)
			default:
				s.AppendText(cand.Index, p.Text)
			}
		}
	}
	if u := g.usage(); u != nil {
		s.SetUsage(*u)
	}
}

// ollamaMessage is a chunk or response of Ollama's chat and generate APIs.
type ollamaMessage struct {
	Model   string `json:"model"`
	Message struct {
		Content   string `json:"content"`
		Thinking  string `json:"thinking"`
		ToolCalls []struct {
			Function struct {
				Name      string          `json:"name"`
				Arguments json.RawMessage `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"message"`
	Response        string `json:"response"`
	Thinking        string `json:"thinking"`
	Done            bool   `json:"done"`
	DoneReason      string `json:"done_reason"`
	PromptEvalCount int64  `json:"prompt_eval_count"`
	EvalCount       int64  `json:"eval_count"`
	Error           string `json:"error"`
}

func ollamaChunk(s *Stream, m *ollamaMessage) {
	s.Chunk("", m.Model)
	s.Finish(0, "")
	s.AppendText(0, m.Message.Content+m.Response)
	s.AppendReasoning(0, m.Message.Thinking+m.Thinking)
	for _, tc := range m.Message.ToolCalls {
		s.AddToolCall(0, "", tc.Function.Name, string(tc.Function.Arguments))
	}
	if m.Done {
		reason := m.DoneReason
		if reason == "" {
			reason = "stop"
		}
		s.Finish(0, reason)
		s.SetUsage(Usage{InputTokens: m.PromptEvalCount, OutputTokens: m.EvalCount})
	}
}

// ollamaLine reads one line of an Ollama stream.
func ollamaLine(s *Stream, line []byte) {
	var m ollamaMessage
	if json.Unmarshal(line, &m) != nil {
		return
	}
	if m.Error != "" {
		s.End(&wireStreamError{kind: "_OTHER", message: m.Error})
		return
	}
	ollamaChunk(s, &m)
}

// wireStreamError is an error reported inside a stream that began with 200
// OK.
type wireStreamError struct{ kind, message string }

func (e *wireStreamError) Error() string     { return e.message }
func (e *wireStreamError) ErrorType() string { return e.kind }

// eventHandler returns what reads the server-sent events of a response in
// the call's format.
func (w *wireCall) eventHandler() SSEHandler { return eventHandlerFor(w.shape.format) }

// eventHandlerFor returns what reads the server-sent events of a response
// in format (OpenAI's chat completions for one not known).
func eventHandlerFor(format wireFormat) SSEHandler {
	switch format {
	case anthropicFormat:
		return (&AnthropicStream{}).Event
	case geminiFormat:
		return func(s *Stream, _, data []byte) {
			var g geminiResponse
			if json.Unmarshal(data, &g) == nil {
				geminiChunk(s, &g)
			}
		}
	case openAIResponsesFormat:
		return openAIResponsesEvent
	case cohereChatFormat:
		return cohereEvent
	}
	return openAIChunkEvent
}

// cohereMessage is a response, or the delta of a stream event, of Cohere's
// v2 chat API.
type cohereMessage struct {
	ID           string `json:"id"`
	FinishReason string `json:"finish_reason"`
	Message      struct {
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
		ToolCalls []openAIToolCall `json:"tool_calls"`
	} `json:"message"`
	Usage *struct {
		Tokens struct {
			InputTokens  float64 `json:"input_tokens"`
			OutputTokens float64 `json:"output_tokens"`
		} `json:"tokens"`
	} `json:"usage"`
}

func cohereRecord(s *Stream, m *cohereMessage) {
	s.Chunk(m.ID, "")
	s.Finish(0, strings.ToLower(m.FinishReason))
	for _, c := range m.Message.Content {
		s.AppendText(0, c.Text)
	}
	for _, tc := range m.Message.ToolCalls {
		s.AddToolCall(0, tc.ID, tc.Function.Name, tc.Function.Arguments)
	}
	if m.Usage != nil {
		s.SetUsage(Usage{InputTokens: int64(m.Usage.Tokens.InputTokens), OutputTokens: int64(m.Usage.Tokens.OutputTokens)})
	}
}

// cohereEvent reads one event of a Cohere v2 chat stream: message-start
// has the id, content-delta the text, message-end the finish reason and
// the usage.
func cohereEvent(s *Stream, _, data []byte) {
	var ev struct {
		Type  string `json:"type"`
		ID    string `json:"id"`
		Delta struct {
			FinishReason string `json:"finish_reason"`
			Message      struct {
				Content struct {
					Text string `json:"text"`
				} `json:"content"`
			} `json:"message"`
			Usage json.RawMessage `json:"usage"`
		} `json:"delta"`
	}
	if json.Unmarshal(data, &ev) != nil {
		return
	}
	switch ev.Type {
	case "message-start":
		s.Chunk(ev.ID, "")
		s.Finish(0, "")
	case "content-delta":
		s.Chunk("", "")
		s.AppendText(0, ev.Delta.Message.Content.Text)
	case "message-end":
		m := &cohereMessage{FinishReason: ev.Delta.FinishReason}
		if len(ev.Delta.Usage) > 0 {
			_ = json.Unmarshal([]byte(`{"usage":`+string(ev.Delta.Usage)+`}`), m)
		}
		cohereRecord(s, m)
	}
}

// openAIChunkEvent reads one chunk of an OpenAI chat or completion stream.
func openAIChunkEvent(s *Stream, _, data []byte) {
	data = bytes.TrimSpace(data)
	if bytes.Equal(data, []byte("[DONE]")) {
		return
	}
	var ch struct {
		ID      string `json:"id"`
		Model   string `json:"model"`
		Choices []struct {
			Index int `json:"index"`
			Delta struct {
				Content          string           `json:"content"`
				ReasoningContent string           `json:"reasoning_content"`
				Refusal          string           `json:"refusal"`
				ToolCalls        []openAIToolCall `json:"tool_calls"`
			} `json:"delta"`
			Text         string  `json:"text"`
			FinishReason *string `json:"finish_reason"`
		} `json:"choices"`
		Usage *openAIUsage `json:"usage"`
		Error *struct {
			Type    string `json:"type"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(data, &ch) != nil {
		return
	}
	if ch.Error != nil {
		kind := ch.Error.Type
		if kind == "" {
			kind = "_OTHER"
		}
		s.End(&wireStreamError{kind: kind, message: ch.Error.Message})
		return
	}
	s.Chunk(ch.ID, ch.Model)
	for _, c := range ch.Choices {
		reason := ""
		if c.FinishReason != nil {
			reason = *c.FinishReason
		}
		s.Finish(c.Index, reason)
		s.AppendText(c.Index, c.Delta.Content+c.Delta.Refusal+c.Text)
		s.AppendReasoning(c.Index, c.Delta.ReasoningContent)
		for i, tc := range c.Delta.ToolCalls {
			n := i
			if tc.Index != nil {
				n = *tc.Index
			}
			s.AppendToolCall(c.Index, n, tc.ID, tc.Function.Name, tc.Function.Arguments)
		}
	}
	if ch.Usage != nil {
		s.SetUsage(ch.Usage.usage())
	}
}

// openAIResponse is a response of the Responses API.
type openAIResponse struct {
	ID     string       `json:"id"`
	Model  string       `json:"model"`
	Status string       `json:"status"`
	Usage  *openAIUsage `json:"usage"`
	Output []struct {
		Type    string `json:"type"`
		Role    string `json:"role"`
		CallID  string `json:"call_id"`
		Name    string `json:"name"`
		Args    string `json:"arguments"`
		Content []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"content"`
	} `json:"output"`
	IncompleteDetails *struct {
		Reason string `json:"reason"`
	} `json:"incomplete_details"`
}

// finishReason maps the response's status to a finish reason.
func (r *openAIResponse) finishReason() string {
	switch {
	case r.Status == "completed":
		return "stop"
	case r.IncompleteDetails != nil && r.IncompleteDetails.Reason != "":
		return r.IncompleteDetails.Reason
	}
	return r.Status
}

func openAIResponseOutput(s *Stream, r *openAIResponse) {
	s.Chunk(r.ID, r.Model)
	s.Finish(0, r.finishReason())
	for _, o := range r.Output {
		switch o.Type {
		case "message":
			for _, c := range o.Content {
				s.AppendText(0, c.Text)
			}
		case "function_call":
			s.AddToolCall(0, o.CallID, o.Name, o.Args)
		}
	}
	if r.Usage != nil {
		s.SetUsage(r.Usage.usage())
	}
}

// openAIResponsesEvent reads one event of a Responses API stream: the
// final response.completed (or .incomplete, .failed) event holds it all.
func openAIResponsesEvent(s *Stream, event, data []byte) {
	var ev struct {
		Type     string         `json:"type"`
		Response openAIResponse `json:"response"`
	}
	if json.Unmarshal(data, &ev) != nil {
		return
	}
	switch ev.Type {
	case "response.created":
		s.Chunk(ev.Response.ID, ev.Response.Model)
	case "response.output_text.delta":
		s.Chunk("", "")
	case "response.completed", "response.incomplete", "response.failed":
		openAIResponseOutput(s, &ev.Response)
	}
}

// recordWireResponse records a whole (not streamed) response body on c.
func recordWireResponse(c *Call, shape *WireShape, body []byte) {
	defer recoverAndWarn()
	// The stream's accumulation serves whole responses as one chunk; it
	// is ended by the caller, so the call is ended once.
	s := &Stream{call: c, whole: true}
	switch shape.format {
	case openAIChatFormat, openAICompletionFormat:
		var r struct {
			ID      string          `json:"id"`
			Model   string          `json:"model"`
			Choices json.RawMessage `json:"choices"`
			Usage   *openAIUsage    `json:"usage"`
		}
		if json.Unmarshal(body, &r) != nil {
			return
		}
		c.SetResponse(r.ID, r.Model)
		var choices []struct {
			FinishReason string `json:"finish_reason"`
		}
		_ = json.Unmarshal(r.Choices, &choices)
		var reasons []string
		for _, ch := range choices {
			reasons = append(reasons, ch.FinishReason)
		}
		if len(reasons) > 0 {
			c.SetFinishReasons(reasons...)
		}
		if r.Usage != nil {
			c.SetUsage(r.Usage.usage())
		}
		if c.CaptureContent() {
			c.SetOutputMessages(OpenAIChatOutput(r.Choices))
		}
		return
	case openAIEmbeddingsFormat:
		var r struct {
			Model string       `json:"model"`
			Usage *openAIUsage `json:"usage"`
		}
		if json.Unmarshal(body, &r) != nil {
			return
		}
		c.SetResponse("", r.Model)
		if r.Usage != nil {
			c.SetUsage(Usage{InputTokens: r.Usage.PromptTokens, NoOutput: true})
		}
		return
	case ollamaEmbedFormat:
		var r struct {
			Model           string `json:"model"`
			PromptEvalCount int64  `json:"prompt_eval_count"`
		}
		if json.Unmarshal(body, &r) != nil {
			return
		}
		c.SetResponse("", r.Model)
		if r.PromptEvalCount > 0 {
			c.SetUsage(Usage{InputTokens: r.PromptEvalCount, NoOutput: true})
		}
		return
	case geminiEmbedFormat:
		return
	case anthropicFormat:
		var r struct {
			ID         string          `json:"id"`
			Model      string          `json:"model"`
			StopReason string          `json:"stop_reason"`
			Content    json.RawMessage `json:"content"`
			Usage      anthropicTokens `json:"usage"`
		}
		if json.Unmarshal(body, &r) != nil {
			return
		}
		c.SetResponse(r.ID, r.Model)
		if r.StopReason != "" {
			c.SetFinishReasons(r.StopReason)
		}
		c.SetUsage(r.Usage.usage())
		if c.CaptureContent() {
			c.SetOutputMessages(AnthropicOutput(r.Content, r.StopReason))
		}
		return
	case openAIResponsesFormat:
		var r openAIResponse
		if json.Unmarshal(body, &r) != nil {
			return
		}
		openAIResponseOutput(s, &r)
	case geminiFormat:
		var g geminiResponse
		if json.Unmarshal(body, &g) != nil {
			return
		}
		geminiChunk(s, &g)
	case ollamaChatFormat, ollamaGenerateFormat:
		var m ollamaMessage
		if json.Unmarshal(body, &m) != nil {
			return
		}
		ollamaChunk(s, &m)
	case cohereChatFormat:
		var m cohereMessage
		if json.Unmarshal(body, &m) != nil {
			return
		}
		cohereRecord(s, &m)
	}
	s.record()
}

// record sets what a stream gathered on its call without ending it.
func (s *Stream) record() {
	s.mu.Lock()
	id, model, usage := s.id, s.model, s.usage
	var reasons []string
	for _, r := range s.finishes {
		if r != "" {
			reasons = append(reasons, r)
		}
	}
	var output []OutputMessage
	if s.call.CaptureContent() {
		output = s.outputMessages(s.finishes)
	}
	s.mu.Unlock()
	c := s.call
	c.SetResponse(id, model)
	if len(reasons) > 0 {
		c.SetFinishReasons(reasons...)
	}
	c.SetOutputMessages(output)
	if usage != nil {
		c.SetUsage(*usage)
	}
}
