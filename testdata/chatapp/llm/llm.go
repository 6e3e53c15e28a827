// Package llm wraps an OpenAI client, so that the program reaches the SDK
// through another package.
package llm

import (
	"context"

	"github.com/openai/openai-go/v3"
)

// Assistant holds its client in a struct field.
type Assistant struct {
	Client openai.Client
	Model  string
}

// Ask makes one chat call from this package.
func (a *Assistant) Ask(ctx context.Context, question string) (string, error) {
	res, err := a.Client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:    a.Model,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage(question)},
	})
	if err != nil {
		return "", err
	}
	return res.Choices[0].Message.Content, nil
}

// Service returns the chat completions service of a client: callers reach
// the SDK method through a function result.
func Service(c *openai.Client) *openai.ChatCompletionService { return &c.Chat.Completions }
