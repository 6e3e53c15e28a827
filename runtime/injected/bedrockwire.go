package injected

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Amazon Bedrock's runtime APIs: Converse and ConverseStream (one JSON
// format for every model), InvokeModel and InvokeModelWithResponseStream
// (each model family's own JSON body), and the AWS event stream framing of
// their streamed responses. The Bedrock adapters and the wire-level
// fallback both read them with what is here.

// An EventStreamFunc records what an event of an AWS event stream tells,
// given its :event-type header and its payload.
type EventStreamFunc func(s *Stream, kind string, payload []byte)

// ObserveEventStream returns a body that reads body, an AWS event stream,
// and hands each event the SDK reads to onEvent (see [ObserveBody]). An
// exception event ends the stream with its error.
func ObserveEventStream(body io.ReadCloser, s *Stream, onEvent EventStreamFunc) io.ReadCloser {
	return ObserveBody(body, s, &eventStreamFrames{onEvent: onEvent})
}

// eventStreamFrames reads along the AWS event stream frames of a
// response body as the SDK reads them: 4 bytes total length, 4 bytes
// headers length, 4 bytes prelude CRC, headers, payload, 4 bytes CRC. The
// SDK checks the CRCs.
type eventStreamFrames struct {
	onEvent EventStreamFunc
	buf     []byte
}

// maxEventStreamFrame bounds a frame, as the SDK does (16 MiB).
const maxEventStreamFrame = 16 << 20

// Feed buffers data until it holds whole frames and hands each on; a frame
// the SDK could not read either stops the reading along.
func (b *eventStreamFrames) Feed(s *Stream, data []byte) bool {
	b.buf = append(b.buf, data...)
	for len(b.buf) >= 12 {
		total := int(binary.BigEndian.Uint32(b.buf[0:4]))
		headersLen := int(binary.BigEndian.Uint32(b.buf[4:8]))
		if total < 16 || total > maxEventStreamFrame || headersLen > total-16 {
			b.buf = nil
			return false
		}
		if len(b.buf) < total {
			return true
		}
		headers := eventStreamHeaders(b.buf[12 : 12+headersLen])
		payload := b.buf[12+headersLen : total-4]
		b.event(s, headers, payload)
		b.buf = b.buf[total:]
	}
	return true
}

// Flush has nothing to do: a frame is whole or the SDK fails on it.
func (b *eventStreamFrames) Flush(*Stream) {}

// eventStreamHeaders decodes the string headers of a frame.
func eventStreamHeaders(h []byte) map[string]string {
	out := map[string]string{}
	for len(h) > 0 {
		nameLen := int(h[0])
		if len(h) < 1+nameLen+1 {
			return out
		}
		name := string(h[1 : 1+nameLen])
		kind := h[1+nameLen]
		h = h[2+nameLen:]
		size := 0
		switch kind {
		case 0, 1: // bool
		case 2:
			size = 1
		case 3:
			size = 2
		case 4:
			size = 4
		case 5, 8:
			size = 8
		case 9:
			size = 16
		case 6, 7: // bytes, string
			if len(h) < 2 {
				return out
			}
			n := int(binary.BigEndian.Uint16(h))
			if len(h) < 2+n {
				return out
			}
			if kind == 7 {
				out[name] = string(h[2 : 2+n])
			}
			h = h[2+n:]
			continue
		default:
			return out
		}
		if len(h) < size {
			return out
		}
		h = h[size:]
	}
	return out
}

// event ends the span on an exception and hands other events on.
func (b *eventStreamFrames) event(s *Stream, headers map[string]string, payload []byte) {
	if headers[":message-type"] == "exception" || headers[":message-type"] == "error" {
		kind := headers[":exception-type"]
		if kind == "" {
			kind = headers[":error-code"]
		}
		s.End(&bedrockStreamError{kind: kind, payload: string(payload)})
		return
	}
	b.onEvent(s, headers[":event-type"], payload)
}

