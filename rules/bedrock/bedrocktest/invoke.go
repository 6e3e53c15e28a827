package bedrocktest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"github.com/llminstr/llminstr/internal/fakeprovider"
)

// Canned values of the InvokeModel answers.
const (
	InvokeID        = "msg_bdrk_01"
	InvokeClaude    = "claude-3-haiku-20240307"
	EmbedDimensions = 256
	EmbedTokens     = 4
)

// bedrockFamily answers InvokeModel in one model family's body format.
type bedrockFamily struct {
	// response is the body of InvokeModel's answer.
	response func() map[string]any
	// chunks are the bodies of InvokeModelWithResponseStream's chunks; the
	// server adds Bedrock's invocation metrics to the last one.
	chunks func() []map[string]any
}

var bedrockFamilies = map[string]bedrockFamily{
	"anthropic.": {
		response: func() map[string]any {
			return map[string]any{"id": InvokeID, "type": "message", "role": "assistant", "model": InvokeClaude,
				"content":     []any{map[string]any{"type": "text", "text": fakeprovider.Answer}},
				"stop_reason": "end_turn", "stop_sequence": nil,
				"usage": map[string]any{"input_tokens": InputTokens, "output_tokens": OutputTokens, "cache_read_input_tokens": CacheRead}}
		},
		chunks: func() []map[string]any {
			out := []map[string]any{
				{"type": "message_start", "message": map[string]any{"id": InvokeID, "type": "message", "role": "assistant", "model": InvokeClaude,
					"content": []any{}, "stop_reason": nil,
					"usage": map[string]any{"input_tokens": InputTokens, "output_tokens": 1, "cache_read_input_tokens": CacheRead}}},
				{"type": "content_block_start", "index": 0, "content_block": map[string]any{"type": "text", "text": ""}},
			}
			for _, part := range fakeprovider.AnswerChunks {
				out = append(out, map[string]any{"type": "content_block_delta", "index": 0, "delta": map[string]any{"type": "text_delta", "text": part}})
			}
			return append(out,
				map[string]any{"type": "content_block_stop", "index": 0},
				map[string]any{"type": "message_delta", "delta": map[string]any{"stop_reason": "end_turn", "stop_sequence": nil}, "usage": map[string]any{"output_tokens": OutputTokens}},
				map[string]any{"type": "message_stop"})
		},
	},
	"amazon.nova": {
		response: func() map[string]any {
			return map[string]any{"output": map[string]any{"message": map[string]any{"role": "assistant", "content": []any{map[string]any{"text": fakeprovider.Answer}}}},
				"stopReason": "end_turn",
				"usage":      map[string]any{"inputTokens": InputTokens, "outputTokens": OutputTokens, "cacheReadInputTokenCount": CacheRead, "cacheWriteInputTokenCount": 0}}
		},
		chunks: func() []map[string]any {
			out := []map[string]any{{"messageStart": map[string]any{"role": "assistant"}}}
			for _, part := range fakeprovider.AnswerChunks {
				out = append(out, map[string]any{"contentBlockDelta": map[string]any{"delta": map[string]any{"text": part}, "contentBlockIndex": 0}})
			}
			return append(out,
				map[string]any{"contentBlockStop": map[string]any{"contentBlockIndex": 0}},
				map[string]any{"messageStop": map[string]any{"stopReason": "end_turn"}},
				map[string]any{"metadata": map[string]any{"usage": map[string]any{"inputTokens": InputTokens, "outputTokens": OutputTokens, "cacheReadInputTokenCount": CacheRead}}})
		},
	},
	"amazon.titan-text": {
		response: func() map[string]any {
			return map[string]any{"inputTextTokenCount": InputTokens,
				"results": []any{map[string]any{"tokenCount": OutputTokens, "outputText": fakeprovider.Answer, "completionReason": "FINISH"}}}
		},
		chunks: func() []map[string]any {
			var out []map[string]any
			for i, part := range fakeprovider.AnswerChunks {
				var reason any
				if i == len(fakeprovider.AnswerChunks)-1 {
					reason = "FINISH"
				}
				out = append(out, map[string]any{"outputText": part, "index": 0, "totalOutputTextTokenCount": bedrockTokensSoFar(i),
					"completionReason": reason, "inputTextTokenCount": InputTokens})
			}
			return out
		},
	},
	"meta.llama": {
		response: func() map[string]any {
			return map[string]any{"generation": fakeprovider.Answer, "prompt_token_count": InputTokens, "generation_token_count": OutputTokens, "stop_reason": "stop"}
		},
		chunks: func() []map[string]any {
			var out []map[string]any
			for i, part := range fakeprovider.AnswerChunks {
				chunk := map[string]any{"generation": part, "prompt_token_count": nil, "generation_token_count": bedrockTokensSoFar(i), "stop_reason": nil}
				if i == 0 {
					chunk["prompt_token_count"] = InputTokens
				}
				if i == len(fakeprovider.AnswerChunks)-1 {
					chunk["stop_reason"] = "stop"
				}
				out = append(out, chunk)
			}
			return out
		},
	},
	"mistral.": {
		response: func() map[string]any {
			return map[string]any{"outputs": []any{map[string]any{"text": fakeprovider.Answer, "stop_reason": "stop"}}}
		},
		chunks: func() []map[string]any {
			var out []map[string]any
			for i, part := range fakeprovider.AnswerChunks {
				var reason any
				if i == len(fakeprovider.AnswerChunks)-1 {
					reason = "stop"
				}
				out = append(out, map[string]any{"outputs": []any{map[string]any{"text": part, "stop_reason": reason}}})
			}
			return out
		},
	},
	"cohere.command": {
		response: func() map[string]any {
			return map[string]any{"id": InvokeID, "prompt": "Say this is a test",
				"generations": []any{map[string]any{"id": "gen-1", "text": fakeprovider.Answer, "finish_reason": "COMPLETE"}}}
		},
		chunks: func() []map[string]any {
			var out []map[string]any
			for _, part := range fakeprovider.AnswerChunks {
				out = append(out, map[string]any{"text": part, "is_finished": false})
			}
			return append(out, map[string]any{"is_finished": true, "finish_reason": "COMPLETE",
				"response": map[string]any{"id": InvokeID, "generations": []any{map[string]any{"text": fakeprovider.Answer, "finish_reason": "COMPLETE"}}}})
		},
	},
}

