// Command app runs a charm.land/fantasy agent with two tools (one made
// with fantasy.NewAgentTool, one an AgentTool of its own) through fantasy's
// OpenAI provider against the server at FANTASYAPP_BASE_URL. The fantasy
// integration's test builds it with -toolexec=llminstr.
//
//	app generate   Agent.Generate
//	app stream     Agent.Stream
//	app toolerror  Agent.Generate, with a tool whose response is an error
//	app toolfail   Agent.Generate, with a tool that returns an error (which
//	               ends fantasy's run)
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"

	"charm.land/fantasy"
	"charm.land/fantasy/providers/openai"
)

type weatherInput struct {
	City string `json:"city" description:"The city"`
}

func weather(ctx context.Context, in weatherInput, call fantasy.ToolCall) (fantasy.ToolResponse, error) {
	switch in.City {
	case "Atlantis":
		return fantasy.NewTextErrorResponse("no weather station in Atlantis"), nil
	case "Nowhere":
		return fantasy.ToolResponse{}, errors.New("no such city")
	}
	return fantasy.NewTextResponse("sunny in " + in.City), nil
}

// clock is an AgentTool of the program's own.
type clock struct{ options fantasy.ProviderOptions }

func (clock) Info() fantasy.ToolInfo {
	return fantasy.ToolInfo{Name: "get_time", Description: "The time", Parameters: map[string]any{}, Required: []string{}}
}

func (clock) Run(ctx context.Context, call fantasy.ToolCall) (fantasy.ToolResponse, error) {
	return fantasy.NewTextResponse("noon"), nil
}

func (c clock) ProviderOptions() fantasy.ProviderOptions      { return c.options }
func (c *clock) SetProviderOptions(o fantasy.ProviderOptions) { c.options = o }

func main() {
	mode := "generate"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	ctx := context.Background()
	provider, err := openai.New(openai.WithBaseURL(os.Getenv("FANTASYAPP_BASE_URL")), openai.WithAPIKey("sk-test"))
	if err != nil {
		log.Fatal(err)
	}
	model, err := provider.LanguageModel(ctx, "gpt-4o-mini")
	if err != nil {
		log.Fatal(err)
	}
	tools := []fantasy.AgentTool{fantasy.NewAgentTool("get_weather", "The weather of a city", weather), &clock{}}
	agent := fantasy.NewAgent(model, fantasy.WithSystemPrompt("You are terse."), fantasy.WithTools(tools...))
	prompt := "What is the weather in Paris, and the time?"
	switch mode {
	case "toolerror":
		prompt = "What is the weather in Atlantis, and the time?"
	case "toolfail":
		prompt = "What is the weather in Nowhere, and the time?"
	}
	var res *fantasy.AgentResult
	switch mode {
	case "generate", "toolerror", "toolfail":
		res, err = agent.Generate(ctx, fantasy.AgentCall{Prompt: prompt})
	case "stream":
		chunks := 0
		res, err = agent.Stream(ctx, fantasy.AgentStreamCall{Prompt: prompt, OnTextDelta: func(id, text string) error {
			chunks++
			return nil
		}})
		fmt.Println("text deltas:", chunks > 0)
	default:
		log.Fatalf("unknown mode %q", mode)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("steps:", len(res.Steps))
	fmt.Println("answer:", res.Response.Content.Text())
	fmt.Println("usage:", res.TotalUsage.InputTokens, res.TotalUsage.OutputTokens)
}
