package view

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// The GenAI semantic-convention attributes the view reads.
const (
	attrOperation    = "gen_ai.operation.name"
	attrProvider     = "gen_ai.provider.name"
	attrSystem       = "gen_ai.system" // the provider's older name
	attrRequestModel = "gen_ai.request.model"
	attrModel        = "gen_ai.response.model"
	attrInput        = "gen_ai.usage.input_tokens"
	attrOutput       = "gen_ai.usage.output_tokens"
	attrCacheRead    = "gen_ai.usage.cache_read.input_tokens"
	attrReasoning    = "gen_ai.usage.reasoning.output_tokens"
	attrFinish       = "gen_ai.response.finish_reasons"
	attrTTFC         = "gen_ai.response.time_to_first_chunk"
	attrConversation = "gen_ai.conversation.id"
	attrErrorType    = "error.type"
	attrCost         = "llminstr.cost.usd"
	attrInputMsgs    = "gen_ai.input.messages"
	attrOutputMsgs   = "gen_ai.output.messages"
	attrSystemInstr  = "gen_ai.system_instructions"
	attrToolArgs     = "gen_ai.tool.call.arguments"
	attrToolResult   = "gen_ai.tool.call.result"
)

func (s *Span) str(key string) string {
	v, _ := s.Attrs[key].(string)
	return v
}

func (s *Span) int(key string) (int64, bool) {
	switch v := s.Attrs[key].(type) {
	case int64:
		return v, true
	case float64:
		return int64(v), true
	}
	return 0, false
}

func (s *Span) float(key string) (float64, bool) {
	switch v := s.Attrs[key].(type) {
	case float64:
		return v, true
	case int64:
		return float64(v), true
	}
	return 0, false
}

// Operation is the span's gen_ai.operation.name, or "".
func (s *Span) Operation() string { return s.str(attrOperation) }

// IsModelCall reports whether the span is a request to a model (chat,
// text completion, embeddings, ...): a GenAI span that is not an agent's or
// a tool's.
func (s *Span) IsModelCall() bool {
	switch op := s.Operation(); op {
	case "", "invoke_agent", "create_agent", "execute_tool", "invoke_workflow":
		return false
	}
	return true
}

// Role is what the span is in an LLM application: "agent" (an agent's
// run), "tool" (a tool's), "model" (a model call, see IsModelCall) or
// "other".
func (s *Span) Role() string {
	switch op := s.Operation(); {
	case op == "invoke_agent" || op == "create_agent":
		return "agent"
	case op == "execute_tool":
		return "tool"
	case s.IsModelCall():
		return "model"
	}
	return "other"
}

// Provider is the span's gen_ai.provider.name (or gen_ai.system).
func (s *Span) Provider() string {
	if p := s.str(attrProvider); p != "" {
		return p
	}
	return s.str(attrSystem)
}

// Model is the model that answered, else the one asked for.
func (s *Span) Model() string {
	if m := s.str(attrModel); m != "" {
		return m
	}
	return s.str(attrRequestModel)
}

// Tokens returns the input and output token counts, and whether either
// is known.
func (s *Span) Tokens() (in, out int64, ok bool) {
	in, okIn := s.int(attrInput)
	out, okOut := s.int(attrOutput)
	return in, out, okIn || okOut
}

// Cost is the span's estimated cost in US dollars, if known.
func (s *Span) Cost() (float64, bool) { return s.float(attrCost) }

// TTFC is the time to the first chunk of a stream, if known.
func (s *Span) TTFC() (time.Duration, bool) {
	v, ok := s.float(attrTTFC)
	return time.Duration(v * float64(time.Second)), ok
}

// FinishReasons are the response's finish reasons.
func (s *Span) FinishReasons() []string {
	var out []string
	if vs, ok := s.Attrs[attrFinish].([]any); ok {
		for _, v := range vs {
			out = append(out, fmt.Sprint(v))
		}
	}
	return out
}

// ErrorText is what went wrong, for a failed span: its error.type and
// status message.
func (s *Span) ErrorText() string {
	if !s.Failed() {
		return ""
	}
	t := s.str(attrErrorType)
	switch {
	case t == "":
		return s.Status.Message
	case s.Status.Message == "":
		return t
	}
	return t + ": " + s.Status.Message
}

// Message is one message of a call's captured content, as the GenAI
// conventions define gen_ai.input.messages and gen_ai.output.messages.
type Message struct {
	Role         string `json:"role"`
	Parts        []Part `json:"parts"`
	FinishReason string `json:"finish_reason,omitempty"`
}

// Part is one part of a message.
type Part struct {
	Type      string `json:"type"`
	Content   any    `json:"content,omitempty"`
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments any    `json:"arguments,omitempty"`
	Response  any    `json:"response,omitempty"`
}

// Transcript returns the span's captured messages: the system
// instructions (as one message of role "system"), the input messages and
// the output messages. It is empty when content was not captured.
func (s *Span) Transcript() (input, output []Message) {
	if sys := s.str(attrSystemInstr); sys != "" {
		var parts []Part
		if json.Unmarshal([]byte(sys), &parts) == nil && len(parts) > 0 {
			input = append(input, Message{Role: "system", Parts: parts})
		}
	}
	var in, out []Message
	if json.Unmarshal([]byte(s.str(attrInputMsgs)), &in) == nil {
		input = append(input, in...)
	}
	if json.Unmarshal([]byte(s.str(attrOutputMsgs)), &out) == nil {
		output = out
	}
	return input, output
}

// PartText is a one-line rendering of a message part.
func PartText(p Part) string {
	switch p.Type {
	case "text", "reasoning":
		if s, ok := p.Content.(string); ok {
			return s
		}
	case "tool_call":
		args, _ := json.Marshal(p.Arguments)
		return fmt.Sprintf("call %s(%s)", p.Name, args)
	case "tool_call_response":
		resp, _ := json.Marshal(p.Response)
		return "result " + string(resp)
	}
	return "[" + p.Type + "]"
}

// FormatValue renders an attribute value for display.
func FormatValue(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = FormatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = k + "=" + FormatValue(v[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case float64:
		return fmt.Sprintf("%g", v)
	}
	return fmt.Sprint(v)
}
