// Package ollamatest is a local server that speaks Ollama's API
// (newline-delimited JSON streams), for the ollama integration's tests. Its
// answers are deterministic, so tests can assert exact attribute values.
package ollamatest

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/llminstr/llminstr/internal/fakeprovider"
)

// Canned values of the Ollama answers.
const (
	PromptTokens = 9
	EvalTokens   = 4
	Dimensions   = 5
)

// Server serves /api/chat and /api/generate (newline-delimited JSON when
// streaming, the default), /api/embed and /api/embeddings.
type Server struct{}

func (Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Model  string            `json:"model"`
		Stream *bool             `json:"stream"`
		Tools  []json.RawMessage `json:"tools"`
	}
	json.Unmarshal(body, &req)
	if req.Model == fakeprovider.UnknownModel {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]any{"error": "model '" + req.Model + "' not found"})
		return
	}
	stream := req.Stream == nil || *req.Stream
	chat := strings.HasSuffix(r.URL.Path, "/api/chat")
	final := map[string]any{"model": req.Model, "created_at": "2026-11-23T00:00:00Z", "done": true, "done_reason": "stop",
		"prompt_eval_count": PromptTokens, "eval_count": EvalTokens, "total_duration": 1000}
	piece := func(text string, last bool) map[string]any {
		m := map[string]any{"model": req.Model, "created_at": "2026-11-23T00:00:00Z", "done": false}
		if last {
			m = final
		}
		if chat {
			msg := map[string]any{"role": "assistant", "content": text}
			if last && len(req.Tools) > 0 {
				msg["tool_calls"] = []any{map[string]any{"function": map[string]any{"name": "get_weather", "arguments": map[string]any{"city": "Paris"}}}}
			}
			m["message"] = msg
		} else {
			m["response"] = text
		}
		return m
	}
	switch {
	case strings.HasSuffix(r.URL.Path, "/api/embed"):
		fakeprovider.WriteJSON(w, map[string]any{"model": req.Model, "embeddings": [][]float64{make([]float64, Dimensions)}, "prompt_eval_count": PromptTokens})
	case strings.HasSuffix(r.URL.Path, "/api/embeddings"):
		fakeprovider.WriteJSON(w, map[string]any{"embedding": make([]float64, Dimensions)})
	case chat || strings.HasSuffix(r.URL.Path, "/api/generate"):
		if !stream {
			fakeprovider.WriteJSON(w, piece(fakeprovider.Answer, true))
			return
		}
		w.Header().Set("Content-Type", "application/x-ndjson")
		enc := json.NewEncoder(w)
		for _, part := range fakeprovider.AnswerChunks {
			enc.Encode(piece(part, false))
		}
		enc.Encode(piece("", true))
	default:
		w.WriteHeader(http.StatusNotFound)
		json.NewEncoder(w).Encode(map[string]any{"error": "unknown path " + r.URL.Path})
	}
}
