// Package genai holds the adapters for google.golang.org/genai, the Google
// Gen AI SDK for the Gemini API and Vertex AI.
//
// The provider is gcp.vertex_ai when requests go to a Vertex AI host
// (*aiplatform.googleapis.com), else gcp.gemini. Streams are iter.Seq2
// functions: the adapter returns one that passes every response on and ends
// the span when the iteration ends, fails or is stopped by the consumer (or,
// for a stream never iterated, when its context ends or it is collected).
//
// The file is injected into every package that calls the SDK, with its
// package clause changed. So every top-level name starts with "llminstr" and
// every import is named, to stay clear of the host package's own names.
package genai

import (
	llminstrContext "context"
	llminstrBase64 "encoding/base64"
	llminstrJSON "encoding/json"
	llminstrErrors "errors"
	llminstrIter "iter"
	llminstrReflect "reflect"
	llminstrGoRuntime "runtime"
	llminstrStrings "strings"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
	llminstrGenAI "google.golang.org/genai"
)

const llminstrGenAIOperation = "generate_content"

// llminstrGenAIGenerateContent wraps Models.GenerateContent.
func llminstrGenAIGenerateContent(
	call func(llminstrContext.Context, string, []*llminstrGenAI.Content, *llminstrGenAI.GenerateContentConfig) (*llminstrGenAI.GenerateContentResponse, error),
	ctx llminstrContext.Context, model string, contents []*llminstrGenAI.Content, config *llminstrGenAI.GenerateContentConfig,
) (*llminstrGenAI.GenerateContentResponse, error) {
	ctx, c := llminstrRT.StartInference(ctx, llminstrGenAIOperation, "gcp.gemini", llminstrGenAIModel(model))
	if c == nil {
		return call(ctx, model, contents, config)
	}
	llminstrRT.Safe(func() { llminstrGenAIRequest(c, contents, config) })
	res, err := call(llminstrRT.TraceHTTP(ctx, c), model, contents, config)
	llminstrGenAIEnd(c, res, err)
	return res, err
}

// llminstrGenAIEnd records a response and ends the call.
func llminstrGenAIEnd(c *llminstrRT.Call, res *llminstrGenAI.GenerateContentResponse, err error) {
	if c == nil {
		return
	}
	llminstrRT.Safe(func() {
		if err == nil && res != nil {
			// A response is a stream of one chunk; ending it ends the call.
			s := llminstrRT.NewStream(nil, c, nil)
			llminstrGenAIObserve(s, res)
			s.End(nil)
		}
	})
	c.EndWithErrorType(err, llminstrGenAIErrorType(err))
}

// llminstrGenAIGenerateContentStream wraps Models.GenerateContentStream.
func llminstrGenAIGenerateContentStream(
	call func(llminstrContext.Context, string, []*llminstrGenAI.Content, *llminstrGenAI.GenerateContentConfig) llminstrIter.Seq2[*llminstrGenAI.GenerateContentResponse, error],
	ctx llminstrContext.Context, model string, contents []*llminstrGenAI.Content, config *llminstrGenAI.GenerateContentConfig,
) llminstrIter.Seq2[*llminstrGenAI.GenerateContentResponse, error] {
	ctx, c := llminstrRT.StartInference(ctx, llminstrGenAIOperation, "gcp.gemini", llminstrGenAIModel(model))
	if c == nil {
		return call(ctx, model, contents, config)
	}
	llminstrRT.Safe(func() { llminstrGenAIRequest(c, contents, config) })
	return llminstrGenAIObserveStream(ctx, c, call(llminstrRT.TraceHTTP(ctx, c), model, contents, config))
}

// llminstrGenAIObserveStream returns an iterator that passes on seq's
// responses and records them in c's span.
func llminstrGenAIObserveStream(ctx llminstrContext.Context, c *llminstrRT.Call, seq llminstrIter.Seq2[*llminstrGenAI.GenerateContentResponse, error]) llminstrIter.Seq2[*llminstrGenAI.GenerateContentResponse, error] {
	if c == nil {
		return seq
	}
	c.SetStreaming()
	st := &llminstrGenAIStream{seq: seq, stream: llminstrRT.NewStream(ctx, c, llminstrGenAIErrorType)}
	llminstrGoRuntime.SetFinalizer(st, func(st *llminstrGenAIStream) { st.stream.End(nil) })
	return st.all
}