// BedrockConverseEvent records what a ConverseStream event tells.
func BedrockConverseEvent(s *Stream, kind string, payload []byte) {
	var ev struct {
		Role              string `json:"role"`
		ContentBlockIndex int    `json:"contentBlockIndex"`
		Start             struct {
			ToolUse struct {
				ToolUseID string `json:"toolUseId"`
				Name      string `json:"name"`
			} `json:"toolUse"`
		} `json:"start"`
		Delta struct {
			Text    *string `json:"text"`
			ToolUse struct {
				Input string `json:"input"`
			} `json:"toolUse"`
			ReasoningContent struct {
				Text string `json:"text"`
			} `json:"reasoningContent"`
		} `json:"delta"`
		StopReason string `json:"stopReason"`
		Usage      *struct {
			InputTokens           int64 `json:"inputTokens"`
			OutputTokens          int64 `json:"outputTokens"`
			CacheReadInputTokens  int64 `json:"cacheReadInputTokens"`
			CacheWriteInputTokens int64 `json:"cacheWriteInputTokens"`
		} `json:"usage"`
	}
	capture := s.CaptureContent()
	if kind == "contentBlockDelta" && !capture {
		s.Chunk("", "")
		return // nothing to read in it
	}
	if json.Unmarshal(payload, &ev) != nil {
		return
	}
	switch kind {
	case "messageStart":
		s.Chunk("", "")
		s.Finish(0, "")
	case "contentBlockStart":
		if ev.Start.ToolUse.Name != "" {
			s.AppendToolCall(0, ev.ContentBlockIndex, ev.Start.ToolUse.ToolUseID, ev.Start.ToolUse.Name, "")
		}
	case "contentBlockDelta":
		s.Chunk("", "")
		if ev.Delta.Text != nil {
			s.AppendText(0, *ev.Delta.Text)
		}
		if ev.Delta.ToolUse.Input != "" {
			s.AppendToolCall(0, ev.ContentBlockIndex, "", "", ev.Delta.ToolUse.Input)
		}
		s.AppendReasoning(0, ev.Delta.ReasoningContent.Text)
	case "messageStop":
		s.Finish(0, ev.StopReason)
	case "metadata":
		if ev.Usage != nil {
			s.SetUsage(UsageWithCache(ev.Usage.InputTokens, ev.Usage.OutputTokens, ev.Usage.CacheReadInputTokens, ev.Usage.CacheWriteInputTokens))
		}
	}
}

// bedrockStreamError is an exception event inside a stream.
type bedrockStreamError struct{ kind, payload string }

func (e *bedrockStreamError) Error() string { return e.kind + ": " + e.payload }

func (e *bedrockStreamError) ErrorType() string { return e.kind }

// BedrockInvokeOperation is embeddings for embedding models
// (amazon.titan-embed-*, cohere.embed-*, ...), chat for the others.
func BedrockInvokeOperation(model string) string {
	if strings.Contains(bedrockBaseModel(model), "embed") {
		return OperationEmbeddings
	}
	return OperationChat
}

// bedrockBaseModel returns the foundation model a model id names:
// the last part of an ARN, without the region prefix of a cross-region
// inference profile (us., eu., apac., global., ...).
func bedrockBaseModel(model string) string {
	if i := strings.LastIndexByte(model, '/'); i >= 0 {
		model = model[i+1:]
	}
	if prefix, rest, ok := strings.Cut(model, "."); ok && strings.Contains(rest, ".") {
		switch prefix {
		case "us", "eu", "apac", "global", "us-gov", "jp", "au", "ca":
			model = rest
		}
	}
	return model
}

// bedrockHeaderTokens reads the token counts of a response's headers.
func bedrockHeaderTokens(h http.Header) (input, output int64, ok bool) {
	input, inErr := strconv.ParseInt(h.Get("X-Amzn-Bedrock-Input-Token-Count"), 10, 64)
	output, outErr := strconv.ParseInt(h.Get("X-Amzn-Bedrock-Output-Token-Count"), 10, 64)
	return input, output, inErr == nil || outErr == nil
}

// bedrockNumber is a number parameter of a body; a value that is
// not a number (null, a string) leaves it unset.
type bedrockNumber struct {
	value float64
	set   bool
}

