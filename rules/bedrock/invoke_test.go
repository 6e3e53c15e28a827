package bedrock

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"go.opentelemetry.io/otel/attribute"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
)

// invokeChunks are chunk bodies of the model families, and bodies no family
// sends: fields of the wrong type, not JSON.
var invokeChunks = []string{
	`{"type":"message_start","message":{"id":"msg_1","model":"claude","usage":{"input_tokens":11,"output_tokens":1,"cache_read_input_tokens":3}}}`,
	`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t1","name":"f"}}`,
	`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`,
	`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}`,
	`{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":6}}`,
	`{"contentBlockDelta":{"delta":{"text":"Hi"},"contentBlockIndex":0}}`,
	`{"messageStop":{"stopReason":"end_turn"}}`,
	`{"metadata":{"usage":{"inputTokens":11,"outputTokens":6}}}`,
	`{"outputText":"Hi","index":0,"totalOutputTextTokenCount":2,"completionReason":"FINISH","inputTextTokenCount":11}`,
	`{"generation":"Hi","prompt_token_count":11,"generation_token_count":3,"stop_reason":null}`,
	`{"outputs":[{"text":"Hi","stop_reason":"stop"}]}`,
	`{"text":"Hi","is_finished":true,"finish_reason":"COMPLETE","response":{"id":"r1"}}`,
	`{"choices":[{"index":1,"delta":{"content":"Hi"},"finish_reason":"stop"}]}`,
	`{"amazon-bedrock-invocationMetrics":{"inputTokenCount":11,"outputTokenCount":6}}`,
	`{"contentBlockStart":{"start":{"toolUse":{"toolUseId":"t2","name":"g"}},"contentBlockIndex":1}}`,
	`{"contentBlockDelta":{"delta":{"toolUse":{"input":"{\"b\":1}"}},"contentBlockIndex":1}}`,
	`{"index":"zero","stop_reason":7,"outputText":"Hi","usage":[1]}`,
	`not json`,
}

func invokeFrames(data []byte) []byte {
	var out bytes.Buffer
	enc := eventstream.NewEncoder()
	for _, c := range data {
		payload, _ := json.Marshal(map[string]any{"bytes": []byte(invokeChunks[int(c)%len(invokeChunks)])})
		var headers eventstream.Headers
		headers.Set(":event-type", eventstream.StringValue("chunk"))
		headers.Set(":message-type", eventstream.StringValue("event"))
		enc.Encode(&out, eventstream.Message{Headers: headers, Payload: payload})
	}
	return out.Bytes()
}

// FuzzInvokeStream: the chunks of any family, in any order and however the
// frames are split across reads, record the same thing, never panic, and
// end the span exactly once.
func FuzzInvokeStream(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 13}, []byte{3, 200, 1})
	f.Add([]byte{5, 5, 6, 7, 13}, []byte{})
	f.Add([]byte{8, 9, 10, 11, 12, 14, 15}, []byte{0, 0, 0})
	rec := llmtest.Recorder(f)
	var model string
	read := func(data, splits []byte) ([]byte, map[attribute.Key]attribute.Value, int) {
		before := len(rec.Ended())
		ctx, c := llminstrRT.StartInference(context.Background(), llminstrRT.OperationChat, "aws.bedrock", "m")
		body := llminstrRT.ObserveEventStream(&chunkedReader{data: data, splits: splits}, llminstrRT.NewStream(ctx, c, llminstrBedrockErrorType), llminstrRT.BedrockInvokeStream(model))
		got, _ := io.ReadAll(body)
		body.Close()
		ended := rec.Ended()[before:]
		attrs := map[attribute.Key]attribute.Value{}
		if len(ended) > 0 {
			for _, kv := range ended[0].Attributes() {
				if kv.Key != "gen_ai.response.time_to_first_chunk" {
					attrs[kv.Key] = kv.Value
				}
			}
		}
		return got, attrs, len(ended)
	}
	f.Fuzz(func(t *testing.T, chunks, splits []byte) {
		data := invokeFrames(chunks)
		// The model decides how chunks are read: Anthropic's are the
		// events of the Messages API.
		model = "amazon.nova-micro-v1:0"
		if len(chunks) > 0 && chunks[0]&0x80 != 0 {
			model = "anthropic.claude-3-haiku-20240307-v1:0"
		}
		got, attrs, n := read(data, splits)
		if !bytes.Equal(got, data) {
			t.Fatal("the body's bytes changed")
		}
		if n != 1 {
			t.Fatalf("%d spans ended, want 1", n)
		}
		_, whole, _ := read(data, nil)
		if len(attrs) != len(whole) {
			t.Fatalf("split reads record %v, one read %v", attrs, whole)
		}
		for k, v := range whole {
			if attrs[k].Emit() != v.Emit() {
				t.Fatalf("%s: split reads %s, one read %s", k, attrs[k].Emit(), v.Emit())
			}
		}
	})
}

