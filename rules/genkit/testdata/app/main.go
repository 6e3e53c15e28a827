// Command app generates through Genkit's OpenAI plugin (openai-go) against
// the server at GENKITAPP_BASE_URL. The genkit integration's test builds
// it with -toolexec=llminstr.
//
//	app generate   genkit.Generate of a prompt
//	app tools      the same, with two tools the model calls
//	app stream     genkit.Generate streamed (ai.WithStreaming), with the tools
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/firebase/genkit/go/ai"
	"github.com/firebase/genkit/go/genkit"
	"github.com/firebase/genkit/go/plugins/compat_oai/openai"
	"github.com/openai/openai-go/option"
)

type weatherInput struct {
	City string `json:"city"`
}

type timeInput struct{}

func main() {
	ctx := context.Background()
	g := genkit.Init(ctx,
		genkit.WithPlugins(&openai.OpenAI{APIKey: "sk-test-secret", Opts: []option.RequestOption{option.WithBaseURL(os.Getenv("GENKITAPP_BASE_URL"))}}),
		genkit.WithDefaultModel("openai/gpt-4o-mini"),
	)
	weather := genkit.DefineTool(g, "get_weather", "The weather in a city", func(ctx *ai.ToolContext, in weatherInput) (string, error) {
		return "sunny in " + in.City, nil
	})
	clock := genkit.DefineTool(g, "get_time", "The time", func(ctx *ai.ToolContext, in timeInput) (string, error) {
		return "noon", nil
	})
	opts := []ai.GenerateOption{ai.WithPrompt("What is the weather in Paris, and the time?")}
	mode := ""
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	if mode == "tools" || mode == "stream" {
		opts = append(opts, ai.WithTools(weather, clock))
	}
	chunks := 0
	if mode == "stream" {
		opts = append(opts, ai.WithStreaming(func(ctx context.Context, c *ai.ModelResponseChunk) error {
			if c.Text() != "" {
				chunks++
			}
			return nil
		}))
	}
	resp, err := genkit.Generate(ctx, g, opts...)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("answer:", resp.Text())
	if mode == "stream" {
		fmt.Println("text chunks:", chunks)
	}
}
