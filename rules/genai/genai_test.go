package genai

import (
	"context"
	"errors"
	"iter"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"

	"google.golang.org/genai"
)

// fuzzSeq turns fuzz bytes into a stream of responses: candidates with text,
// thoughts and function calls, finish reasons, usage in some chunks, an
// error, nil responses.
func fuzzSeq(data []byte) iter.Seq2[*genai.GenerateContentResponse, error] {
	return func(yield func(*genai.GenerateContentResponse, error) bool) {
		for i, c := range data {
			if c == 0xff {
				yield(nil, errors.New("broken stream"))
				return
			}
			if c == 0xfe {
				if !yield(nil, nil) {
					return
				}
				continue
			}
			part := &genai.Part{Text: "x", Thought: c&1 == 1}
			if c&2 == 2 {
				part = &genai.Part{FunctionCall: &genai.FunctionCall{Name: "f", Args: map[string]any{"i": i}}}
			}
			cand := &genai.Candidate{Index: int32(c>>2) & 3, Content: &genai.Content{Role: "model", Parts: []*genai.Part{part, nil}}}
			if c&16 == 16 {
				cand.FinishReason = genai.FinishReasonStop
			}
			res := &genai.GenerateContentResponse{ResponseID: "r", ModelVersion: "m", Candidates: []*genai.Candidate{cand, nil}[:1+int(c>>7)]}
			if c&32 == 32 {
				res.UsageMetadata = &genai.GenerateContentResponseUsageMetadata{PromptTokenCount: int32(c), CandidatesTokenCount: int32(i)}
			}
			if !yield(res, nil) {
				return
			}
		}
	}
}

// FuzzGenerateContentStream: the observed iterator yields exactly what the
// SDK's does, stops when the consumer stops, never panics, and ends the
// span exactly once, with content capture on.
func FuzzGenerateContentStream(f *testing.F) {
	f.Add([]byte{0x00, 0x01, 0x02, 0x30}, uint8(0))
	f.Add([]byte{0x10, 0xff, 0x10}, uint8(1))
	f.Add([]byte{0xfe, 0x84, 0x93}, uint8(2))
	f.Add([]byte{}, uint8(0))
	f.Setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
	rec := llmtest.Recorder(f)
	f.Fuzz(func(t *testing.T, data []byte, stopAfter uint8) {
		call := func(context.Context, string, []*genai.Content, *genai.GenerateContentConfig) iter.Seq2[*genai.GenerateContentResponse, error] {
			return fuzzSeq(data)
		}
		type item struct {
			res *genai.GenerateContentResponse
			err error
		}
		collect := func(seq iter.Seq2[*genai.GenerateContentResponse, error]) []item {
			var out []item
			for res, err := range seq {
				out = append(out, item{res, err})
				if stopAfter > 0 && len(out) == int(stopAfter) {
					break
				}
			}
			return out
		}
		want := collect(fuzzSeq(data))
		before := len(rec.Ended())
		got := collect(llminstrGenAIGenerateContentStream(call, context.Background(), "models/gemini", nil, nil))
		if len(got) != len(want) {
			t.Fatalf("got %d items, the SDK alone gives %d", len(got), len(want))
		}
		for i := range got {
			if got[i].res != want[i].res && (got[i].res == nil || want[i].res == nil || got[i].res.ResponseID != want[i].res.ResponseID) ||
				(got[i].err == nil) != (want[i].err == nil) {
				t.Fatalf("item %d differs", i)
			}
		}
		if n := len(rec.Ended()) - before; n != 1 {
			t.Fatalf("%d spans ended, want 1", n)
		}
	})
}
