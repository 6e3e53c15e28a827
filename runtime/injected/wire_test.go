package injected

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

// wireServer answers like an OpenAI-compatible server: a chat JSON
// response, or a stream when asked; anything else is 404.
func wireServer(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Model  string `json:"model"`
			Stream bool   `json:"stream"`
		}
		json.NewDecoder(r.Body).Decode(&req)
		switch {
		case !strings.HasSuffix(r.URL.Path, "/chat/completions"):
			http.NotFound(w, r)
		case req.Stream:
			w.Header().Set("Content-Type", "text/event-stream")
			for _, part := range []string{"Hel", "lo"} {
				fmt.Fprintf(w, "data: {\"id\":\"c1\",\"model\":\"m-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":%q}}]}\n\n", part)
			}
			fmt.Fprint(w, "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n")
			fmt.Fprint(w, "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2}}\n\n")
			fmt.Fprint(w, "data: [DONE]\n\n")
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"id":"c1","model":"m-1","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1}}}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// sendWire sends a request through TraceWire as net/http's hook does, and
// reads the whole answer.
func sendWire(t *testing.T, ctx context.Context, url, body string, getBody bool) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if !getBody {
		req.Body, req.GetBody = io.NopCloser(strings.NewReader(body)), nil
	}
	sent := 0
	resp, err := TraceWire(req, func(r *http.Request) (*http.Response, error) {
		sent++
		return http.DefaultTransport.RoundTrip(r)
	})
	if err != nil {
		t.Fatal(err)
	}
	if sent != 1 {
		t.Fatalf("the request was sent %d times", sent)
	}
	out, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestTraceWire(t *testing.T) {
	srv := wireServer(t)
	chat := `{"model":"m","temperature":0.5,"messages":[{"role":"user","content":"hi"}]}`
	for _, tc := range []struct {
		name, path, body string
		getBody          bool
		want             map[string]string // attribute: value as printed; "" for absent
	}{
		{"json", "/v1/chat/completions", chat, true, map[string]string{
			"gen_ai.request.model": "m", "gen_ai.request.temperature": "0.5", "gen_ai.response.id": "c1",
			"gen_ai.response.model": "m-1", "gen_ai.response.finish_reasons": `["stop"]`,
			"gen_ai.usage.input_tokens": "3", "gen_ai.usage.output_tokens": "2", "gen_ai.usage.cache_read.input_tokens": "1",
			"gen_ai.request.stream": "", "gen_ai.response.time_to_first_chunk": "",
		}},
		{"stream", "/v1/chat/completions", `{"model":"m","stream":true,"messages":[]}`, true, map[string]string{
			"gen_ai.request.stream": "true", "gen_ai.response.id": "c1", "gen_ai.response.model": "m-1",
			"gen_ai.response.finish_reasons": `["stop"]`, "gen_ai.usage.input_tokens": "3", "gen_ai.usage.output_tokens": "2",
		}},
		{"body read as sent", "/v1/chat/completions", chat, false, map[string]string{
			"gen_ai.request.model": "m", "gen_ai.request.temperature": "0.5", "gen_ai.usage.output_tokens": "2",
		}},
		{"trailing slash", "/v1/chat/completions/", chat, true, map[string]string{"gen_ai.request.model": "m"}},
		{"api error", "/v1/x/chat/completions?fail", `{"model":"m"}`, true, map[string]string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := withAppProvider(t)
			path := tc.path
			if strings.HasSuffix(path, "?fail") {
				srv404 := httptest.NewServer(http.NotFoundHandler())
				defer srv404.Close()
				sendWire(t, context.Background(), srv404.URL+strings.TrimSuffix(path, "?fail"), tc.body, tc.getBody)
			} else {
				sendWire(t, context.Background(), srv.URL+path, tc.body, tc.getBody)
			}
			spans := rec.Ended()
			if len(spans) != 1 {
				t.Fatalf("%d spans, want 1", len(spans))
			}
			attrs := attrMap(spans[0].Attributes())
			if tc.name == "api error" {
				if got := attrs["error.type"].Emit(); got != "NotFoundError" {
					t.Errorf("error.type = %q", got)
				}
				return
			}
			if spans[0].Name() != "chat m" {
				t.Errorf("span name %q", spans[0].Name())
			}
			for k, want := range tc.want {
				v, ok := attrs[attribute.Key(k)]
				switch {
				case want == "" && ok:
					t.Errorf("%s = %s, want none", k, v.Emit())
				case want != "" && (!ok || emit(v) != want):
					t.Errorf("%s = %q, want %q", k, emit(v), want)
				}
			}
		})
	}
}

