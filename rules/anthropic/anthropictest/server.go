// Package anthropictest is a local server that speaks Anthropic's Messages
// API (JSON and server-sent events), for the anthropic integration's tests.
// Its answers are deterministic, so tests can assert exact attribute values.
package anthropictest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/llminstr/llminstr/internal/fakeprovider"
)

// Canned values of the Anthropic answers. Input tokens are split as the
// Messages API reports them: uncached, read from the cache, written to it.
const (
	MessageID     = "msg_fake_0001"
	InputTokens   = 10
	CacheRead     = 4
	CacheCreation = 2
	OutputTokens  = 5
	ToolUseID     = "toolu_fake_0001"
	// OverloadedModel streams a few events, then an overloaded error event.
	OverloadedModel = "overloaded-model"
	// HangingModel streams the first events, then waits for the client to
	// go away: a stream closed while its body is still coming.
	HangingModel = "hanging-model"
)

// Server serves POST /v1/messages in the Messages wire format, JSON and
// server-sent events with event: lines. A request with tools is answered
// with text and a tool_use block (stop reason tool_use).
type Server struct{}

func (Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/v1/messages") {
		anthropicError(w, http.StatusNotFound, "not_found_error", "unknown path "+r.URL.Path)
		return
	}
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Model  string            `json:"model"`
		Stream bool              `json:"stream"`
		Tools  []json.RawMessage `json:"tools"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		anthropicError(w, http.StatusBadRequest, "invalid_request_error", err.Error())
		return
	}
	if req.Model == fakeprovider.UnknownModel {
		anthropicError(w, http.StatusNotFound, "not_found_error", "model: "+req.Model)
		return
	}
	tool := len(req.Tools) > 0
	stop := "end_turn"
	if tool {
		stop = "tool_use"
	}
	usage := map[string]any{
		"input_tokens": InputTokens, "output_tokens": OutputTokens,
		"cache_read_input_tokens": CacheRead, "cache_creation_input_tokens": CacheCreation,
	}
	if !req.Stream {
		content := []any{map[string]any{"type": "text", "text": fakeprovider.Answer}}
		if tool {
			content = append(content, map[string]any{"type": "tool_use", "id": ToolUseID, "name": "get_weather", "input": map[string]any{"city": "Paris"}})
		}
		fakeprovider.WriteJSON(w, map[string]any{
			"id": MessageID, "type": "message", "role": "assistant", "model": req.Model,
			"content": content, "stop_reason": stop, "stop_sequence": nil, "usage": usage,
		})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	event := func(name string, data map[string]any) {
		data["type"] = name
		j, _ := json.Marshal(data)
		fmt.Fprintf(w, "event: %s\ndata: %s\n\n", name, j)
		if flusher != nil {
			flusher.Flush()
		}
	}
	startUsage := map[string]any{
		"input_tokens": InputTokens, "output_tokens": 1,
		"cache_read_input_tokens": CacheRead, "cache_creation_input_tokens": CacheCreation,
	}
	event("message_start", map[string]any{"message": map[string]any{
		"id": MessageID, "type": "message", "role": "assistant", "model": req.Model,
		"content": []any{}, "stop_reason": nil, "stop_sequence": nil, "usage": startUsage,
	}})
	event("content_block_start", map[string]any{"index": 0, "content_block": map[string]any{"type": "text", "text": ""}})
	event("ping", map[string]any{})
	for i, part := range fakeprovider.AnswerChunks {
		event("content_block_delta", map[string]any{"index": 0, "delta": map[string]any{"type": "text_delta", "text": part}})
		if req.Model == HangingModel {
			<-r.Context().Done()
			return
		}
		if req.Model == OverloadedModel && i == 1 {
			event("error", map[string]any{"error": map[string]any{"type": "overloaded_error", "message": "Overloaded"}})
			return
		}
	}
	event("content_block_stop", map[string]any{"index": 0})
	if tool {
		event("content_block_start", map[string]any{"index": 1, "content_block": map[string]any{"type": "tool_use", "id": ToolUseID, "name": "get_weather", "input": map[string]any{}}})
		for _, part := range []string{`{"city": `, `"Paris"}`} {
			event("content_block_delta", map[string]any{"index": 1, "delta": map[string]any{"type": "input_json_delta", "partial_json": part}})
		}
		event("content_block_stop", map[string]any{"index": 1})
	}
	event("message_delta", map[string]any{"delta": map[string]any{"stop_reason": stop, "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": OutputTokens}})
	event("message_stop", map[string]any{})
}

func anthropicError(w http.ResponseWriter, status int, kind, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"type": "error", "error": map[string]any{"type": kind, "message": msg}})
}