// bedrockTokensSoFar is the cumulative output token count after chunk i of
// AnswerChunks: one per chunk, the total with the last.
func bedrockTokensSoFar(i int) int {
	if i == len(fakeprovider.AnswerChunks)-1 {
		return OutputTokens
	}
	return i + 1
}

// bedrockFamilyOf returns the family of a model id: its last ARN part,
// without the region prefix of an inference profile.
func bedrockFamilyOf(model string) (bedrockFamily, bool) {
	if i := strings.LastIndexByte(model, '/'); i >= 0 {
		model = model[i+1:]
	}
	for _, prefix := range []string{"us.", "eu.", "apac.", "global."} {
		model = strings.TrimPrefix(model, prefix)
	}
	for prefix, f := range bedrockFamilies {
		if strings.HasPrefix(model, prefix) {
			return f, true
		}
	}
	return bedrockFamily{}, false
}

// bedrockInvoke serves InvokeModel (the family's JSON, with the token
// count headers) and InvokeModelWithResponseStream (event stream frames of
// chunk events, each carrying a base64 body of the family's format).
func bedrockInvoke(w http.ResponseWriter, model string, stream bool, body []byte) {
	if strings.Contains(model, "embed") && !stream {
		var req struct {
			Dimensions int `json:"dimensions"`
		}
		json.Unmarshal(body, &req)
		if req.Dimensions == 0 {
			req.Dimensions = EmbedDimensions
		}
		w.Header().Set("X-Amzn-Bedrock-Input-Token-Count", strconv.Itoa(EmbedTokens))
		fakeprovider.WriteJSON(w, map[string]any{"embedding": make([]float64, req.Dimensions), "inputTextTokenCount": EmbedTokens})
		return
	}
	family, ok := bedrockFamilyOf(model)
	if !ok {
		bedrockError(w, http.StatusBadRequest, "ValidationException", "The provided model identifier is invalid.")
		return
	}
	if !stream {
		w.Header().Set("X-Amzn-Bedrock-Input-Token-Count", strconv.Itoa(InputTokens))
		w.Header().Set("X-Amzn-Bedrock-Output-Token-Count", strconv.Itoa(OutputTokens))
		fakeprovider.WriteJSON(w, family.response())
		return
	}
	w.Header().Set("Content-Type", "application/vnd.amazon.eventstream")
	w.WriteHeader(http.StatusOK)
	enc := eventstream.NewEncoder()
	flusher, _ := w.(http.Flusher)
	chunks := family.chunks()
	for i, chunk := range chunks {
		if i == len(chunks)-1 {
			chunk["amazon-bedrock-invocationMetrics"] = map[string]any{"inputTokenCount": InputTokens, "outputTokenCount": OutputTokens,
				"invocationLatency": 120, "firstByteLatency": 40}
		}
		data, _ := json.Marshal(chunk)
		payload, _ := json.Marshal(map[string]any{"bytes": data}) // []byte is base64 in JSON
		var headers eventstream.Headers
		headers.Set(":event-type", eventstream.StringValue("chunk"))
		headers.Set(":content-type", eventstream.StringValue("application/json"))
		headers.Set(":message-type", eventstream.StringValue("event"))
		var buf bytes.Buffer
		enc.Encode(&buf, eventstream.Message{Headers: headers, Payload: payload})
		w.Write(buf.Bytes())
		if flusher != nil {
			flusher.Flush()
		}
	}
}