// TestTraceWireLeavesOthersAlone: requests of no known shape, and requests
// an adapter already traces, get no span and pass untouched.
func TestTraceWireLeavesOthersAlone(t *testing.T) {
	srv := wireServer(t)
	rec := withAppProvider(t)
	chat := `{"model":"m","messages":[]}`
	sendWire(t, context.Background(), srv.URL+"/v1/other", chat, true)
	sendWire(t, context.Background(), srv.URL+"/v1/responses", `{"survey":1}`, true)    // a common suffix, another API
	sendWire(t, context.Background(), srv.URL+"/v1/embeddings", `{"input":"x"}`, false) // common suffix, body unseen
	ctx, c := StartInference(context.Background(), OperationChat, "openai", "m")        // an adapter's call
	if got := sendWire(t, ctx, srv.URL+"/v1/chat/completions", chat, true); !strings.Contains(got, "Hello") {
		t.Errorf("answer %q", got)
	}
	c.End(nil)
	if n := len(rec.Ended()); n != 1 {
		t.Errorf("%d spans, want only the adapter's", n)
	}
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/chat/completions", nil)
	if _, err := TraceWire(req, http.DefaultTransport.RoundTrip); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Ended()); n != 1 {
		t.Errorf("a GET was traced")
	}
}

func TestMatchWireShape(t *testing.T) {
	for path, want := range map[string]string{
		"/v1/chat/completions":                                  "chat openai",
		"/openai/deployments/gpt/chat/completions":              "chat openai",
		"/v1/completions":                                       "text_completion openai",
		"/v1/messages":                                          "chat anthropic",
		"/v1beta/models/gemini-2.0-flash:generateContent":       "generate_content gcp.gemini",
		"/v1beta/models/gemini-2.0-flash:streamGenerateContent": "generate_content gcp.gemini",
		"/api/chat":                              "chat ollama",
		"/api/embed":                             "embeddings ollama",
		"/v1/traces":                             "",
		"/chat":                                  "",
		"/model/amazon.nova-micro-v1:0/converse": "chat aws.bedrock",
		"/model/us.anthropic.claude-3-haiku-20240307-v1:0/converse-stream": "chat aws.bedrock",
		"/model/arn:aws:bedrock:us-east-1:1:inference-profile/x/invoke":    "chat aws.bedrock",
		"/model/m/invoke-with-response-stream":                             "chat aws.bedrock",
		"/2015-03-31/functions/f/invoke":                                   "",
		"/converse":                                                        "",
	} {
		got := ""
		if s := matchWireShape(path); s != nil {
			got = s.Operation + " " + s.Provider
		}
		if got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
	for host, want := range map[string]string{
		"api.openai.com": "openai", "api.groq.com": "groq", "x.openai.azure.com": "azure.ai.openai",
		"gateway.internal": "openai", "127.0.0.1": "openai",
	} {
		if got := wireProvider(&wireShapes[0], host); got != want {
			t.Errorf("provider of %s: %q, want %q", host, got, want)
		}
	}
}

// BenchmarkTraceWireOther is the cost the hook adds to a request that is
// not an LLM call: a method and path check.
func BenchmarkTraceWireOther(b *testing.B) {
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1/v1/traces", strings.NewReader("x"))
	send := func(*http.Request) (*http.Response, error) { return nil, nil }
	b.ReportAllocs()
	for b.Loop() {
		TraceWire(req, send)
	}
}

// FuzzWireResponse feeds any body, in every API format, to the readers of
// whole responses, event streams and NDJSON streams: none may panic, and
// each call ends once.
func FuzzWireResponse(f *testing.F) {
	f.Add(uint8(0), []byte(`data: {"id":"c","choices":[{"index":0,"delta":{"content":"x","tool_calls":[{"index":0,"id":"t","function":{"name":"f","arguments":"{"}}]},"finish_reason":"stop"}],"usage":{"prompt_tokens":1}}`+"\n\ndata: [DONE]\n\n"))
	f.Add(uint8(4), []byte("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"usage\":{\"input_tokens\":3}}}\n\n"))
	f.Add(uint8(5), []byte(`{"candidates":[{"index":0,"finishReason":"STOP","content":{"parts":[{"text":"a"},{"functionCall":{"name":"f","args":{}}}]}}],"usageMetadata":{"promptTokenCount":2}}`))
	f.Add(uint8(8), []byte(`{"model":"m","message":{"content":"a"},"done":false}`+"\n"+`{"done":true,"done_reason":"stop","eval_count":2}`+"\n"))
	f.Add(uint8(3), []byte(`data: {"type":"response.completed","response":{"id":"r","status":"completed","output":[{"type":"message","content":[{"text":"a"}]}],"usage":{"input_tokens":1}}}`+"\n\n"))
	f.Add(uint8(13), []byte(`{"output":{"message":{"content":[{"text":"a"},{"toolUse":{"toolUseId":"t","name":"f","input":{}}}]}},"stopReason":"end_turn","usage":{"inputTokens":1}}`))
	f.Add(uint8(15), []byte(`{"id":"m","content":[{"type":"text","text":"a"}],"stop_reason":"end_turn","usage":{"input_tokens":1}}`))
	f.Fuzz(func(t *testing.T, format uint8, body []byte) {
		shape := &wireShapes[int(format)%len(wireShapes)]
		_, c := StartInference(context.Background(), shape.Operation, shape.Provider, "m")
		(&wireCall{shape: shape, call: c, model: "m"}).recordResponse(nil, body)
		c.End(nil)

		w := &wireCall{shape: shape}
		_, c = StartInference(context.Background(), shape.Operation, shape.Provider, "m")
		s := NewStream(nil, c, nil)
		io.ReadAll(ObserveSSE(io.NopCloser(strings.NewReader(string(body))), s, w.eventHandler()))
		if !c.Ended() {
			t.Fatal("an event stream did not end its call")
		}
		_, c = StartInference(context.Background(), shape.Operation, shape.Provider, "m")
		s = NewStream(nil, c, nil)
		io.ReadAll(ObserveBody(io.NopCloser(strings.NewReader(string(body))), s, &ndjsonParser{handle: ollamaLine}))
		if !c.Ended() {
			t.Fatal("an NDJSON stream did not end its call")
		}
	})
}

// TestTraceWireFormats sends one request in each API format the fallback
// reads to a server that answers with that API's canned response, whole or
// streamed, and checks what the span recorded from the wire.
func TestTraceWireFormats(t *testing.T) {
	for _, tc := range []struct {
		name, path, request, contentType, response string
		want                                       map[string]string
	}{
		{
			"anthropic", "/v1/messages", `{"model":"claude","max_tokens":9,"top_k":5,"messages":[]}`, "application/json",
			`{"id":"msg_1","model":"claude-1","stop_reason":"end_turn","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":3,"output_tokens":2,"cache_read_input_tokens":1}}`,
			map[string]string{"gen_ai.provider.name": "anthropic", "gen_ai.request.max_tokens": "9", "gen_ai.request.top_k": "5", "gen_ai.response.id": "msg_1",
				"gen_ai.response.finish_reasons": `["end_turn"]`, "gen_ai.usage.input_tokens": "4", "gen_ai.usage.output_tokens": "2"},
		},
		{
			"gemini", "/v1beta/models/gemini-2.0-flash:generateContent", `{"contents":[],"generationConfig":{"temperature":0.2,"maxOutputTokens":7}}`, "application/json",
			`{"responseId":"r1","modelVersion":"gemini-2.0-flash-001","candidates":[{"index":0,"finishReason":"STOP","content":{"parts":[{"text":"hi"}]}}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"thoughtsTokenCount":1}}`,
			map[string]string{"gen_ai.operation.name": "generate_content", "gen_ai.provider.name": "gcp.gemini", "gen_ai.request.model": "gemini-2.0-flash",
				"gen_ai.request.temperature": "0.2", "gen_ai.request.max_tokens": "7", "gen_ai.response.id": "r1", "gen_ai.response.model": "gemini-2.0-flash-001",
				"gen_ai.response.finish_reasons": `["stop"]`, "gen_ai.usage.input_tokens": "3", "gen_ai.usage.output_tokens": "3", "gen_ai.usage.reasoning.output_tokens": "1",
				"gen_ai.response.time_to_first_chunk": ""},
		},
		{
			"gemini stream", "/v1beta/models/gemini-2.0-flash:streamGenerateContent", `{"contents":[]}`, "text/event-stream",
			"data: {\"responseId\":\"r1\",\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"h\"}]}}]}\r\n\r\ndata: {\"responseId\":\"r1\",\"candidates\":[{\"finishReason\":\"STOP\",\"content\":{\"parts\":[{\"text\":\"i\"}]}}],\"usageMetadata\":{\"promptTokenCount\":3,\"candidatesTokenCount\":2}}\r\n\r\n",
			map[string]string{"gen_ai.request.stream": "true", "gen_ai.response.id": "r1", "gen_ai.response.finish_reasons": `["stop"]`, "gen_ai.usage.output_tokens": "2"},
		},
		{
			"ollama stream", "/api/chat", `{"model":"llama3","messages":[],"options":{"num_predict":5,"seed":1}}`, "application/x-ndjson",
			"{\"model\":\"llama3\",\"message\":{\"content\":\"h\"},\"done\":false}\n{\"model\":\"llama3\",\"message\":{\"content\":\"i\"},\"done\":true,\"done_reason\":\"stop\",\"prompt_eval_count\":3,\"eval_count\":2}\n",
			map[string]string{"gen_ai.provider.name": "ollama", "gen_ai.request.stream": "true", "gen_ai.request.max_tokens": "5", "gen_ai.request.seed": "1",
				"gen_ai.response.model": "llama3", "gen_ai.response.finish_reasons": `["stop"]`, "gen_ai.usage.input_tokens": "3", "gen_ai.usage.output_tokens": "2"},
		},
		{
			"ollama whole", "/api/generate", `{"model":"llama3","prompt":"x","stream":false}`, "application/json",
			`{"model":"llama3","response":"hi","done":true,"done_reason":"length","prompt_eval_count":3,"eval_count":2}`,
			map[string]string{"gen_ai.operation.name": "text_completion", "gen_ai.request.stream": "", "gen_ai.response.finish_reasons": `["length"]`, "gen_ai.usage.output_tokens": "2"},
		},
		{
			"responses stream", "/v1/responses", `{"model":"gpt-5","input":"x","stream":true,"max_output_tokens":8}`, "text/event-stream",
			"event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-5-1\"}}\n\nevent: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"model\":\"gpt-5-1\",\"status\":\"completed\",\"usage\":{\"input_tokens\":3,\"output_tokens\":2,\"output_tokens_details\":{\"reasoning_tokens\":1}}}}\n\n",
			map[string]string{"gen_ai.request.max_tokens": "8", "gen_ai.response.id": "resp_1", "gen_ai.response.model": "gpt-5-1", "gen_ai.response.finish_reasons": `["stop"]`,
				"gen_ai.usage.input_tokens": "3", "gen_ai.usage.output_tokens": "2", "gen_ai.usage.reasoning.output_tokens": "1"},
		},
		{
			"cohere", "/v2/chat", `{"model":"command-r","messages":[],"p":0.9,"k":4}`, "application/json",
			`{"id":"c-1","finish_reason":"COMPLETE","message":{"role":"assistant","content":[{"type":"text","text":"hi"}]},"usage":{"tokens":{"input_tokens":3,"output_tokens":2}}}`,
			map[string]string{"gen_ai.provider.name": "cohere", "gen_ai.request.top_p": "0.9", "gen_ai.request.top_k": "4", "gen_ai.response.id": "c-1",
				"gen_ai.response.finish_reasons": `["complete"]`, "gen_ai.usage.input_tokens": "3", "gen_ai.usage.output_tokens": "2"},
		},
		{
			"cohere stream", "/v2/chat", `{"model":"command-r","messages":[],"stream":true}`, "text/event-stream",
			"event: message-start\ndata: {\"type\":\"message-start\",\"id\":\"c-1\"}\n\nevent: content-delta\ndata: {\"type\":\"content-delta\",\"delta\":{\"message\":{\"content\":{\"text\":\"hi\"}}}}\n\nevent: message-end\ndata: {\"type\":\"message-end\",\"delta\":{\"finish_reason\":\"MAX_TOKENS\",\"usage\":{\"tokens\":{\"input_tokens\":3,\"output_tokens\":2}}}}\n\n",
			map[string]string{"gen_ai.request.stream": "true", "gen_ai.response.id": "c-1", "gen_ai.response.finish_reasons": `["max_tokens"]`, "gen_ai.usage.output_tokens": "2"},
		},
		{
			"bedrock converse", "/model/amazon.nova-micro-v1:0/converse",
			`{"messages":[{"role":"user","content":[{"text":"x"}]}],"inferenceConfig":{"maxTokens":9,"temperature":0.8,"stopSequences":["|"]}}`, "application/json",
			`{"output":{"message":{"role":"assistant","content":[{"text":"hi"}]}},"stopReason":"end_turn","usage":{"inputTokens":3,"outputTokens":2,"totalTokens":5,"cacheReadInputTokens":1},"metrics":{"latencyMs":9}}`,
			map[string]string{"gen_ai.provider.name": "aws.bedrock", "gen_ai.operation.name": "chat", "gen_ai.request.model": "amazon.nova-micro-v1:0",
				"gen_ai.request.max_tokens": "9", "gen_ai.request.temperature": "0.8", "gen_ai.request.stop_sequences": `["|"]`,
				"gen_ai.response.finish_reasons": `["end_turn"]`, "gen_ai.usage.input_tokens": "4", "gen_ai.usage.cache_read.input_tokens": "1",
				"gen_ai.usage.output_tokens": "2", "gen_ai.request.stream": ""},
		},
		{
			"bedrock converse stream", "/model/amazon.nova-micro-v1:0/converse-stream", `{"messages":[],"inferenceConfig":{"topP":0.5}}`, "application/vnd.amazon.eventstream",
			eventStream(
				"messageStart", `{"role":"assistant"}`,
				"contentBlockDelta", `{"contentBlockIndex":0,"delta":{"text":"hi"}}`,
				"messageStop", `{"stopReason":"max_tokens"}`,
				"metadata", `{"usage":{"inputTokens":3,"outputTokens":2}}`),
			map[string]string{"gen_ai.request.stream": "true", "gen_ai.request.top_p": "0.5", "gen_ai.response.finish_reasons": `["max_tokens"]`,
				"gen_ai.usage.input_tokens": "3", "gen_ai.usage.output_tokens": "2"},
		},
		{
			"bedrock invoke", "/model/us.anthropic.claude-3-haiku-20240307-v1:0/invoke",
			`{"anthropic_version":"bedrock-2023-05-31","max_tokens":9,"top_k":5,"messages":[{"role":"user","content":"x"}]}`, "application/json",
			`{"id":"msg_1","model":"claude-1","stop_reason":"end_turn","content":[{"type":"text","text":"hi"}],"usage":{"input_tokens":3,"output_tokens":2}}`,
			map[string]string{"gen_ai.provider.name": "aws.bedrock", "gen_ai.request.model": "us.anthropic.claude-3-haiku-20240307-v1:0",
				"gen_ai.request.max_tokens": "9", "gen_ai.request.top_k": "5", "gen_ai.response.id": "msg_1", "gen_ai.response.model": "claude-1",
				"gen_ai.response.finish_reasons": `["end_turn"]`, "gen_ai.usage.input_tokens": "3", "gen_ai.usage.output_tokens": "2"},
		},
		{
			"bedrock invoke stream", "/model/meta.llama3-8b-instruct-v1:0/invoke-with-response-stream", `{"prompt":"x","max_gen_len":9}`, "application/vnd.amazon.eventstream",
			eventStream(
				"chunk", `{"bytes":"`+base64.StdEncoding.EncodeToString([]byte(`{"generation":"h","prompt_token_count":3}`))+`"}`,
				"chunk", `{"bytes":"`+base64.StdEncoding.EncodeToString([]byte(`{"generation":"i","generation_token_count":2,"stop_reason":"stop"}`))+`"}`),
			map[string]string{"gen_ai.request.stream": "true", "gen_ai.request.max_tokens": "9", "gen_ai.response.finish_reasons": `["stop"]`,
				"gen_ai.usage.input_tokens": "3", "gen_ai.usage.output_tokens": "2"},
		},
		{
			"bedrock invoke embeddings", "/model/amazon.titan-embed-text-v2:0/invoke", `{"inputText":"x","dimensions":3}`, "application/json",
			`{"embedding":[0.1,0.2,0.3],"inputTextTokenCount":4}`,
			map[string]string{"gen_ai.operation.name": "embeddings", "gen_ai.embeddings.dimension.count": "3", "gen_ai.usage.input_tokens": "4", "gen_ai.usage.output_tokens": ""},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", tc.contentType)
				io.WriteString(w, tc.response)
			}))
			defer srv.Close()
			rec := withAppProvider(t)
			if got := sendWire(t, context.Background(), srv.URL+tc.path, tc.request, true); got != tc.response {
				t.Errorf("the client read %q", got)
			}
			spans := rec.Ended()
			if len(spans) != 1 {
				t.Fatalf("%d spans, want 1", len(spans))
			}
			attrs := attrMap(spans[0].Attributes())
			for k, want := range tc.want {
				v, ok := attrs[attribute.Key(k)]
				switch {
				case want == "" && ok:
					t.Errorf("%s = %s, want none", k, v.Emit())
				case want != "" && (!ok || emit(v) != want):
					t.Errorf("%s = %q, want %q", k, emit(v), want)
				}
			}
		})
	}
}