// TestInvokeRequest: the parameters of each family's body.
func TestInvokeRequest(t *testing.T) {
	tests := []struct {
		name, model, body string
		want              map[attribute.Key]any
	}{
		{"anthropic", "us.anthropic.claude-3-haiku-20240307-v1:0",
			`{"max_tokens":64,"temperature":0.5,"top_p":0.9,"top_k":20,"stop_sequences":["|"],"messages":[]}`,
			map[attribute.Key]any{"gen_ai.request.max_tokens": int64(64), "gen_ai.request.temperature": 0.5, "gen_ai.request.top_p": 0.9, "gen_ai.request.top_k": 20.0, "gen_ai.request.stop_sequences": []string{"|"}}},
		{"titan", "amazon.titan-text-express-v1",
			`{"inputText":"x","textGenerationConfig":{"maxTokenCount":10,"temperature":0.1,"topP":1,"stopSequences":["a"]}}`,
			map[attribute.Key]any{"gen_ai.request.max_tokens": int64(10), "gen_ai.request.temperature": 0.1, "gen_ai.request.top_p": 1.0, "gen_ai.request.stop_sequences": []string{"a"}}},
		{"nova", "amazon.nova-lite-v1:0",
			`{"inferenceConfig":{"max_new_tokens":5,"temperature":0.2,"topP":0.5,"topK":3,"stopSequences":["b"]}}`,
			map[attribute.Key]any{"gen_ai.request.max_tokens": int64(5), "gen_ai.request.temperature": 0.2, "gen_ai.request.top_p": 0.5, "gen_ai.request.top_k": 3.0, "gen_ai.request.stop_sequences": []string{"b"}}},
		{"llama", "meta.llama3-70b-instruct-v1:0", `{"prompt":"x","max_gen_len":7,"temperature":0.3,"top_p":0.8}`,
			map[attribute.Key]any{"gen_ai.request.max_tokens": int64(7), "gen_ai.request.temperature": 0.3, "gen_ai.request.top_p": 0.8}},
		{"cohere", "cohere.command-light-text-v14", `{"prompt":"x","max_tokens":9,"p":0.7,"k":4,"stop_sequences":["c"]}`,
			map[attribute.Key]any{"gen_ai.request.max_tokens": int64(9), "gen_ai.request.top_p": 0.7, "gen_ai.request.top_k": 4.0, "gen_ai.request.stop_sequences": []string{"c"}}},
		{"mistral", "mistral.mistral-large-2402-v1:0", `{"prompt":"x","max_tokens":8,"stop":["d"],"seed":42}`,
			map[attribute.Key]any{"gen_ai.request.max_tokens": int64(8), "gen_ai.request.stop_sequences": []string{"d"}, "gen_ai.request.seed": int64(42)}},
		{"wrong types", "x.y", `{"max_tokens":"many","temperature":0.4}`, map[attribute.Key]any{"gen_ai.request.temperature": 0.4}},
		{"not json", "x.y", `<xml/>`, map[attribute.Key]any{}},
	}
	rec := llmtest.Recorder(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, c := llminstrRT.StartInference(context.Background(), llminstrRT.OperationChat, "aws.bedrock", tt.model)
			llminstrRT.BedrockInvokeRequest(c, llminstrRT.OperationChat, tt.model, []byte(tt.body))
			c.End(nil)
			spans := rec.Ended()
			got := map[attribute.Key]any{}
			for _, kv := range spans[len(spans)-1].Attributes() {
				if len(kv.Key) > 16 && kv.Key[:16] == "gen_ai.request.m" && kv.Key != "gen_ai.request.max_tokens" {
					continue // gen_ai.request.model
				}
				if kv.Key[:15] == "gen_ai.request." {
					got[kv.Key] = kv.Value.AsInterface()
				}
			}
			for k, v := range tt.want {
				if g, ok := got[k]; !ok || attribute.NewSet(attribute.KeyValue{Key: k, Value: attributeValue(g)}) != attribute.NewSet(attribute.KeyValue{Key: k, Value: attributeValue(v)}) {
					t.Errorf("%s = %v, want %v", k, got[k], v)
				}
				delete(got, k)
			}
			for k, v := range got {
				t.Errorf("unexpected %s = %v", k, v)
			}
		})
	}
}

