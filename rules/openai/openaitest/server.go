// Package openaitest is a local server that speaks the OpenAI wire format
// (chat completions, completions, embeddings and responses; JSON and
// server-sent events), for the tests and `make demo`. Its answers are
// deterministic, so tests can assert exact attribute values.
package openaitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/llminstr/llminstr/internal/fakeprovider"
)

// Canned values of the OpenAI answers.
const (
	ResponseID   = "chatcmpl-fake-0001"
	ModelSuffix  = "-2024-07-18"
	PromptTokens = 12
)

// Server serves POST .../chat/completions. It records the Authorization
// headers it sees, so tests can check that keys are sent but not recorded.
type Server struct {
	mu       sync.Mutex
	requests int
}

// Requests returns how many chat requests were served.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

type chatRequest struct {
	Model         string `json:"model"`
	N             int    `json:"n"`
	Stream        bool   `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusMethodNotAllowed, "POST only", "invalid_request_error", "")
		return
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/chat/completions"):
		s.chat(w, r)
	case strings.HasSuffix(r.URL.Path, "/completions"):
		s.completions(w, r)
	case strings.HasSuffix(r.URL.Path, "/embeddings"):
		s.embeddings(w, r)
	case strings.HasSuffix(r.URL.Path, "/responses"):
		s.responses(w, r)
	default:
		writeError(w, http.StatusNotFound, "unknown path "+r.URL.Path, "invalid_request_error", "unknown_url")
	}
}

// readRequest decodes a request body, answering 400 or 404 itself when it
// cannot be served; ok reports whether the caller should go on.
func (s *Server) readRequest(w http.ResponseWriter, r *http.Request, v any) (model string, ok bool) {
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	body, err := io.ReadAll(r.Body)
	var m struct {
		Model string `json:"model"`
	}
	if err == nil {
		err = json.Unmarshal(body, &m)
	}
	if err == nil {
		err = json.Unmarshal(body, v)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body", "invalid_request_error", "")
		return "", false
	}
	if m.Model == fakeprovider.UnknownModel {
		writeError(w, http.StatusNotFound, fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", m.Model), "invalid_request_error", "model_not_found")
		return "", false
	}
	return m.Model, true
}

// EmbeddingDimensions is the length of the vectors served when the request
// does not ask for a size.
const EmbeddingDimensions = 8

// EmbeddingTokens is the usage reported for any embeddings request.
const EmbeddingTokens = 8

func (s *Server) embeddings(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Dimensions int `json:"dimensions"`
	}
	model, ok := s.readRequest(w, r, &req)
	if !ok {
		return
	}
	n := req.Dimensions
	if n <= 0 {
		n = EmbeddingDimensions
	}
	vec := make([]float64, n)
	for i := range vec {
		vec[i] = float64(i) / float64(n)
	}
	fakeprovider.WriteJSON(w, map[string]any{
		"object": "list", "model": model,
		"data":  []any{map[string]any{"object": "embedding", "index": 0, "embedding": vec}},
		"usage": map[string]any{"prompt_tokens": EmbeddingTokens, "total_tokens": EmbeddingTokens},
	})
}

func (s *Server) completions(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	model, ok := s.readRequest(w, r, &req)
	if !ok {
		return
	}
	completion := func(text string, finish any, usage bool) map[string]any {
		c := map[string]any{
			"id": "cmpl-fake-0001", "object": "text_completion", "created": 1731000000, "model": model + ModelSuffix,
			"choices": []any{map[string]any{"index": 0, "text": text, "logprobs": nil, "finish_reason": finish}},
		}
		if usage {
			c["usage"] = map[string]any{"prompt_tokens": PromptTokens, "completion_tokens": len(fakeprovider.AnswerChunks), "total_tokens": PromptTokens + len(fakeprovider.AnswerChunks)}
		}
		return c
	}
	if !req.Stream {
		fakeprovider.WriteJSON(w, completion(fakeprovider.Answer, "length", true))
		return
	}
	send := fakeprovider.SSE(w)
	for _, part := range fakeprovider.AnswerChunks {
		send("", completion(part, nil, false))
	}
	send("", completion("", "stop", false))
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// ResponsesID is the id of every Responses API answer.
const ResponsesID = "resp_fake_0001"

func (s *Server) responses(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Stream bool `json:"stream"`
	}
	model, ok := s.readRequest(w, r, &req)
	if !ok {
		return
	}
	response := func(status string, text string, usage bool) map[string]any {
		resp := map[string]any{
			"id": ResponsesID, "object": "response", "created_at": 1731000000, "status": status,
			"model": model + ModelSuffix, "output": []any{}, "service_tier": "default",
			"incomplete_details": nil, "error": nil, "instructions": nil, "tools": []any{},
			"parallel_tool_calls": true, "tool_choice": "auto", "temperature": 1.0, "top_p": 1.0,
		}
		if text != "" {
			resp["output"] = []any{map[string]any{
				"type": "message", "id": "msg_fake", "status": "completed", "role": "assistant",
				"content": []any{map[string]any{"type": "output_text", "text": text, "annotations": []any{}}},
			}}
		}
		if usage {
			resp["usage"] = map[string]any{
				"input_tokens": PromptTokens, "input_tokens_details": map[string]any{"cached_tokens": 2},
				"output_tokens": 5, "output_tokens_details": map[string]any{"reasoning_tokens": 1}, "total_tokens": PromptTokens + 5,
			}
		}
		return resp
	}
	if !req.Stream {
		fakeprovider.WriteJSON(w, response("completed", fakeprovider.Answer, true))
		return
	}
	send := fakeprovider.SSE(w)
	seq := 0
	event := func(typ string, fields map[string]any) {
		fields["type"] = typ
		fields["sequence_number"] = seq
		seq++
		send(typ, fields)
	}
	event("response.created", map[string]any{"response": response("in_progress", "", false)})
	for _, part := range fakeprovider.AnswerChunks {
		event("response.output_text.delta", map[string]any{"item_id": "msg_fake", "output_index": 0, "content_index": 0, "delta": part, "logprobs": []any{}})
	}
	event("response.completed", map[string]any{"response": response("completed", fakeprovider.Answer, true)})
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	var req chatRequest
	if _, ok := s.readRequest(w, r, &req); !ok {
		return
	}
	if req.N <= 0 {
		req.N = 1
	}
	if req.Stream {
		s.stream(w, req)
		return
	}
	choices := make([]map[string]any, req.N)
	for i := range choices {
		choices[i] = map[string]any{
			"index":         i,
			"message":       map[string]any{"role": "assistant", "content": fakeprovider.Answer, "refusal": nil},
			"logprobs":      nil,
			"finish_reason": "stop",
		}
	}
	completion := 5 * req.N
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{
		"id":                 ResponseID,
		"object":             "chat.completion",
		"created":            1731000000,
		"model":              req.Model + ModelSuffix,
		"system_fingerprint": "fp_fake",
		"choices":            choices,
		"usage": map[string]any{
			"prompt_tokens": PromptTokens, "completion_tokens": completion, "total_tokens": PromptTokens + completion,
			"prompt_tokens_details":     map[string]any{"cached_tokens": 0},
			"completion_tokens_details": map[string]any{"reasoning_tokens": 0},
		},
	})
}

func (s *Server) stream(w http.ResponseWriter, req chatRequest) {
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	send := func(v any) {
		b, _ := json.Marshal(v)
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
	chunk := func(choices []map[string]any) map[string]any {
		return map[string]any{
			"id": ResponseID, "object": "chat.completion.chunk", "created": 1731000000,
			"model": req.Model + ModelSuffix, "system_fingerprint": "fp_fake", "choices": choices,
		}
	}
	for i := 0; i < req.N; i++ {
		send(chunk([]map[string]any{{"index": i, "delta": map[string]any{"role": "assistant", "content": ""}, "finish_reason": nil}}))
	}
	for _, part := range fakeprovider.AnswerChunks {
		for i := 0; i < req.N; i++ {
			send(chunk([]map[string]any{{"index": i, "delta": map[string]any{"content": part}, "finish_reason": nil}}))
		}
	}
	for i := 0; i < req.N; i++ {
		send(chunk([]map[string]any{{"index": i, "delta": map[string]any{}, "finish_reason": "stop"}}))
	}
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		c := chunk([]map[string]any{})
		completion := len(fakeprovider.AnswerChunks) * req.N
		c["usage"] = map[string]any{"prompt_tokens": PromptTokens, "completion_tokens": completion, "total_tokens": PromptTokens + completion}
		send(c)
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

func writeError(w http.ResponseWriter, status int, msg, typ, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	var c any
	if code != "" {
		c = code
	}
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": nil, "code": c}})
}
