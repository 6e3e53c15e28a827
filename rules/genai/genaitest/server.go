// Package genaitest is a local server that speaks the Gemini API (JSON and
// server-sent events), for the genai integration's tests. Its answers are
// deterministic, so tests can assert exact attribute values.
package genaitest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/llminstr/llminstr/internal/fakeprovider"
)

// Canned values of the Gemini answers.
const (
	ResponseID   = "resp-gemini-0001"
	PromptTokens = 8
	OutputTokens = 5
	Thoughts     = 3
	Dimensions   = 6
)

// Server serves the Gemini API's generateContent, streamGenerateContent
// (server-sent events) and embedContent methods. A request with function
// declarations is answered with text and a function call, unless a
// function has answered already.
type Server struct{}

func (Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	i := strings.LastIndex(path, "/models/")
	if r.Method != http.MethodPost || i < 0 || !strings.Contains(path[i:], ":") {
		geminiError(w, http.StatusNotFound, "NOT_FOUND", "unknown path "+path)
		return
	}
	model, method, _ := strings.Cut(path[i+len("/models/"):], ":")
	body, _ := io.ReadAll(r.Body)
	var req struct {
		Tools []struct {
			FunctionDeclarations []json.RawMessage `json:"functionDeclarations"`
		} `json:"tools"`
		Contents []struct {
			Parts []struct {
				FunctionResponse json.RawMessage `json:"functionResponse"`
			} `json:"parts"`
		} `json:"contents"`
	}
	json.Unmarshal(body, &req)
	answered := false // a function has answered: the model calls no more
	for _, c := range req.Contents {
		for _, p := range c.Parts {
			answered = answered || len(p.FunctionResponse) > 0
		}
	}
	if model == fakeprovider.UnknownModel {
		geminiError(w, http.StatusNotFound, "NOT_FOUND", "models/"+model+" is not found")
		return
	}
	call := len(req.Tools) > 0 && len(req.Tools[0].FunctionDeclarations) > 0 && !answered
	usage := map[string]any{"promptTokenCount": PromptTokens, "candidatesTokenCount": OutputTokens,
		"thoughtsTokenCount": Thoughts, "totalTokenCount": PromptTokens + OutputTokens + Thoughts}
	final := func(parts []any) map[string]any {
		if call {
			parts = append(parts, map[string]any{"functionCall": map[string]any{"name": "get_weather", "args": map[string]any{"city": "Paris"}}})
		}
		return map[string]any{
			"candidates":    []any{map[string]any{"content": map[string]any{"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}},
			"usageMetadata": usage, "modelVersion": model, "responseId": ResponseID,
		}
	}
	switch method {
	case "generateContent":
		fakeprovider.WriteJSON(w, final([]any{map[string]any{"text": fakeprovider.Answer}}))
	case "streamGenerateContent":
		w.Header().Set("Content-Type", "text/event-stream")
		flusher, _ := w.(http.Flusher)
		send := func(v any) {
			j, _ := json.Marshal(v)
			fmt.Fprintf(w, "data: %s\r\n\r\n", j)
			if flusher != nil {
				flusher.Flush()
			}
		}
		for _, part := range fakeprovider.AnswerChunks[:len(fakeprovider.AnswerChunks)-1] {
			send(map[string]any{
				"candidates":    []any{map[string]any{"content": map[string]any{"role": "model", "parts": []any{map[string]any{"text": part}}}, "index": 0}},
				"usageMetadata": map[string]any{"promptTokenCount": PromptTokens},
				"modelVersion":  model, "responseId": ResponseID,
			})
		}
		send(final([]any{map[string]any{"text": fakeprovider.AnswerChunks[len(fakeprovider.AnswerChunks)-1]}}))
	case "embedContent", "batchEmbedContents":
		values := make([]float64, Dimensions)
		for i := range values {
			values[i] = float64(i) / 10
		}
		if method == "embedContent" {
			fakeprovider.WriteJSON(w, map[string]any{"embedding": map[string]any{"values": values}})
			return
		}
		fakeprovider.WriteJSON(w, map[string]any{"embeddings": []any{map[string]any{"values": values}}})
	default:
		geminiError(w, http.StatusNotFound, "NOT_FOUND", "unknown method "+method)
	}
}

func geminiError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"code": status, "message": msg, "status": code}})
}
