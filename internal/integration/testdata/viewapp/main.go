// Command viewapp makes the calls llminstr view shows: an agent that asks a
// model, runs a tool and streams its answer, then a call that fails. It
// has no tracing code of its own; the integration tests build it with
// -toolexec=llminstr.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	llminstr "github.com/llminstr/llminstr/runtime"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

func main() {
	ctx := llminstr.WithConversationID(context.Background(), "conv-view-1")
	client := openai.NewClient(option.WithBaseURL(os.Getenv("OPENAI_BASE_URL")), option.WithAPIKey("sk-view-secret"), option.WithMaxRetries(0))
	if err := plan(ctx, &client, "Lisbon"); err != nil {
		log.Fatal(err)
	}
	_, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:    "no-such-model",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Are you there?")},
	})
	fmt.Println("failed as expected:", err != nil)
}

// plan asks for a plan, looks up the weather and streams the answer.
//
//llminstr:agent travel-planner
func plan(ctx context.Context, client *openai.Client, city string) error {
	res, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
		Model:       openai.ChatModelGPT4oMini,
		Temperature: openai.Float(0.2),
		Messages: []openai.ChatCompletionMessageParamUnion{
			openai.SystemMessage("You plan trips in one sentence."),
			openai.UserMessage("A day in " + city + "?"),
		},
	})
	if err != nil {
		return err
	}
	fmt.Println("plan:", res.Choices[0].Message.Content)
	weather, err := getWeather(ctx, city)
	if err != nil {
		return err
	}
	stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:         openai.ChatModelGPT4oMini,
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage("The weather is " + weather + ". Answer.")},
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

// getWeather is a tool the agent runs.
//
//llminstr:tool get_weather
func getWeather(ctx context.Context, city string) (string, error) {
	select {
	case <-time.After(20 * time.Millisecond): // as a weather service would
	case <-ctx.Done():
		return "", ctx.Err()
	}
	return "sunny, 21°C in " + city, nil
}
