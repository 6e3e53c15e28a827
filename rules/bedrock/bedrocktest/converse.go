// Package bedrocktest is a local server that speaks the Bedrock runtime's
// API (JSON and AWS event stream frames), for the bedrock integration's
// tests. Its answers are deterministic, so tests can assert exact attribute
// values.
package bedrocktest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/llminstr/llminstr/internal/fakeprovider"
)

// Canned values of the Bedrock answers.
const (
	InputTokens  = 11
	OutputTokens = 6
	CacheRead    = 3
	// ThrottledModel streams a few events, then a throttlingException.
	ThrottledModel = "throttled-model"
)

// Server serves the Bedrock runtime's Converse (JSON) and ConverseStream
// (AWS event stream frames, with valid CRCs) operations, and InvokeModel and
// InvokeModelWithResponseStream for the model families of
// bedrockFamilies.
type Server struct{}

func (Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, _ := url.PathUnescape(r.URL.EscapedPath())
	rest, ok := strings.CutPrefix(path, "/model/")
	if r.Method != http.MethodPost || !ok {
		bedrockError(w, http.StatusNotFound, "UnknownOperationException", "unknown path "+path)
		return
	}
	i := strings.LastIndex(rest, "/")
	model, op := rest[:i], rest[i+1:]
	body, _ := io.ReadAll(r.Body)
	var req struct {
		ToolConfig *json.RawMessage `json:"toolConfig"`
	}
	json.Unmarshal(body, &req)
	if model == fakeprovider.UnknownModel {
		bedrockError(w, http.StatusBadRequest, "ValidationException", "The provided model identifier is invalid.")
		return
	}
	usage := map[string]any{"inputTokens": InputTokens, "outputTokens": OutputTokens,
		"totalTokens": InputTokens + OutputTokens + CacheRead, "cacheReadInputTokens": CacheRead}
	switch op {
	case "invoke", "invoke-with-response-stream":
		bedrockInvoke(w, model, op != "invoke", body)
	case "converse":
		fakeprovider.WriteJSON(w, map[string]any{
			"output":     map[string]any{"message": map[string]any{"role": "assistant", "content": []any{map[string]any{"text": fakeprovider.Answer}}}},
			"stopReason": "end_turn", "usage": usage, "metrics": map[string]any{"latencyMs": 10},
		})
	case "converse-stream":
		w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
		w.WriteHeader(http.StatusOK)
		enc := eventstream.NewEncoder()
		flusher, _ := w.(http.Flusher)
		send := func(event string, payload map[string]any) {
			var headers eventstream.Headers
			headers.Set(":event-type", eventstream.StringValue(event))
			headers.Set(":content-type", eventstream.StringValue("application/json"))
			headers.Set(":message-type", eventstream.StringValue("event"))
			data, _ := json.Marshal(payload)
			var buf bytes.Buffer
			enc.Encode(&buf, eventstream.Message{Headers: headers, Payload: data})
			w.Write(buf.Bytes())
			if flusher != nil {
				flusher.Flush()
			}
		}
		send("messageStart", map[string]any{"role": "assistant"})
		for i, part := range fakeprovider.AnswerChunks {
			send("contentBlockDelta", map[string]any{"contentBlockIndex": 0, "delta": map[string]any{"text": part}})
			if model == ThrottledModel && i == 1 {
				var headers eventstream.Headers
				headers.Set(":exception-type", eventstream.StringValue("throttlingException"))
				headers.Set(":content-type", eventstream.StringValue("application/json"))
				headers.Set(":message-type", eventstream.StringValue("exception"))
				var buf bytes.Buffer
				enc.Encode(&buf, eventstream.Message{Headers: headers, Payload: []byte(`{"message":"Too many requests"}`)})
				w.Write(buf.Bytes())
				return
			}
		}
		send("contentBlockStop", map[string]any{"contentBlockIndex": 0})
		send("messageStop", map[string]any{"stopReason": "end_turn"})
		send("metadata", map[string]any{"usage": usage, "metrics": map[string]any{"latencyMs": 10}})
	default:
		bedrockError(w, http.StatusNotFound, "UnknownOperationException", "unknown operation "+op)
	}
}

func bedrockError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", code)
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"message": msg})
}