// llminstrGenAIStream is an observed stream; its all method is the
// iterator handed to the caller.
type llminstrGenAIStream struct {
	seq    llminstrIter.Seq2[*llminstrGenAI.GenerateContentResponse, error]
	stream *llminstrRT.Stream
}

func (st *llminstrGenAIStream) all(yield func(*llminstrGenAI.GenerateContentResponse, error) bool) {
	// Ends the span also when the consumer's loop body panics.
	defer st.stream.End(nil)
	for res, err := range st.seq {
		if err != nil {
			st.stream.End(err)
		} else if res != nil {
			llminstrGenAIObserve(st.stream, res)
		}
		if !yield(res, err) {
			return
		}
	}
}

// llminstrGenAIObserve records a response or a streamed chunk of one. Usage
// metadata in chunks is cumulative: the last one wins.
func llminstrGenAIObserve(s *llminstrRT.Stream, res *llminstrGenAI.GenerateContentResponse) {
	defer llminstrRT.Recover()
	s.Chunk(res.ResponseID, res.ModelVersion)
	for i, cand := range res.Candidates {
		index := i
		if cand.Index > 0 {
			index = int(cand.Index)
		}
		s.Finish(index, llminstrStrings.ToLower(string(cand.FinishReason)))
		if s.CaptureContent() && cand.Content != nil {
			for _, p := range cand.Content.Parts {
				switch {
				case p == nil:
				case p.FunctionCall != nil:
					args, _ := llminstrJSON.Marshal(p.FunctionCall.Args)
					s.AddToolCall(index, p.FunctionCall.ID, p.FunctionCall.Name, string(args))
				case p.Thought:
					s.AppendReasoning(index, p.Text)
				default:
					s.AppendText(index, p.Text)
				}
			}
		}
	}
	if u := res.UsageMetadata; u != nil {
		s.SetUsage(llminstrRT.Usage{
			InputTokens:           int64(u.PromptTokenCount),
			OutputTokens:          int64(u.CandidatesTokenCount) + int64(u.ThoughtsTokenCount),
			ReasoningOutputTokens: int64(u.ThoughtsTokenCount),
			CacheReadInputTokens:  int64(u.CachedContentTokenCount),
		})
	}
}

// llminstrGenAIRequest records the request parameters, and the contents,
// system instruction and tools when the call captures content.
func llminstrGenAIRequest(c *llminstrRT.Call, contents []*llminstrGenAI.Content, config *llminstrGenAI.GenerateContentConfig) {
	if config != nil {
		if config.Temperature != nil {
			c.SetTemperature(llminstrRT.Float32(*config.Temperature))
		}
		if config.TopP != nil {
			c.SetTopP(llminstrRT.Float32(*config.TopP))
		}
		if config.TopK != nil {
			c.SetTopK(llminstrRT.Float32(*config.TopK))
		}
		if config.MaxOutputTokens != 0 {
			c.SetMaxTokens(int64(config.MaxOutputTokens))
		}
		if len(config.StopSequences) > 0 {
			c.SetStopSequences(config.StopSequences)
		}
		if config.CandidateCount != 0 {
			c.SetChoiceCount(int64(config.CandidateCount))
		}
		if config.Seed != nil {
			c.SetSeed(int64(*config.Seed))
		}
		if config.PresencePenalty != nil {
			c.SetPresencePenalty(llminstrRT.Float32(*config.PresencePenalty))
		}
		if config.FrequencyPenalty != nil {
			c.SetFrequencyPenalty(llminstrRT.Float32(*config.FrequencyPenalty))
		}
		switch {
		case llminstrStrings.Contains(config.ResponseMIMEType, "json"):
			c.SetOutputType("json")
		case config.ResponseMIMEType == "text/plain":
			c.SetOutputType("text")
		}
	}
	if !c.CaptureContent() {
		return
	}
	var msgs []llminstrRT.Message
	for _, content := range contents {
		if content != nil {
			msgs = append(msgs, llminstrRT.Message{Role: llminstrGenAIRole(content.Role), Parts: llminstrGenAIParts(content.Parts)})
		}
	}
	c.SetInputMessages(msgs)
	if config == nil {
		return
	}
	if config.SystemInstruction != nil {
		c.SetSystemInstructions(llminstrGenAIParts(config.SystemInstruction.Parts))
	}
	var tools []llminstrRT.ToolDefinition
	for _, tool := range config.Tools {
		if tool == nil {
			continue
		}
		for _, fd := range tool.FunctionDeclarations {
			if fd == nil {
				continue
			}
			d := llminstrRT.ToolDefinition{Type: "function", Name: fd.Name, Description: fd.Description}
			// ParametersJsonSchema (v1.12 on) is read by name, so that the
			// file compiles against the releases before it.
			if v := llminstrReflect.ValueOf(fd).Elem().FieldByName("ParametersJsonSchema"); v.IsValid() && v.Kind() == llminstrReflect.Interface && !v.IsNil() {
				d.Parameters = v.Interface()
			} else if fd.Parameters != nil {
				d.Parameters = fd.Parameters
			}
			tools = append(tools, d)
		}
	}
	c.SetToolDefinitions(tools)
}

