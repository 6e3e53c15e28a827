package runtime

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
