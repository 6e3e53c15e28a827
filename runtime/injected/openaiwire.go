package injected

import (
	"encoding/json"
	"strings"
)

// The OpenAI chat wire format, which every OpenAI SDK serializes its
// requests to and decodes its responses from. Adapters hand the JSON over
// (the SDK's own encoding of the messages, choices or tools) only when the
// call captures content.

type openAIMessage struct {
	Role       string           `json:"role"`
	Name       string           `json:"name"`
	Content    json.RawMessage  `json:"content"`
	Refusal    string           `json:"refusal"`
	ToolCalls  []openAIToolCall `json:"tool_calls"`
	ToolCallID string           `json:"tool_call_id"`
}

type openAIToolCall struct {
	Index    *int   `json:"index"`
	ID       string `json:"id"`
	Type     string `json:"type"`
	Function struct {
		Name      string `json:"name"`
		Arguments string `json:"arguments"`
	} `json:"function"`
}

type openAIContentPart struct {
	Type     string `json:"type"`
	Text     string `json:"text"`
	Refusal  string `json:"refusal"`
	ImageURL struct {
		URL string `json:"url"`
	} `json:"image_url"`
	InputAudio struct {
		Data   string `json:"data"`
		Format string `json:"format"`
	} `json:"input_audio"`
	File struct {
		FileID   string `json:"file_id"`
		FileData string `json:"file_data"`
	} `json:"file"`
}

// OpenAIChatInput converts the JSON of an OpenAI chat request's messages to
// gen_ai.input.messages. System messages stay among the messages.
func OpenAIChatInput(messages []byte) []Message {
	var in []openAIMessage
	if json.Unmarshal(messages, &in) != nil {
		return nil
	}
	out := make([]Message, 0, len(in))
	for _, m := range in {
		msg := Message{Role: m.Role, Name: m.Name}
		if m.Role == "tool" {
			msg.Parts = append(msg.Parts, ToolCallResponsePart(m.ToolCallID, openAIText(m.Content)))
		} else {
			msg.Parts = openAIContentParts(m.Content)
		}
		for _, tc := range m.ToolCalls {
			msg.Parts = append(msg.Parts, ToolCallPart(tc.ID, tc.Function.Name, tc.Function.Arguments))
		}
		if msg.Parts == nil {
			msg.Parts = []Part{}
		}
		out = append(out, msg)
	}
	return out
}

// openAIText returns the text of a content that is a string or an array of
// text parts.
func openAIText(content json.RawMessage) string {
	var s string
	if json.Unmarshal(content, &s) == nil {
		return s
	}
	var parts []openAIContentPart
	if json.Unmarshal(content, &parts) != nil {
		return ""
	}
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

func openAIContentParts(content json.RawMessage) []Part {
	var s string
	if json.Unmarshal(content, &s) == nil {
		if s == "" {
			return nil
		}
		return []Part{TextPart(s)}
	}
	var parts []openAIContentPart
	if json.Unmarshal(content, &parts) != nil {
		return nil
	}
	var out []Part
	for _, p := range parts {
		switch p.Type {
		case "text":
			out = append(out, TextPart(p.Text))
		case "refusal":
			out = append(out, TextPart(p.Refusal))
		case "image_url":
			out = append(out, mediaPart("image", p.ImageURL.URL))
		case "input_audio":
			out = append(out, Part{Type: "blob", Modality: "audio", MIMEType: "audio/" + p.InputAudio.Format, Content: p.InputAudio.Data})
		case "file":
			if p.File.FileID != "" {
				out = append(out, Part{Type: "file", Modality: "document", FileID: p.File.FileID})
			} else {
				out = append(out, mediaPart("document", p.File.FileData))
			}
		default:
			out = append(out, Part{Type: p.Type})
		}
	}
	return out
}

// mediaPart is a blob part for a data: URL, a uri part otherwise.
func mediaPart(modality, url string) Part {
	if rest, ok := strings.CutPrefix(url, "data:"); ok {
		if meta, data, ok := strings.Cut(rest, ","); ok {
			return Part{Type: "blob", Modality: modality, MIMEType: strings.TrimSuffix(meta, ";base64"), Content: data}
		}
	}
	return Part{Type: "uri", Modality: modality, URI: url}
}

// OpenAIChatOutput converts the JSON of an OpenAI chat response's choices to
// gen_ai.output.messages, one per choice.
func OpenAIChatOutput(choices []byte) []OutputMessage {
	var in []struct {
		Index        int           `json:"index"`
		FinishReason string        `json:"finish_reason"`
		Message      openAIMessage `json:"message"`
		Text         *string       `json:"text"` // legacy completions
	}
	if json.Unmarshal(choices, &in) != nil {
		return nil
	}
	out := make([]OutputMessage, 0, len(in))
	for _, ch := range in {
		m := OutputMessage{Role: ch.Message.Role, FinishReason: ch.FinishReason}
		if m.Role == "" {
			m.Role = "assistant"
		}
		if ch.Text != nil {
			m.Parts = append(m.Parts, TextPart(*ch.Text))
		}
		m.Parts = append(m.Parts, openAIContentParts(ch.Message.Content)...)
		if ch.Message.Refusal != "" {
			m.Parts = append(m.Parts, TextPart(ch.Message.Refusal))
		}
		for _, tc := range ch.Message.ToolCalls {
			m.Parts = append(m.Parts, ToolCallPart(tc.ID, tc.Function.Name, tc.Function.Arguments))
		}
		if m.Parts == nil {
			m.Parts = []Part{}
		}
		out = append(out, m)
	}
	return out
}

// OpenAITools converts the JSON of an OpenAI chat request's tools to
// gen_ai.tool.definitions.
func OpenAITools(tools []byte) []ToolDefinition {
	var in []struct {
		Type     string `json:"type"`
		Function struct {
			Name        string          `json:"name"`
			Description string          `json:"description"`
			Parameters  json.RawMessage `json:"parameters"`
		} `json:"function"`
		Name string `json:"name"`
	}
	if json.Unmarshal(tools, &in) != nil {
		return nil
	}
	out := make([]ToolDefinition, 0, len(in))
	for _, t := range in {
		d := ToolDefinition{Type: t.Type, Name: t.Function.Name, Description: t.Function.Description}
		if len(t.Function.Parameters) > 0 && string(t.Function.Parameters) != "null" {
			d.Parameters = t.Function.Parameters
		}
		if d.Name == "" {
			d.Name = t.Name
		}
		out = append(out, d)
	}
	return out
}