func llminstrGenAIRole(role string) string {
	if role == "model" {
		return "assistant"
	}
	if role == "" {
		return "user"
	}
	return role
}

func llminstrGenAIParts(parts []*llminstrGenAI.Part) []llminstrRT.Part {
	out := []llminstrRT.Part{}
	for _, p := range parts {
		switch {
		case p == nil:
		case p.FunctionCall != nil:
			args, _ := llminstrJSON.Marshal(p.FunctionCall.Args)
			out = append(out, llminstrRT.ToolCallPart(p.FunctionCall.ID, p.FunctionCall.Name, string(args)))
		case p.FunctionResponse != nil:
			out = append(out, llminstrRT.ToolCallResponsePart(p.FunctionResponse.ID, p.FunctionResponse.Response))
		case p.InlineData != nil:
			out = append(out, llminstrRT.Part{Type: "blob", Modality: llminstrGenAIModality(p.InlineData.MIMEType),
				MIMEType: p.InlineData.MIMEType, Content: llminstrBase64.StdEncoding.EncodeToString(p.InlineData.Data)})
		case p.FileData != nil:
			out = append(out, llminstrRT.Part{Type: "uri", Modality: llminstrGenAIModality(p.FileData.MIMEType),
				MIMEType: p.FileData.MIMEType, URI: p.FileData.FileURI})
		case p.Thought:
			out = append(out, llminstrRT.Part{Type: "reasoning", Content: p.Text})
		default:
			out = append(out, llminstrRT.TextPart(p.Text))
		}
	}
	return out
}

func llminstrGenAIModality(mime string) string {
	kind, _, _ := llminstrStrings.Cut(mime, "/")
	switch kind {
	case "image", "video", "audio":
		return kind
	}
	return "document"
}

// llminstrGenAIChatsCreate wraps Chats.Create: it attaches the chat's model
// and configuration to the chat, which keeps them in unexported fields, for
// the spans of its turns.
func llminstrGenAIChatsCreate(
	call func(llminstrContext.Context, string, *llminstrGenAI.GenerateContentConfig, []*llminstrGenAI.Content) (*llminstrGenAI.Chat, error),
	ctx llminstrContext.Context, model string, config *llminstrGenAI.GenerateContentConfig, history []*llminstrGenAI.Content,
) (*llminstrGenAI.Chat, error) {
	chat, err := call(ctx, model, config, history)
	if chat != nil {
		// A type of the runtime and the SDK, the same in every package
		// the chat travels to.
		llminstrRT.Attach(chat, &llminstrRT.Named[*llminstrGenAI.GenerateContentConfig]{Name: model, Value: config}, nil)
	}
	return chat, err
}

