// Package fakeprovider is a local server that speaks the OpenAI chat
// completions wire format (JSON and server-sent events), for the
// integration tests and `make demo`. Its answers are deterministic, so tests
// can assert exact attribute values.
package fakeprovider

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Canned values of every answer.
const (
	ResponseID   = "chatcmpl-fake-0001"
	ModelSuffix  = "-2024-07-18"
	Answer       = "This is a test."
	PromptTokens = 12
	// UnknownModel is answered with a 404 model_not_found error.
	UnknownModel = "no-such-model"
)

// AnswerChunks is Answer as it is streamed.
var AnswerChunks = []string{"This", " is", " a", " test."}

// OpenAI serves POST .../chat/completions. It records the Authorization
// headers it sees, so tests can check that keys are sent but not recorded.
type OpenAI struct {
	mu       sync.Mutex
	requests int
}

// Requests returns how many chat requests were served.
func (s *OpenAI) Requests() int {
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

func (s *OpenAI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || !strings.HasSuffix(r.URL.Path, "/chat/completions") {
		writeError(w, http.StatusNotFound, "unknown path "+r.URL.Path, "invalid_request_error", "unknown_url")
		return
	}
	s.mu.Lock()
	s.requests++
	s.mu.Unlock()
	body, err := io.ReadAll(r.Body)
	var req chatRequest
	if err == nil {
		err = json.Unmarshal(body, &req)
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body", "invalid_request_error", "")
		return
	}
	if req.Model == UnknownModel {
		writeError(w, http.StatusNotFound, fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", req.Model), "invalid_request_error", "model_not_found")
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
			"message":       map[string]any{"role": "assistant", "content": Answer, "refusal": nil},
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

func (s *OpenAI) stream(w http.ResponseWriter, req chatRequest) {
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
	for _, part := range AnswerChunks {
		for i := 0; i < req.N; i++ {
			send(chunk([]map[string]any{{"index": i, "delta": map[string]any{"content": part}, "finish_reason": nil}}))
		}
	}
	for i := 0; i < req.N; i++ {
		send(chunk([]map[string]any{{"index": i, "delta": map[string]any{}, "finish_reason": "stop"}}))
	}
	if req.StreamOptions != nil && req.StreamOptions.IncludeUsage {
		c := chunk([]map[string]any{})
		completion := len(AnswerChunks) * req.N
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