// eventStream encodes events, given as :event-type and payload pairs, as
// AWS event stream frames.
func eventStream(events ...string) string {
	var out bytes.Buffer
	for i := 0; i+1 < len(events); i += 2 {
		var headers bytes.Buffer
		for _, h := range [][2]string{{":event-type", events[i]}, {":message-type", "event"}, {":content-type", "application/json"}} {
			headers.WriteByte(byte(len(h[0])))
			headers.WriteString(h[0])
			headers.WriteByte(7) // string
			binary.Write(&headers, binary.BigEndian, uint16(len(h[1])))
			headers.WriteString(h[1])
		}
		total := 12 + headers.Len() + len(events[i+1]) + 4
		frame := binary.BigEndian.AppendUint32(nil, uint32(total))
		frame = binary.BigEndian.AppendUint32(frame, uint32(headers.Len()))
		frame = binary.BigEndian.AppendUint32(frame, crc32.ChecksumIEEE(frame))
		frame = append(append(frame, headers.Bytes()...), events[i+1]...)
		out.Write(binary.BigEndian.AppendUint32(frame, crc32.ChecksumIEEE(frame)))
	}
	return out.String()
}

// TestBedrockBaseModel: the foundation model of ids, profiles and ARNs.
func TestBedrockBaseModel(t *testing.T) {
	for id, want := range map[string]string{
		"anthropic.claude-3-haiku-20240307-v1:0":                                               "anthropic.claude-3-haiku-20240307-v1:0",
		"us.anthropic.claude-3-haiku-20240307-v1:0":                                            "anthropic.claude-3-haiku-20240307-v1:0",
		"global.amazon.nova-pro-v1:0":                                                          "amazon.nova-pro-v1:0",
		"arn:aws:bedrock:us-east-1::foundation-model/meta.llama3-8b-instruct-v1:0":             "meta.llama3-8b-instruct-v1:0",
		"arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.mistral.mistral-large-v1": "mistral.mistral-large-v1",
		"amazon.titan-embed-text-v2:0":                                                         "amazon.titan-embed-text-v2:0",
	} {
		if got := bedrockBaseModel(id); got != want {
			t.Errorf("%s: %s, want %s", id, got, want)
		}
	}
}