func attributeValue(v any) attribute.Value {
	switch v := v.(type) {
	case int64:
		return attribute.Int64Value(v)
	case float64:
		return attribute.Float64Value(v)
	case []string:
		return attribute.StringSliceValue(v)
	}
	return attribute.StringValue("?")
}

// TestInvokeOperation: embedding models, named by id, profile or ARN, are
// called for embeddings.
func TestInvokeOperation(t *testing.T) {
	for id, want := range map[string]string{
		"us.cohere.embed-english-v3":   llminstrRT.OperationEmbeddings,
		"amazon.titan-embed-text-v2:0": llminstrRT.OperationEmbeddings,
		"arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.cohere.embed-multilingual-v3": llminstrRT.OperationEmbeddings,
		"us.anthropic.claude-3-haiku-20240307-v1:0":                                                llminstrRT.OperationChat,
		"arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0":                 llminstrRT.OperationChat,
	} {
		if got := llminstrRT.BedrockInvokeOperation(id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
}

// TestInvokeToolCalls: tool calls of Anthropic and Nova answers, whole and
// streamed, are tool_call parts.
func TestInvokeToolCalls(t *testing.T) {
	rec := llmtest.Recorder(t)
	const want = `[{"role":"assistant","parts":[{"type":"text","content":"Hi"},{"type":"tool_call","id":"t1","name":"f","arguments":{"a":1}}],"finish_reason":"tool_use"}]`
	for name, chunks := range map[string][]string{
		"anthropic": {`{"id":"m","content":[{"type":"text","text":"Hi"},{"type":"tool_use","id":"t1","name":"f","input":{"a":1}}],"stop_reason":"tool_use"}`},
		"anthropic stream": {
			`{"type":"message_start","message":{"id":"m","model":"c","usage":{"input_tokens":1}}}`,
			`{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`,
			`{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"t1","name":"f"}}`,
			`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\":"}}`,
			`{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"1}"}}`,
			`{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":3}}`,
		},
		"nova": {`{"output":{"message":{"role":"assistant","content":[{"text":"Hi"},{"toolUse":{"toolUseId":"t1","name":"f","input":{"a":1}}}]}},"stopReason":"tool_use"}`},
		"nova stream": {
			`{"messageStart":{"role":"assistant"}}`,
			`{"contentBlockDelta":{"delta":{"text":"Hi"},"contentBlockIndex":0}}`,
			`{"contentBlockStart":{"start":{"toolUse":{"toolUseId":"t1","name":"f"}},"contentBlockIndex":1}}`,
			`{"contentBlockDelta":{"delta":{"toolUse":{"input":"{\"a\":1}"}},"contentBlockIndex":1}}`,
			`{"messageStop":{"stopReason":"tool_use"}}`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			_, c := llminstrRT.StartInference(context.Background(), llminstrRT.OperationChat, "aws.bedrock", "m")
			model := "amazon.nova-micro-v1:0"
			if strings.HasPrefix(name, "anthropic") {
				model = "anthropic.claude-3-haiku-20240307-v1:0"
			}
			if strings.HasSuffix(name, "stream") {
				s := llminstrRT.NewStream(nil, c, nil)
				event := llminstrRT.BedrockInvokeStream(model)
				for _, chunk := range chunks {
					payload, _ := json.Marshal(map[string]any{"bytes": []byte(chunk)})
					event(s, "chunk", payload)
				}
				s.End(nil)
			} else {
				llminstrRT.BedrockInvokeResponse(c, model, nil, []byte(chunks[0]))
				c.End(nil)
			}
			spans := rec.Ended()
			var got string
			for _, kv := range spans[len(spans)-1].Attributes() {
				if kv.Key == "gen_ai.output.messages" {
					got = kv.Value.AsString()
				}
			}
			if got != want {
				t.Errorf("output messages\n%s\nwant\n%s", got, want)
			}
		})
	}
}
