package openai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"

	openai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// sseTransport answers every request with the same SSE body.
type sseTransport struct{ body []byte }

func (t sseTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode: 200, Header: http.Header{"Content-Type": {"text/event-stream"}},
		Body: io.NopCloser(bytes.NewReader(t.body)), Request: req,
	}, nil
}

// fuzzStream turns fuzz bytes into a chat chunk stream: each byte picks a
// choice index, whether a finish reason or usage comes, and whether the
// stream is cut short or carries a malformed event.
func fuzzStream(data []byte) []byte {
	var b bytes.Buffer
	reasons := []string{"", "stop", "length", "tool_calls", "content_filter"}
	for i, c := range data {
		chunk := map[string]any{"id": fmt.Sprintf("id-%d", i%3), "object": "chat.completion.chunk", "created": 1, "model": "m"}
		choice := map[string]any{"index": int(c % 4), "delta": map[string]any{"content": "x"}}
		if r := reasons[int(c>>2)%len(reasons)]; r != "" {
			choice["finish_reason"] = r
		}
		chunk["choices"] = []any{choice}
		switch c >> 5 {
		case 1:
			chunk["usage"] = map[string]any{"prompt_tokens": int(c), "completion_tokens": i, "total_tokens": int(c) + i}
			chunk["choices"] = []any{}
		case 2:
			chunk["choices"] = nil
		}
		switch c {
		case 0xff:
			b.WriteString("data: {not json\n\n")
			continue
		case 0xfe:
			b.WriteString("data: {\"error\":{\"message\":\"overloaded\"}}\n\n")
			continue
		}
		j, _ := json.Marshal(chunk)
		fmt.Fprintf(&b, "data: %s\n\n", j)
	}
	if len(data) == 0 || data[len(data)-1] != 0xfd {
		b.WriteString("data: [DONE]\n\n")
	}
	return b.Bytes()
}

// FuzzChatStream: whatever the stream holds, the observed stream yields the
// same chunks as the SDK's, never panics, and ends the span exactly once.
func FuzzChatStream(f *testing.F) {
	f.Add([]byte{0x01, 0x05, 0x21})
	f.Add([]byte{0x00, 0xff})
	f.Add([]byte{0x04, 0xfe, 0x04})
	f.Add([]byte{0x40, 0x41, 0xfd})
	f.Add([]byte{})
	rec := llmtest.Recorder(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		body := fuzzStream(data)
		client := openai.NewClient(option.WithAPIKey("k"), option.WithMaxRetries(0),
			option.WithHTTPClient(&http.Client{Transport: sseTransport{body}}))
		p := openai.ChatCompletionNewParams{Model: "m"}
		ctx := context.Background()

		var want []string
		bare := client.Chat.Completions.NewStreaming(ctx, p)
		for bare.Next() {
			want = append(want, bare.Current().RawJSON())
		}
		wantErr := bare.Err() != nil

		before := len(rec.Ended())
		s := llminstrOpenAIChatNewStreaming(client.Chat.Completions.NewStreaming, ctx, p)
		var got []string
		for s.Next() {
			got = append(got, s.Current().RawJSON())
		}
		if (s.Err() != nil) != wantErr {
			t.Fatalf("error %v, bare stream error %v", s.Err(), bare.Err())
		}
		s.Close()
		s.Close()
		if len(got) != len(want) {
			t.Fatalf("got %d chunks, the SDK alone gives %d", len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("chunk %d differs", i)
			}
		}
		if n := len(rec.Ended()) - before; n != 1 {
			t.Fatalf("%d spans ended, want 1", n)
		}
	})
}
