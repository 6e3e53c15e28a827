package injected

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

func waitEnded(t *testing.T, rec *spanRecorder, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(rec.Ended()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d spans ended, want %d", len(rec.Ended()), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRecoverStopsPanics(t *testing.T) {
	f := func() {
		defer Recover()
		panic("boom")
	}
	f() // must not panic
}

// TestStreamEnd: a stream ends its call once, whatever ends it first, and
// reports finish reason "error" for unfinished choices only when it failed.
func TestStreamEnd(t *testing.T) {
	rec := withAppProvider(t)
	for _, tc := range []struct {
		name       string
		end        func(*Stream, context.CancelFunc)
		wantReason []string
		wantError  string
	}{
		{"eof", func(s *Stream, _ context.CancelFunc) { s.End(io.EOF); s.End(errors.New("late")) }, []string{"stop"}, ""},
		{"failed", func(s *Stream, _ context.CancelFunc) { s.End(errors.New("broken")) }, []string{"stop", "error"}, "_OTHER"},
		{"context", func(s *Stream, cancel context.CancelFunc) { cancel(); waitEnded(t, rec, 1); s.End(nil) }, []string{"stop", "error"}, "canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec.Reset()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			ctx, c := StartInference(ctx, OperationChat, "openai", "m")
			s := NewStream(ctx, c, nil)
			s.Chunk("id-1", "m-1")
			s.Finish(0, "stop")
			s.Finish(1, "")
			s.Finish(-1, "x")
			s.Finish(maxChoices, "x")
			s.SetUsage(Usage{InputTokens: 3, OutputTokens: 4})
			tc.end(s, cancel)
			ended := rec.Ended()
			if len(ended) != 1 {
				t.Fatalf("%d spans ended, want 1", len(ended))
			}
			a := map[string]any{}
			for _, kv := range ended[0].Attributes() {
				a[string(kv.Key)] = kv.Value.AsInterface()
			}
			if got := a["gen_ai.response.finish_reasons"]; !equalStrings(got, tc.wantReason) {
				t.Errorf("finish reasons %v, want %v", got, tc.wantReason)
			}
			if got, _ := a["error.type"].(string); got != tc.wantError {
				t.Errorf("error.type %q, want %q", got, tc.wantError)
			}
			if a["gen_ai.response.id"] != "id-1" || a["gen_ai.usage.output_tokens"] != int64(4) {
				t.Errorf("attributes %v", a)
			}
		})
	}
	var nilStream *Stream
	nilStream.Chunk("a", "b")
	nilStream.Finish(0, "stop")
	nilStream.SetUsage(Usage{})
	nilStream.End(nil)
	if NewStream(context.Background(), nil, nil) != nil {
		t.Error("NewStream of a nil call is not nil")
	}
}

func equalStrings(got any, want []string) bool {
	g, ok := got.([]string)
	if !ok || len(g) != len(want) {
		return false
	}
	for i := range g {
		if g[i] != want[i] {
			return false
		}
	}
	return true
}

// TestStreamContent: text and tool call fragments accumulate per choice, in
// any order of choices.
func TestStreamContent(t *testing.T) {
	rec := withAppProvider(t)
	cfg := &contentConfig{mode: captureOnSpan, maxBytes: defaultMaxContentBytes, patterns: builtinRedactions()}
	_, c := StartInference(context.Background(), OperationChat, "openai", "m")
	c.content = cfg
	s := NewStream(nil, c, nil)
	for _, f := range []string{"Hel", "lo", " world"} {
		s.AppendText(1, f+"!")
		s.AppendText(0, f)
	}
	s.AppendToolCall(0, 0, "call_1", "weather", `{"city":`)
	s.AppendToolCall(0, 0, "", "", `"Paris"}`)
	s.Finish(0, "tool_calls")
	s.End(nil)
	got := ""
	for _, kv := range rec.Ended()[0].Attributes() {
		if kv.Key == keyOutputMessages {
			got = kv.Value.AsString()
		}
	}
	want := `[{"role":"assistant","parts":[{"type":"text","content":"Hello world"},{"type":"tool_call","id":"call_1","name":"weather","arguments":{"city":"Paris"}}],"finish_reason":"tool_calls"},` +
		`{"role":"assistant","parts":[{"type":"text","content":"Hel!lo! world!"}],"finish_reason":""}]`
	if got != want {
		t.Errorf("output messages\n got %s\nwant %s", got, want)
	}
}