// TestTraceWireHTTP2 reads a streamed answer over HTTP/2.
func TestTraceWireHTTP2(t *testing.T) {
	srv := httptest.NewUnstartedServer(wireServer(t).Config.Handler)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	defer srv.Close()
	rec := withAppProvider(t)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/chat/completions", strings.NewReader(`{"model":"m","stream":true,"messages":[]}`))
	resp, err := TraceWire(req, srv.Client().Transport.RoundTrip)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ProtoMajor != 2 {
		t.Fatalf("the answer came over %s", resp.Proto)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	if got := attrMap(spans[0].Attributes())["gen_ai.usage.output_tokens"].Emit(); got != "2" {
		t.Errorf("output tokens %q over HTTP/2", got)
	}
}

func TestTraceWireDisabled(t *testing.T) {
	for env, want := range map[string]bool{"": false, "openai": false, "openai, Wire": true, "wire": true, "wired": false} {
		if got := wireDisabledBy(func(string) string { return env }); got != want {
			t.Errorf("LLMINSTR_DISABLE=%q: disabled %v, want %v", env, got, want)
		}
	}
	srv := wireServer(t)
	rec := withAppProvider(t)
	saved := wireDisabled
	wireDisabled = func() bool { return true }
	defer func() { wireDisabled = saved }()
	sendWire(t, context.Background(), srv.URL+"/v1/chat/completions", `{"model":"m","messages":[]}`, true)
	if n := len(rec.Ended()); n != 0 {
		t.Errorf("%d spans with the fallback disabled", n)
	}
}

// TestTraceWireNeverCallsGetBody: the request body is read as the
// transport sends it; GetBody, which a client may count or which may read a
// file again, is left to net/http (openai-go's tests count its calls).
func TestTraceWireNeverCallsGetBody(t *testing.T) {
	srv := wireServer(t)
	rec := withAppProvider(t)
	const body = `{"model":"gpt-4o-mini","messages":[],"max_tokens":7}`
	for _, path := range []string{"/v1/chat/completions", "/v1/responses"} {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		getBody := req.GetBody
		calls := 0
		req.GetBody = func() (io.ReadCloser, error) {
			calls++
			return getBody()
		}
		resp, err := TraceWire(req, func(r *http.Request) (*http.Response, error) { return http.DefaultTransport.RoundTrip(r) })
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(resp.Body)
		resp.Body.Close()
		if calls != 0 {
			t.Errorf("%s: GetBody called %d times", path, calls)
		}
	}
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want 2", len(spans))
	}
	for _, s := range spans {
		attrs := attrMap(s.Attributes())
		if attrs["gen_ai.request.model"].AsString() != "gpt-4o-mini" || attrs["gen_ai.request.max_tokens"].AsInt64() != 7 {
			t.Errorf("%s: %v", s.Name(), attrs)
		}
	}
}