func (n *bedrockNumber) UnmarshalJSON(b []byte) error {
	if v, err := strconv.ParseFloat(string(b), 64); err == nil {
		n.value, n.set = v, true
	}
	return nil
}

// bedrockInvokeBody is the union of the request fields of the model
// families.
type bedrockInvokeBody struct {
	MaxTokens     bedrockNumber `json:"max_tokens"`  // Anthropic, Mistral, Cohere
	MaxGenLen     bedrockNumber `json:"max_gen_len"` // Llama
	Temperature   bedrockNumber `json:"temperature"`
	TopP          bedrockNumber `json:"top_p"`
	P             bedrockNumber `json:"p"` // Cohere
	TopK          bedrockNumber `json:"top_k"`
	K             bedrockNumber `json:"k"` // Cohere
	StopSequences []string      `json:"stop_sequences"`
	Stop          []string      `json:"stop"` // Mistral
	Seed          bedrockNumber `json:"seed"`
	// Titan
	TextGenerationConfig *struct {
		MaxTokenCount bedrockNumber `json:"maxTokenCount"`
		Temperature   bedrockNumber `json:"temperature"`
		TopP          bedrockNumber `json:"topP"`
		StopSequences []string      `json:"stopSequences"`
	} `json:"textGenerationConfig"`
	// Nova
	InferenceConfig *struct {
		MaxNewTokens  bedrockNumber `json:"max_new_tokens"`
		Temperature   bedrockNumber `json:"temperature"`
		TopP          bedrockNumber `json:"topP"`
		TopK          bedrockNumber `json:"topK"`
		StopSequences []string      `json:"stopSequences"`
	} `json:"inferenceConfig"`
	Dimensions bedrockNumber `json:"dimensions"` // Titan embeddings

	// Content: messages (Anthropic, Nova, OpenAI-style), a prompt (Llama,
	// Mistral, Cohere), inputText (Titan), message (Cohere chat).
	Messages  json.RawMessage `json:"messages"`
	System    json.RawMessage `json:"system"`
	Tools     json.RawMessage `json:"tools"`
	Prompt    *string         `json:"prompt"`
	InputText *string         `json:"inputText"`
	Message   *string         `json:"message"`
}

// BedrockInvokeRequest records the parameters of a request body,
// and its messages when the call captures content.
func BedrockInvokeRequest(c *Call, op, model string, body []byte) {
	var req bedrockInvokeBody
	if !decodeLenient(body, &req) {
		return
	}
	if op == OperationEmbeddings {
		if req.Dimensions.set {
			c.SetEmbeddingDimensions(int64(req.Dimensions.value))
		}
		return
	}
	first := func(ns ...bedrockNumber) bedrockNumber {
		for _, n := range ns {
			if n.set {
				return n
			}
		}
		return bedrockNumber{}
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
	anthropic := strings.HasPrefix(bedrockBaseModel(model), "anthropic.")
	switch {
	case len(req.Messages) > 0 && anthropic:
		c.SetInputMessages(AnthropicInput(req.Messages))
		if len(req.Tools) > 0 {
			c.SetToolDefinitions(AnthropicTools(req.Tools))
		}
	case len(req.Messages) > 0:
		c.SetInputMessages(bedrockMessages(req.Messages))
	default:
		for _, text := range []*string{req.Prompt, req.InputText, req.Message} {
			if text != nil {
				c.SetInputMessages([]Message{{Role: "user", Parts: []Part{TextPart(*text)}}})
				break
			}
		}
	}
	c.SetSystemInstructions(bedrockSystem(req.System))
}

// bedrockBlock is a content block of Anthropic, Nova or an
// OpenAI-style message.
type bedrockBlock struct {
	Type    string `json:"type"`
	Text    string `json:"text"`
	ToolUse *struct {
		ToolUseID string          `json:"toolUseId"`
		Name      string          `json:"name"`
		Input     json.RawMessage `json:"input"`
	} `json:"toolUse"`
	ToolResult *struct {
		ToolUseID string          `json:"toolUseId"`
		Content   json.RawMessage `json:"content"`
	} `json:"toolResult"`
	Image json.RawMessage `json:"image"`
}

// bedrockMessages converts the messages of a Nova or an
// OpenAI-style body: content is a string or a list of blocks.
func bedrockMessages(raw []byte) []Message {
	var msgs []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if json.Unmarshal(raw, &msgs) != nil {
		return nil
	}
	out := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, Message{Role: m.Role, Parts: bedrockParts(m.Content)})
	}
	return out
}

