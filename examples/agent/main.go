// Command agent is a small assistant that plans with one chat call and
// answers with a streamed one. It has no tracing code of its own: built with
// `go build -toolexec=llminstr`, every call is traced, as a child of the
// agent's span (the //llminstr:agent directive) and with the conversation id
// the context carries.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	llminstr "github.com/llminstr/llminstr/runtime"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

func main() {
	ctx := llminstr.WithConversationID(context.Background(), "conv-demo-1")
	client := openai.NewClient(option.WithBaseURL(os.Getenv("OPENAI_BASE_URL")), option.WithAPIKey("sk-demo"))
	if err := assist(ctx, &client, "Is this a test? Mail the answer to jane.doe@example.com."); err != nil {
		log.Fatal(err)
	}
}

// assist plans, then answers.
//
//llminstr:agent assistant
func assist(ctx context.Context, client *openai.Client, question string) error {
	plan, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:       openai.ChatModelGPT4oMini,
		Temperature: openai.Float(0.2),
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("Plan the answer in one sentence."),
			openai.UserMessage(question),
		},
	})
	if err != nil {
		return err
	}
	fmt.Println("plan:", plan.Choices[0].Message.Content)

	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:         openai.ChatModelGPT4oMini,
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Answer it.")},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	fmt.Print("answer: ")
	for stream.Next() {
		if chunk := stream.Current(); len(chunk.Choices) > 0 {
			fmt.Print(chunk.Choices[0].Delta.Content)
		}
	}
	fmt.Println()
	return stream.Err()
}
