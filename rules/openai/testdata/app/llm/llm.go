// Package llm wraps an OpenAI client, so that the program reaches the SDK
// through another package.
package llm

import (
	"context"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
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

// NewAssistant returns an assistant whose client talks to baseURL, for
// programs that reach the SDK only through this package.
func NewAssistant(baseURL, model string) *Assistant {
	return &Assistant{
		Client: openai.NewClient(option.WithBaseURL(baseURL), option.WithAPIKey("sk-test-secret"), option.WithMaxRetries(0)),
		Model:  model,
	}
}
