// Package llm reads streams that package main opened.
package llm

import (
	"errors"
	"io"
	"strings"

	"github.com/sashabaranov/go-openai"
)

// Drain reads the first choice's text from stream until it ends, and
// closes it.
func Drain(stream *openai.ChatCompletionStream) (string, error) {
	defer stream.Close()
	var text strings.Builder
	for {
		chunk, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return text.String(), nil
		}
		if err != nil {
			return text.String(), err
		}
		if len(chunk.Choices) > 0 && chunk.Choices[0].Index == 0 {
			text.WriteString(chunk.Choices[0].Delta.Content)
		}
	}
}
