package ollama

import (
	"context"
	"errors"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"

	"github.com/ollama/ollama/api"
)

// FuzzChatCallback: whatever responses the SDK hands the callback (partial,
// done with counts, tool calls, an error instead), the caller's callback
// sees the same ones, its error comes back unchanged, nothing panics, and
// the span ends exactly once, with content capture on.
func FuzzChatCallback(f *testing.F) {
	f.Add([]byte{0x01, 0x02, 0x80}, false)
	f.Add([]byte{0x01, 0xff}, false)
	f.Add([]byte{0x41, 0x81}, true)
	f.Add([]byte{}, false)
	f.Setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
	rec := llmtest.Recorder(f)
	f.Fuzz(func(t *testing.T, data []byte, stop bool) {
		sdkErr := errors.New("stream broken")
		call := func(ctx context.Context, req *api.ChatRequest, fn api.ChatResponseFunc) error {
			for i, c := range data {
				if c == 0xff {
					return sdkErr
				}
				res := api.ChatResponse{Model: "m", Message: api.Message{Role: "assistant", Content: "x"}}
				if c&0x40 != 0 {
					res.Message.ToolCalls = []api.ToolCall{{Function: api.ToolCallFunction{Name: "f"}}}
				}
				if c&0x80 != 0 {
					res.Done, res.DoneReason = true, []string{"stop", "length", ""}[int(c)%3]
					res.PromptEvalCount, res.EvalCount = int(c), i
				}
				if err := fn(res); err != nil {
					return err
				}
			}
			return nil
		}
		var seen int
		stopErr := errors.New("enough")
		fn := func(api.ChatResponse) error {
			seen++
			if stop {
				return stopErr
			}
			return nil
		}
		before := len(rec.Ended())
		err := llminstrOllamaChat(call, context.Background(), &api.ChatRequest{Model: "m", Messages: []api.Message{{Role: "user", Content: "hi"}}}, fn)
		wantSeen, wantErr := 0, error(nil)
		for _, c := range data {
			if c == 0xff {
				wantErr = sdkErr
				break
			}
			wantSeen++
			if stop {
				wantErr = stopErr
				break
			}
		}
		if seen != wantSeen || !errors.Is(err, wantErr) && err != wantErr {
			t.Fatalf("callback saw %d, error %v; want %d, %v", seen, err, wantSeen, wantErr)
		}
		if n := len(rec.Ended()) - before; n != 1 {
			t.Fatalf("%d spans ended, want 1", n)
		}
	})
}