func bedrockParts(content json.RawMessage) []Part {
	parts := []Part{}
	var text string
	if json.Unmarshal(content, &text) == nil {
		return append(parts, TextPart(text))
	}
	var blocks []bedrockBlock
	json.Unmarshal(content, &blocks)
	for _, b := range blocks {
		switch {
		case b.ToolUse != nil:
			parts = append(parts, ToolCallPart(b.ToolUse.ToolUseID, b.ToolUse.Name, string(b.ToolUse.Input)))
		case b.ToolResult != nil:
			parts = append(parts, ToolCallResponsePart(b.ToolResult.ToolUseID, bedrockToolResult(b.ToolResult.Content)))
		case b.Image != nil || (b.Type != "" && b.Type != "text"):
			parts = append(parts, Part{Type: "blob"})
		default:
			parts = append(parts, TextPart(b.Text))
		}
	}
	return parts
}

// bedrockToolResult is the text of a tool result's content: its text and
// JSON blocks (as the Converse adapter records them), or the content as it
// is when it is not a list of blocks.
func bedrockToolResult(content json.RawMessage) string {
	var blocks []struct {
		Text *string         `json:"text"`
		JSON json.RawMessage `json:"json"`
	}
	if json.Unmarshal(content, &blocks) != nil {
		return string(content)
	}
	var text strings.Builder
	for _, b := range blocks {
		if b.Text != nil {
			text.WriteString(*b.Text)
		}
		text.Write(b.JSON)
	}
	return text.String()
}

// bedrockSystem converts a system prompt: a string (Anthropic) or
// a list of text blocks (Anthropic, Nova).
func bedrockSystem(raw json.RawMessage) []Part {
	if len(raw) == 0 {
		return nil
	}
	return bedrockParts(raw)
}