// llminstrGenAIChatStart starts the span of a chat turn: the request is the
// chat's curated history and the new user message, whose parts are input,
// or else values (the SendMessage forms take parts by value).
func llminstrGenAIChatStart(ctx llminstrContext.Context, chat *llminstrGenAI.Chat, input []*llminstrGenAI.Part, values []llminstrGenAI.Part) (llminstrContext.Context, *llminstrRT.Call) {
	model, config := "", (*llminstrGenAI.GenerateContentConfig)(nil)
	if req := llminstrRT.Attached[llminstrGenAI.Chat, llminstrRT.Named[*llminstrGenAI.GenerateContentConfig]](chat); req != nil {
		model, config = req.Name, req.Value
	}
	ctx, c := llminstrRT.StartInference(ctx, llminstrGenAIOperation, "gcp.gemini", llminstrGenAIModel(model))
	if c == nil {
		return ctx, nil
	}
	llminstrRT.Safe(func() {
		var contents []*llminstrGenAI.Content
		if c.CaptureContent() {
			if input == nil {
				input = make([]*llminstrGenAI.Part, len(values))
				for i := range values {
					input[i] = &values[i]
				}
			}
			history := chat.History(llminstrGenAICurates)
			contents = append(history[:len(history):len(history)], &llminstrGenAI.Content{Role: llminstrGenAI.RoleUser, Parts: input})
		}
		llminstrGenAIRequest(c, contents, config)
	})
	return llminstrRT.TraceHTTP(ctx, c), c
}

// llminstrGenAISender and llminstrGenAIStreamSender are (*Chat).Send and
// SendStream (v1.10 on), named through interfaces so that the file
// compiles against the releases before them; their adapters run only
// where a call of the method was found, so the chat always has it.
type llminstrGenAISender interface {
	Send(llminstrContext.Context, ...*llminstrGenAI.Part) (*llminstrGenAI.GenerateContentResponse, error)
}

type llminstrGenAIStreamSender interface {
	SendStream(llminstrContext.Context, ...*llminstrGenAI.Part) llminstrIter.Seq2[*llminstrGenAI.GenerateContentResponse, error]
}

// llminstrGenAICurates says whether chats keep a curated history (v1.10
// on), which is what a turn sends; before, they send all of it, and
// History(true) only logs that curation is not supported.
var llminstrGenAICurates = func() bool {
	_, ok := llminstrReflect.TypeFor[llminstrGenAI.Chat]().FieldByName("curatedHistory")
	return ok
}()

// llminstrGenAIChatSend wraps (*Chat).Send.
func llminstrGenAIChatSend(chat *llminstrGenAI.Chat, ctx llminstrContext.Context, parts ...*llminstrGenAI.Part) (*llminstrGenAI.GenerateContentResponse, error) {
	sender := any(chat).(llminstrGenAISender)
	if chat == nil {
		return sender.Send(ctx, parts...)
	}
	ctx, c := llminstrGenAIChatStart(ctx, chat, parts, nil)
	res, err := sender.Send(ctx, parts...)
	llminstrGenAIEnd(c, res, err)
	return res, err
}

// llminstrGenAIChatSendMessage wraps (*Chat).SendMessage.
func llminstrGenAIChatSendMessage(chat *llminstrGenAI.Chat, ctx llminstrContext.Context, parts ...llminstrGenAI.Part) (*llminstrGenAI.GenerateContentResponse, error) {
	if chat == nil {
		return chat.SendMessage(ctx, parts...)
	}
	ctx, c := llminstrGenAIChatStart(ctx, chat, nil, parts)
	res, err := chat.SendMessage(ctx, parts...)
	llminstrGenAIEnd(c, res, err)
	return res, err
}

// llminstrGenAIChatSendStream wraps (*Chat).SendStream.
func llminstrGenAIChatSendStream(chat *llminstrGenAI.Chat, ctx llminstrContext.Context, parts ...*llminstrGenAI.Part) llminstrIter.Seq2[*llminstrGenAI.GenerateContentResponse, error] {
	sender := any(chat).(llminstrGenAIStreamSender)
	if chat == nil {
		return sender.SendStream(ctx, parts...)
	}
	ctx, c := llminstrGenAIChatStart(ctx, chat, parts, nil)
	return llminstrGenAIObserveStream(ctx, c, sender.SendStream(ctx, parts...))
}

// llminstrGenAIChatSendMessageStream wraps (*Chat).SendMessageStream.
func llminstrGenAIChatSendMessageStream(chat *llminstrGenAI.Chat, ctx llminstrContext.Context, parts ...llminstrGenAI.Part) llminstrIter.Seq2[*llminstrGenAI.GenerateContentResponse, error] {
	if chat == nil {
		return chat.SendMessageStream(ctx, parts...)
	}
	ctx, c := llminstrGenAIChatStart(ctx, chat, nil, parts)
	return llminstrGenAIObserveStream(ctx, c, chat.SendMessageStream(ctx, parts...))
}

