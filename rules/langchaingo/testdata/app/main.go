// Command app calls a model through langchaingo's OpenAI provider, which
// speaks HTTP with code of its own, against the server at
// LANGCHAINAPP_BASE_URL, and runs an agent with two tools. The langchaingo
// integration's test builds it with -toolexec=llminstr.
//
//	app chat       llms.Model.GenerateContent
//	app stream     the same, streamed through llms.WithStreamingFunc
//	app single     llms.GenerateFromSinglePrompt
//	app agent      chains.Run of an OpenAI functions agent's executor
//	app executor   (*agents.Executor).Call of the same agent
//	app toolfail   chains.Run, with a tool that returns an error (which
//	               ends langchaingo's run)
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/tmc/langchaingo/agents"
	"github.com/tmc/langchaingo/chains"
	"github.com/tmc/langchaingo/llms"
	"github.com/tmc/langchaingo/llms/openai"
	"github.com/tmc/langchaingo/tools"
)

// weather is a tool of the program's own.
type weather struct{ fail bool }

func (weather) Name() string        { return "get_weather" }
func (weather) Description() string { return "The weather in a city" }
func (w weather) Call(ctx context.Context, input string) (string, error) {
	if w.fail {
		return "", errors.New("no weather station")
	}
	return "sunny in Paris", nil
}

// clock is another.
type clock struct{}

func (clock) Name() string        { return "get_time" }
func (clock) Description() string { return "The time" }
func (clock) Call(ctx context.Context, input string) (string, error) {
	return "noon", nil
}

func main() {
	if len(os.Args) != 2 {
		log.Fatal("usage: app chat|stream|single|agent|executor|toolfail")
	}
	llm, err := openai.New(
		openai.WithBaseURL(os.Getenv("LANGCHAINAPP_BASE_URL")),
		openai.WithToken("test-key"),
		openai.WithModel("gpt-4o-mini"),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	prompt := []llms.MessageContent{llms.TextParts(llms.ChatMessageTypeHuman, "Say hello.")}
	switch os.Args[1] {
	case "chat":
		res, err := llm.GenerateContent(ctx, prompt, llms.WithTemperature(0.5), llms.WithMaxTokens(64))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("answer:", res.Choices[0].Content)
	case "stream":
		var chunks []string
		res, err := llm.GenerateContent(ctx, prompt, llms.WithStreamingFunc(func(ctx context.Context, chunk []byte) error {
			chunks = append(chunks, string(chunk))
			return nil
		}))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("chunks:", strings.Join(chunks, "|"))
		fmt.Println("answer:", res.Choices[0].Content)
	case "single":
		out, err := llms.GenerateFromSinglePrompt(ctx, llm, "Say hello.")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("answer:", out)
	case "agent", "toolfail":
		agent := agents.NewOpenAIFunctionsAgent(llm, []tools.Tool{weather{fail: os.Args[1] == "toolfail"}, clock{}})
		out, err := chains.Run(ctx, agents.NewExecutor(agent), "What is the weather in Paris, and the time?")
		if err != nil {
			fmt.Println("error:", err)
			return
		}
		fmt.Println("answer:", out)
	case "executor":
		agent := agents.NewOpenAIFunctionsAgent(llm, []tools.Tool{weather{}, clock{}})
		out, err := agents.NewExecutor(agent).Call(ctx, map[string]any{"input": "What is the weather in Paris, and the time?"})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("answer:", out["output"])
	default:
		log.Fatalf("unknown mode %q", os.Args[1])
	}
}
