// Package fantasytest is a local server that speaks the OpenAI chat
// completions wire format (JSON and server-sent events) as a model driving
// an agent: asked with tools, it calls them; given their results, it
// answers. It serves the fantasy integration's tests, whose agents reach
// it through fantasy's OpenAI provider. Its answers are deterministic, so
// tests can assert exact attribute values.
package fantasytest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/llminstr/llminstr/internal/fakeprovider"
)

// Canned values of the answers.
const (
	// Answer is the agent's final text, once the tools have answered.
	Answer = "It is sunny in Paris, and it is noon."
	// PromptTokens and CompletionTokens are every answer's usage.
	PromptTokens     = 20
	CompletionTokens = 7
	// WeatherCallID, TimeCallID, AddCallID and MultiplyID are the ids of
	// the tool calls.
	WeatherCallID = "call_weather_1"
	TimeCallID    = "call_time_1"
	AddCallID     = "call_add_1"
	MultiplyID    = "call_multiply_1"
)

// ToolCalls are the calls the model asks for, in order, when the request
// offers tools: one per tool name, with its arguments.
var ToolCalls = []struct{ ID, Name, Arguments string }{
	{WeatherCallID, "get_weather", `{"city":"Paris"}`},
	{TimeCallID, "get_time", `{}`},
	{AddCallID, "add", `{"a":2,"b":3}`},
	{MultiplyID, "multiply", `{"a":4,"b":5}`},
}

// Server serves POST .../chat/completions. A request whose messages hold no
// tool result and which offers tools is answered with ToolCalls for the
// tools it offers (finish reason tool_calls); any other with Answer. The
// weather call asks for the first of FailingCities the request names, so
// that tests can make that tool fail.
type Server struct{}

// FailingCities are cities the weather call asks for when the prompt names
// them instead of Paris.
var FailingCities = []string{"Atlantis", "Nowhere"}

type request struct {
	Model    string `json:"model"`
	Stream   bool   `json:"stream"`
	Messages []struct {
		Role    string `json:"role"`
		Content any    `json:"content"`
	} `json:"messages"`
	Tools []struct {
		Function struct {
			Name string `json:"name"`
		} `json:"function"`
	} `json:"tools"`
}

func (Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req request
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") || json.Unmarshal(body, &req) != nil {
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"error":{"message":"bad request","type":"invalid_request_error"}}`)
		return
	}
	calls := req.toolCalls(string(body))
	if req.Stream {
		stream(w, req.Model, calls)
		return
	}
	message := map[string]any{"role": "assistant", "content": Answer}
	finish := "stop"
	if len(calls) > 0 {
		message = map[string]any{"role": "assistant", "content": nil, "tool_calls": calls}
		finish = "tool_calls"
	}
	fakeprovider.WriteJSON(w, map[string]any{
		"id": "chatcmpl-agent", "object": "chat.completion", "created": 1731000000, "model": req.Model,
		"choices": []any{map[string]any{"index": 0, "message": message, "finish_reason": finish}},
		"usage":   map[string]any{"prompt_tokens": PromptTokens, "completion_tokens": CompletionTokens, "total_tokens": PromptTokens + CompletionTokens},
	})
}

// toolCalls returns the calls to ask for: none once a tool (or a legacy
// function) has answered.
func (req *request) toolCalls(body string) []any {
	for _, m := range req.Messages {
		if m.Role == "tool" || m.Role == "function" { // a result of a tool, or of a legacy function call
			return nil
		}
	}
	offered := map[string]bool{}
	for _, t := range req.Tools {
		offered[t.Function.Name] = true
	}
	var out []any
	for i, c := range ToolCalls {
		if !offered[c.Name] {
			continue
		}
		args := c.Arguments
		for _, city := range FailingCities {
			if c.Name == "get_weather" && strings.Contains(body, city) {
				args = `{"city":"` + city + `"}`
				break
			}
		}
		out = append(out, map[string]any{"index": i, "id": c.ID, "type": "function",
			"function": map[string]any{"name": c.Name, "arguments": args}})
	}
	return out
}

// stream sends the answer as chunks: the tool calls whole in one chunk, or
// the text in pieces, then the finish reason, then the usage.
func stream(w http.ResponseWriter, model string, calls []any) {
	send := fakeprovider.SSE(w)
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": "chatcmpl-agent", "object": "chat.completion.chunk", "created": 1731000000, "model": model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	if len(calls) > 0 {
		send("", chunk(map[string]any{"role": "assistant", "tool_calls": calls}, nil))
		send("", chunk(map[string]any{}, "tool_calls"))
	} else {
		for i, part := range strings.SplitAfter(Answer, " ") {
			delta := map[string]any{"content": part}
			if i == 0 {
				delta["role"] = "assistant"
			}
			send("", chunk(delta, nil))
		}
		send("", chunk(map[string]any{}, "stop"))
	}
	send("", map[string]any{"id": "chatcmpl-agent", "object": "chat.completion.chunk", "created": 1731000000, "model": model,
		"choices": []any{}, "usage": map[string]any{"prompt_tokens": PromptTokens, "completion_tokens": CompletionTokens, "total_tokens": PromptTokens + CompletionTokens}})
	fmt.Fprint(w, "data: [DONE]\n\n")
}