// bedrockInvokeResult is the union of the response and stream
// chunk fields of the model families.
type bedrockInvokeResult struct {
	// Anthropic (a message; its stream events go to AnthropicStream)
	ID         string            `json:"id"`
	Model      string            `json:"model"`
	StopReason *string           `json:"stop_reason"` // also Llama
	Content    json.RawMessage   `json:"content"`
	Usage      *bedrockUsageBody `json:"usage"`
	Completion *string           `json:"completion"` // Claude's text completions

	// Nova (a response, or a stream chunk)
	Output *struct {
		Message struct {
			Content []bedrockBlock `json:"content"`
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
		Usage *bedrockUsageBody `json:"usage"`
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

// bedrockUsageBody is Anthropic's (snake case) or Nova's (camel
// case) usage of a whole answer.
type bedrockUsageBody struct {
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

func (u *bedrockUsageBody) usage() Usage {
	return UsageWithCache(u.InputTokens+u.InputTokensCamel, u.OutputTokens+u.OutputTokensCamel,
		u.CacheRead+u.CacheReadCamel+u.CacheReadConverse, u.CacheCreation+u.CacheWriteCamel+u.CacheWriteConverse)
}

// decodeLenient decodes what it can of a JSON body: a field of an
// unexpected type is skipped, not the body.
func decodeLenient(body []byte, v any) bool {
	err := json.Unmarshal(body, v)
	var typeErr *json.UnmarshalTypeError
	return err == nil || errors.As(err, &typeErr)
}

// bedrockInvokeState is what a response's chunks build up.
type bedrockInvokeState struct {
	started  bool
	usage    Usage
	hasUsage bool
	// anthropic reads the chunks of a stream of an Anthropic model: they
	// are the events of the Messages API.
	anthropic *AnthropicStream
}

// BedrockInvokeStream returns what reads the events of the response of an
// InvokeModelWithResponseStream call of model.
func BedrockInvokeStream(model string) EventStreamFunc {
	st := &bedrockInvokeState{}
	if strings.HasPrefix(bedrockBaseModel(model), "anthropic.") {
		st.anthropic = &AnthropicStream{}
	}
	return st.event
}

// BedrockInvokeResponse records the response of an InvokeModel call of
// model on c, from its headers (token counts) and its body, without ending
// c.
func BedrockInvokeResponse(c *Call, model string, header http.Header, body []byte) {
	defer recoverAndWarn()
	input, output, hasTokens := bedrockHeaderTokens(header)
	if BedrockInvokeOperation(model) == OperationEmbeddings {
		if hasTokens {
			c.SetUsage(Usage{InputTokens: input, NoOutput: true})
		}
		bedrockEmbeddingResponse(c, body)
		return
	}
	bedrockWholeResponse(c, body, Usage{InputTokens: input, OutputTokens: output}, hasTokens)
}

// bedrockWholeResponse records a whole response body (InvokeModel's of any
// family, or Converse's, which has the shape of Nova's) on c.
func bedrockWholeResponse(c *Call, body []byte, headerUsage Usage, hasHeaderUsage bool) {
	// The stream's accumulation serves a whole response as one chunk.
	s := &Stream{call: c, whole: true}
	st := &bedrockInvokeState{}
	if hasHeaderUsage {
		st.setUsage(s, headerUsage)
	}
	st.chunk(s, body)
	s.record()
}

func (st *bedrockInvokeState) setUsage(s *Stream, u Usage) {
	st.usage, st.hasUsage = u, true
	s.SetUsage(u)
}

// event records a chunk event of a stream; the body reader hands events
// over one at a time.
func (st *bedrockInvokeState) event(s *Stream, kind string, payload []byte) {
	if kind != "chunk" {
		return
	}
	var part struct {
		Bytes []byte `json:"bytes"` // base64 in JSON
	}
	if json.Unmarshal(payload, &part) != nil {
		return
	}
	if st.anthropic != nil {
		st.anthropic.Event(s, nil, part.Bytes)
		return
	}
	st.chunk(s, part.Bytes)
}

// chunk records a response body, or one chunk of a stream, of any family.
func (st *bedrockInvokeState) chunk(s *Stream, body []byte) {
	var r bedrockInvokeResult
	if !decodeLenient(body, &r) {
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
			Type     string          `json:"type"`
			Text     string          `json:"text"`
			Thinking string          `json:"thinking"`
			ID       string          `json:"id"`
			Name     string          `json:"name"`
			Input    json.RawMessage `json:"input"`
		}
		json.Unmarshal(r.Content, &blocks)
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
			st.setUsage(s, Usage{InputTokens: *r.InputTextTokenCount, OutputTokens: *output})
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
		st.setUsage(s, Usage{InputTokens: m.InputTokenCount, OutputTokens: m.OutputTokenCount})
	}
}

// bedrockEmbeddingResponse records the dimensions and input tokens
// of an embedding model's response: Titan's embedding and
// inputTextTokenCount, Cohere's embeddings.
func bedrockEmbeddingResponse(c *Call, body []byte) {
	var r struct {
		Embedding           []float64       `json:"embedding"`
		Embeddings          json.RawMessage `json:"embeddings"`
		InputTextTokenCount *int64          `json:"inputTextTokenCount"`
	}
	if !decodeLenient(body, &r) {
		return
	}
	dims := len(r.Embedding)
	var floats [][]float64
	if dims == 0 && json.Unmarshal(r.Embeddings, &floats) == nil && len(floats) > 0 {
		dims = len(floats[0])
	}
	if dims > 0 {
		c.SetEmbeddingDimensions(int64(dims))
	}
	if r.InputTextTokenCount != nil {
		c.SetUsage(Usage{InputTokens: *r.InputTextTokenCount, NoOutput: true})
	}
}