// llminstrGenAIEmbedContent wraps Models.EmbedContent.
func llminstrGenAIEmbedContent(
	call func(llminstrContext.Context, string, []*llminstrGenAI.Content, *llminstrGenAI.EmbedContentConfig) (*llminstrGenAI.EmbedContentResponse, error),
	ctx llminstrContext.Context, model string, contents []*llminstrGenAI.Content, config *llminstrGenAI.EmbedContentConfig,
) (*llminstrGenAI.EmbedContentResponse, error) {
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationEmbeddings, "gcp.gemini", llminstrGenAIModel(model))
	if c == nil {
		return call(ctx, model, contents, config)
	}
	llminstrRT.Safe(func() {
		if config != nil && config.OutputDimensionality != nil {
			c.SetEmbeddingDimensions(int64(*config.OutputDimensionality))
		}
	})
	res, err := call(llminstrRT.TraceHTTP(ctx, c), model, contents, config)
	llminstrRT.Safe(func() {
		if err != nil || res == nil {
			return
		}
		if (config == nil || config.OutputDimensionality == nil) && len(res.Embeddings) > 0 && res.Embeddings[0] != nil {
			c.SetEmbeddingDimensions(int64(len(res.Embeddings[0].Values)))
		}
		// Token counts come with Vertex AI only.
		var tokens float64
		counted := false
		for _, e := range res.Embeddings {
			if e != nil && e.Statistics != nil {
				tokens += float64(e.Statistics.TokenCount)
				counted = true
			}
		}
		if counted {
			c.SetUsage(llminstrRT.Usage{InputTokens: int64(tokens), NoOutput: true})
		}
	})
	c.EndWithErrorType(err, llminstrGenAIErrorType(err))
	return res, err
}

// llminstrGenAIModel strips the resource prefix of a model name:
// "models/gemini-2.5-flash" and "publishers/google/models/x" name the
// models gemini-2.5-flash and x.
func llminstrGenAIModel(model string) string {
	if i := llminstrStrings.LastIndex(model, "models/"); i >= 0 {
		return model[i+len("models/"):]
	}
	return model
}

// llminstrGenAINewClient wraps NewClient: requests that an HTTP client of
// the caller's own sends for an instrumented call record the server address
// and the provider. Clients with the SDK's default transport are observed
// by llminstrRT.TraceHTTP. A client for the Vertex AI backend (given, or
// chosen by the SDK from the environment) is gcp.vertex_ai whatever its
// host: its HTTP client (the copy made here, or the SDK's own) records it.
func llminstrGenAINewClient(
	call func(llminstrContext.Context, *llminstrGenAI.ClientConfig) (*llminstrGenAI.Client, error),
	ctx llminstrContext.Context, cc *llminstrGenAI.ClientConfig,
) (*llminstrGenAI.Client, error) {
	if cc != nil && cc.HTTPClient != nil {
		config := *cc
		client := *cc.HTTPClient
		client.Transport = llminstrRT.Transport(client.Transport)
		config.HTTPClient = &client
		cc = &config
	}
	client, err := call(ctx, cc)
	if client != nil {
		llminstrRT.Safe(func() {
			if resolved := client.ClientConfig(); resolved.Backend == llminstrGenAI.BackendVertexAI && resolved.HTTPClient != nil {
				resolved.HTTPClient.Transport = llminstrRT.ProviderTransport(resolved.HTTPClient.Transport, "gcp.vertex_ai")
			}
		})
	}
	return client, err
}

// llminstrGenAIErrorType maps an API error to its low-cardinality type.
func llminstrGenAIErrorType(err error) string {
	var apiErr llminstrGenAI.APIError
	if llminstrErrors.As(err, &apiErr) && apiErr.Code != 0 {
		return llminstrRT.HTTPErrorType(apiErr.Code)
	}
	var apiErrPtr *llminstrGenAI.APIError
	if llminstrErrors.As(err, &apiErrPtr) && apiErrPtr.Code != 0 {
		return llminstrRT.HTTPErrorType(apiErrPtr.Code)
	}
	return ""
}
