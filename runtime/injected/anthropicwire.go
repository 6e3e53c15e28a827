package injected

import (
	"encoding/json"
	"strings"
)

// The Anthropic Messages wire format. Adapters hand the JSON over (the
// SDK's own encoding of the messages, content blocks or tools) only when
// the call captures content.

type anthropicBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	Thinking  string          `json:"thinking"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	Source    struct {
		Type      string `json:"type"`
		MediaType string `json:"media_type"`
		Data      string `json:"data"`
		URL       string `json:"url"`
		FileID    string `json:"file_id"`
	} `json:"source"`
}

// AnthropicInput converts the JSON of a Messages request's messages to
// gen_ai.input.messages.
func AnthropicInput(messages []byte) []Message {
	var in []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	}
	if json.Unmarshal(messages, &in) != nil {
		return nil
	}
	out := make([]Message, 0, len(in))
	for _, m := range in {
		parts := anthropicParts(m.Content)
		if parts == nil {
			parts = []Part{}
		}
		out = append(out, Message{Role: m.Role, Parts: parts})
	}
	return out
}

// anthropicParts converts a content that is a string or an array of blocks.
func anthropicParts(content json.RawMessage) []Part {
	var s string
	if json.Unmarshal(content, &s) == nil {
		if s == "" {
			return nil
		}
		return []Part{TextPart(s)}
	}
	var blocks []anthropicBlock
	if json.Unmarshal(content, &blocks) != nil {
		return nil
	}
	var out []Part
	for _, b := range blocks {
		switch b.Type {
		case "text":
			out = append(out, TextPart(b.Text))
		case "thinking":
			out = append(out, Part{Type: "reasoning", Content: b.Thinking})
		case "tool_use", "server_tool_use":
			out = append(out, Part{Type: "tool_call", ID: b.ID, Name: b.Name, Arguments: rawOrNil(b.Input)})
		case "tool_result":
			out = append(out, ToolCallResponsePart(b.ToolUseID, anthropicResult(b.Content)))
		case "image", "document":
			modality := b.Type
			switch b.Source.Type {
			case "base64":
				out = append(out, Part{Type: "blob", Modality: modality, MIMEType: b.Source.MediaType, Content: b.Source.Data})
			case "url":
				out = append(out, Part{Type: "uri", Modality: modality, URI: b.Source.URL})
			case "file":
				out = append(out, Part{Type: "file", Modality: modality, FileID: b.Source.FileID})
			default:
				out = append(out, Part{Type: b.Type})
			}
		default:
			out = append(out, Part{Type: b.Type})
		}
	}
	return out
}

// anthropicResult is a tool result's content: its text when it is text.
func anthropicResult(content json.RawMessage) any {
	var s string
	if json.Unmarshal(content, &s) == nil {
		return s
	}
	var blocks []anthropicBlock
	if json.Unmarshal(content, &blocks) == nil {
		var b strings.Builder
		for _, bl := range blocks {
			b.WriteString(bl.Text)
		}
		return b.String()
	}
	return rawOrNil(content)
}

func rawOrNil(raw json.RawMessage) any {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	return raw
}

// AnthropicOutput converts the JSON of a Message's content blocks to the
// one output message of gen_ai.output.messages.
func AnthropicOutput(content []byte, stopReason string) []OutputMessage {
	parts := anthropicParts(content)
	if parts == nil {
		parts = []Part{}
	}
	return []OutputMessage{{Role: "assistant", Parts: parts, FinishReason: stopReason}}
}

// AnthropicTools converts the JSON of a Messages request's tools to
// gen_ai.tool.definitions.
func AnthropicTools(tools []byte) []ToolDefinition {
	var in []struct {
		Type        string          `json:"type"`
		Name        string          `json:"name"`
		Description string          `json:"description"`
		InputSchema json.RawMessage `json:"input_schema"`
	}
	if json.Unmarshal(tools, &in) != nil {
		return nil
	}
	out := make([]ToolDefinition, 0, len(in))
	for _, t := range in {
		d := ToolDefinition{Type: "function", Name: t.Name, Description: t.Description}
		if t.Type != "" && t.Type != "custom" {
			d.Type = t.Type // a server tool, such as web_search_20250305
		}
		if p := rawOrNil(t.InputSchema); p != nil {
			d.Parameters = p
		}
		out = append(out, d)
	}
	return out
}

// AnthropicStream records the events of an Anthropic Messages stream in a
// [Stream]: the API's own server-sent events, or the chunks Bedrock's
// InvokeModelWithResponseStream carries for Anthropic models. It reads
// the id, model and input tokens of message_start, the content of the block
// events (only when the call captures content: otherwise their data is not
// even decoded), the stop reason and cumulative output tokens of
// message_delta, and error events. Its zero value is ready; it is not safe
// for concurrent use.
type AnthropicStream struct {
	usage Usage
}

type anthropicEvent struct {
	Type    string `json:"type"`
	Message struct {
		ID    string          `json:"id"`
		Model string          `json:"model"`
		Usage anthropicTokens `json:"usage"`
	} `json:"message"`
	Index        int `json:"index"`
	ContentBlock struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"content_block"`
	Delta struct {
		Type        string `json:"type"`
		Text        string `json:"text"`
		PartialJSON string `json:"partial_json"`
		Thinking    string `json:"thinking"`
		StopReason  string `json:"stop_reason"`
	} `json:"delta"`
	Usage anthropicTokens `json:"usage"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

type anthropicTokens struct {
	InputTokens              int64 `json:"input_tokens"`
	OutputTokens             int64 `json:"output_tokens"`
	CacheReadInputTokens     int64 `json:"cache_read_input_tokens"`
	CacheCreationInputTokens int64 `json:"cache_creation_input_tokens"`
}

func (t *anthropicTokens) usage() Usage {
	return UsageWithCache(t.InputTokens, t.OutputTokens, t.CacheReadInputTokens, t.CacheCreationInputTokens)
}

// Event records one event. name is its event field; when it is empty (a
// Bedrock chunk), the type is read from the data.
func (a *AnthropicStream) Event(s *Stream, name, data []byte) {
	defer recoverAndWarn()
	if len(name) > 0 {
		switch string(name) {
		case "message_start", "content_block_start", "content_block_delta", "message_delta", "error":
		default:
			return // ping, content_block_stop, message_stop
		}
	}
	s.Chunk("", "")
	if !s.CaptureContent() && (string(name) == "content_block_start" || string(name) == "content_block_delta") {
		return
	}
	var ev anthropicEvent
	if json.Unmarshal(data, &ev) != nil {
		return
	}
	if len(name) == 0 {
		name = []byte(ev.Type)
	}
	switch string(name) {
	case "message_start":
		s.Chunk(ev.Message.ID, ev.Message.Model)
		a.usage = ev.Message.Usage.usage()
		s.SetUsage(a.usage)
		s.Finish(0, "")
	case "content_block_start":
		if ev.ContentBlock.Type == "tool_use" || ev.ContentBlock.Type == "server_tool_use" {
			s.AppendToolCall(0, ev.Index, ev.ContentBlock.ID, ev.ContentBlock.Name, "")
		}
	case "content_block_delta":
		switch ev.Delta.Type {
		case "text_delta":
			s.AppendText(0, ev.Delta.Text)
		case "input_json_delta":
			s.AppendToolCall(0, ev.Index, "", "", ev.Delta.PartialJSON)
		case "thinking_delta":
			s.AppendReasoning(0, ev.Delta.Thinking)
		}
	case "message_delta":
		s.Finish(0, ev.Delta.StopReason)
		// The counts are cumulative; input counts come again only in
		// newer API versions.
		if u := ev.Usage.usage(); u.InputTokens > 0 {
			a.usage = u
		} else {
			a.usage.OutputTokens = u.OutputTokens
		}
		s.SetUsage(a.usage)
	case "error":
		s.End(&anthropicStreamError{kind: ev.Error.Type, message: ev.Error.Message})
	}
}

// anthropicStreamError is an error event inside a stream that began with
// 200 OK; its type (overloaded_error, api_error, ...) is one of a small
// set.
type anthropicStreamError struct{ kind, message string }

func (e *anthropicStreamError) Error() string { return e.kind + ": " + e.message }

func (e *anthropicStreamError) ErrorType() string {
	if e.kind == "" {
		return "StreamError"
	}
	return e.kind
}
