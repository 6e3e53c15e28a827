// Command betaapp calls the chat API through openai-go v0.1.0-beta.2, a
// pre-v1 release whose API the call-site adapters do not fit: its requests
// are traced at the wire.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/openai/openai-go"
	"github.com/openai/openai-go/option"
)

func main() {
	client := openai.NewClient(option.WithBaseURL(os.Getenv("BETAAPP_BASE_URL")), option.WithAPIKey("sk-test-secret"))
	resp, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:       openai.ChatModelGPT4oMini,
		Messages:    []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Is this a test?")},
		Temperature: openai.Float(0.5),
	})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("answer:", resp.Choices[0].Message.Content)
}
