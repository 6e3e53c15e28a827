// Command app calls a model through eino (eino-ext's OpenAI chat model,
// over an OpenAI-compatible client of its own) against the server at
// EINOAPP_BASE_URL, and runs an ADK agent with two tools. The eino
// integration's test builds it with -toolexec=llminstr.
//
//	app chat       ChatModel.Generate
//	app stream     ChatModel.Stream, read to the end
//	app agent      an adk.ChatModelAgent with two tools, run by an adk.Runner
//	app agentstream the same, streamed
//	app toolfail   the agent, with a tool that fails
//	app react      a flow/agent/react agent with the same tools
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"sort"
	"strings"

	"github.com/cloudwego/eino-ext/components/model/openai"
	"github.com/cloudwego/eino/adk"
	"github.com/cloudwego/eino/components/tool"
	"github.com/cloudwego/eino/components/tool/utils"
	"github.com/cloudwego/eino/compose"
	"github.com/cloudwego/eino/flow/agent/react"
	"github.com/cloudwego/eino/schema"
)

type weatherInput struct {
	City string `json:"city"`
}

type timeInput struct{}

func tools(fail bool) []tool.BaseTool {
	weather, err := utils.InferTool("get_weather", "The weather in a city", func(ctx context.Context, in weatherInput) (string, error) {
		if fail {
			return "", errors.New("no weather station in " + in.City)
		}
		return "sunny in " + in.City, nil
	})
	if err != nil {
		log.Fatal(err)
	}
	clock, err := utils.InferTool("get_time", "The time", func(ctx context.Context, in timeInput) (string, error) {
		return "noon", nil
	})
	if err != nil {
		log.Fatal(err)
	}
	return []tool.BaseTool{weather, clock}
}

func main() {
	ctx := context.Background()
	temperature := float32(0.5)
	maxTokens := 64
	cm, err := openai.NewChatModel(ctx, &openai.ChatModelConfig{
		BaseURL:     os.Getenv("EINOAPP_BASE_URL"),
		APIKey:      "sk-test-secret",
		Model:       "gpt-4o-mini",
		Temperature: &temperature,
		MaxTokens:   &maxTokens,
	})
	if err != nil {
		log.Fatal(err)
	}
	question := []*schema.Message{schema.UserMessage("What is the weather in Paris, and the time?")}
	mode := "chat"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "chat":
		msg, err := cm.Generate(ctx, []*schema.Message{schema.UserMessage("Say hello.")})
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("answer:", msg.Content)
	case "stream":
		sr, err := cm.Stream(ctx, []*schema.Message{schema.UserMessage("Say hello.")})
		if err != nil {
			log.Fatal(err)
		}
		var b strings.Builder
		for {
			chunk, err := sr.Recv()
			if err == io.EOF {
				break
			}
			if err != nil {
				log.Fatal(err)
			}
			b.WriteString(chunk.Content)
		}
		sr.Close()
		fmt.Println("streamed:", b.String())
	case "agent", "agentstream", "toolfail":
		agent, err := adk.NewChatModelAgent(ctx, &adk.ChatModelAgentConfig{
			Name:        "weather_agent",
			Description: "Answers with the weather and the time",
			Instruction: "Use the tools.",
			Model:       cm,
			ToolsConfig: adk.ToolsConfig{ToolsNodeConfig: compose.ToolsNodeConfig{Tools: tools(mode == "toolfail")}},
		})
		if err != nil {
			log.Fatal(err)
		}
		runner := adk.NewRunner(ctx, adk.RunnerConfig{Agent: agent, EnableStreaming: mode == "agentstream"})
		iter := runner.Query(ctx, "What is the weather in Paris, and the time?")
		// The tools run in parallel: their results are printed sorted.
		var results []string
		defer func() {
			sort.Strings(results)
			for _, r := range results {
				fmt.Println(r)
			}
		}()
		for {
			event, ok := iter.Next()
			if !ok {
				break
			}
			if event.Err != nil {
				fmt.Println("agent error:", event.Err)
				continue
			}
			if event.Output == nil || event.Output.MessageOutput == nil {
				continue
			}
			msg, err := event.Output.MessageOutput.GetMessage()
			if err != nil {
				log.Fatal(err)
			}
			switch {
			case msg.Role == schema.Tool:
				results = append(results, fmt.Sprintf("tool %s: %s", msg.ToolName, msg.Content))
			case len(msg.ToolCalls) > 0:
				for _, tc := range msg.ToolCalls {
					fmt.Printf("call %s(%s)\n", tc.Function.Name, tc.Function.Arguments)
				}
			default:
				fmt.Println("answer:", msg.Content)
			}
		}
	case "react":
		agent, err := react.NewAgent(ctx, &react.AgentConfig{
			ToolCallingModel: cm,
			ToolsConfig:      compose.ToolsNodeConfig{Tools: tools(false)},
		})
		if err != nil {
			log.Fatal(err)
		}
		msg, err := agent.Generate(ctx, question)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("answer:", msg.Content)
	default:
		log.Fatalf("unknown mode %q", mode)
	}
}
