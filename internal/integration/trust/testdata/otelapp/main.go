// Command otelapp makes one chat call with openai-go. Its main package does
// not import OpenTelemetry: with the argument "app", it has its telemetry
// package set a global TracerProvider, whose spans it prints; without, it
// sets none.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"example.com/otelapp/telemetry"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "app" {
		shutdown := telemetry.Setup(os.Stdout)
		defer shutdown()
	}
	client := openai.NewClient(option.WithBaseURL(os.Getenv("OTELAPP_BASE_URL")), option.WithAPIKey("sk-test-secret"))
	resp, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    openai.ChatModelGPT4oMini,
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Hi")},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("answer:", resp.Choices[0].Message.Content)
}
