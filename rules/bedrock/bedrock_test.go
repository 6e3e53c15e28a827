package bedrock

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"

	"github.com/aws/aws-sdk-go-v2/aws/protocol/eventstream"
	"go.opentelemetry.io/otel/attribute"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
)

// frames encodes a ConverseStream from fuzz bytes: each byte picks an event
// (or an exception, or a frame of garbage).
func frames(data []byte) []byte {
	var out bytes.Buffer
	enc := eventstream.NewEncoder()
	for i, c := range data {
		var headers eventstream.Headers
		kind, payload := "", map[string]any{}
		switch c % 7 {
		case 0:
			kind, payload = "messageStart", map[string]any{"role": "assistant"}
		case 1:
			kind, payload = "contentBlockDelta", map[string]any{"contentBlockIndex": int(c>>4) % 3, "delta": map[string]any{"text": "x"}}
		case 2:
			kind, payload = "contentBlockStart", map[string]any{"contentBlockIndex": 1, "start": map[string]any{"toolUse": map[string]any{"toolUseId": "t", "name": "f"}}}
		case 3:
			kind, payload = "contentBlockDelta", map[string]any{"contentBlockIndex": 1, "delta": map[string]any{"toolUse": map[string]any{"input": `{"a":`}}}
		case 4:
			kind, payload = "messageStop", map[string]any{"stopReason": []string{"end_turn", "max_tokens", "tool_use"}[int(c>>4)%3]}
		case 5:
			kind, payload = "metadata", map[string]any{"usage": map[string]any{"inputTokens": int(c), "outputTokens": i}}
		case 6:
			if c&0x80 != 0 {
				out.Write([]byte{0, 0, 0, byte(c)}) // a broken frame
				continue
			}
			headers.Set(":message-type", eventstream.StringValue("exception"))
			headers.Set(":exception-type", eventstream.StringValue("throttlingException"))
			enc.Encode(&out, eventstream.Message{Headers: headers, Payload: []byte(`{"message":"slow down"}`)})
			continue
		}
		headers.Set(":event-type", eventstream.StringValue(kind))
		headers.Set(":message-type", eventstream.StringValue("event"))
		headers.Set(":flag", eventstream.BoolValue(true))
		headers.Set(":n", eventstream.Int64Value(int64(i)))
		b, _ := json.Marshal(payload)
		enc.Encode(&out, eventstream.Message{Headers: headers, Payload: b})
	}
	return out.Bytes()
}

// chunkedReader returns data in the pieces splits asks for.
type chunkedReader struct {
	data   []byte
	splits []byte
}

func (r *chunkedReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, io.EOF
	}
	n := len(r.data)
	if len(r.splits) > 0 {
		n = int(r.splits[0]) + 1
		r.splits = r.splits[1:]
	}
	n = min(n, len(r.data), len(p))
	copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

func (r *chunkedReader) Close() error { return nil }

// FuzzEventStreamBody: however the frames are split across reads, the body
// passes every byte through unchanged, records the same thing, never
// panics, and ends the span exactly once.
func FuzzEventStreamBody(f *testing.F) {
	f.Add([]byte{0, 1, 1, 4, 5}, []byte{3, 200, 1})
	f.Add([]byte{0, 2, 3, 3, 4, 5}, []byte{})
	f.Add([]byte{0, 1, 6, 1}, []byte{0, 0, 0})
	f.Add([]byte{0x86, 0, 5}, []byte{7})
	rec := llmtest.Recorder(f)
	read := func(data, splits []byte) ([]byte, map[attribute.Key]attribute.Value, int) {
		before := len(rec.Ended())
		ctx, c := llminstrRT.StartInference(context.Background(), llminstrRT.OperationChat, "aws.bedrock", "m")
		body := llminstrRT.ObserveEventStream(&chunkedReader{data: data, splits: splits}, llminstrRT.NewStream(ctx, c, llminstrBedrockErrorType), llminstrRT.BedrockConverseEvent)
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
	f.Fuzz(func(t *testing.T, events, splits []byte) {
		data := frames(events)
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
