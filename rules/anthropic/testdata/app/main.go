// Command anthropicapp calls an Anthropic Messages server through
// github.com/anthropics/anthropic-sdk-go in the ways real programs do; it is
// built with -toolexec=llminstr by the integration tests.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

func params(model string) anthropic.MessageNewParams {
	return anthropic.MessageNewParams{
		Model:         anthropic.Model(model),
		MaxTokens:     256,
		System:        []anthropic.TextBlockParam{{Text: "You are terse."}},
		Messages:      []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("Say this is a test"))},
		Temperature:   anthropic.Float(0.5),
		TopK:          anthropic.Int(40),
		StopSequences: []string{"END"},
	}
}

func withTool(p anthropic.MessageNewParams) anthropic.MessageNewParams {
	p.Tools = []anthropic.ToolUnionParam{{OfTool: &anthropic.ToolParam{
		Name:        "get_weather",
		Description: anthropic.String("The weather in a city"),
		InputSchema: anthropic.ToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}},
	}}}
	return p
}

// betaParams are params through the beta Messages API, with a tool.
func betaParams(model string) anthropic.BetaMessageNewParams {
	return anthropic.BetaMessageNewParams{
		Model:         anthropic.Model(model),
		MaxTokens:     256,
		System:        []anthropic.BetaTextBlockParam{{Text: "You are terse."}},
		Messages:      []anthropic.BetaMessageParam{anthropic.NewBetaUserMessage(anthropic.NewBetaTextBlock("Say this is a test"))},
		Temperature:   anthropic.Float(0.5),
		TopK:          anthropic.Int(40),
		StopSequences: []string{"END"},
		Tools: []anthropic.BetaToolUnionParam{{OfTool: &anthropic.BetaToolParam{
			Name:        "get_weather",
			Description: anthropic.String("The weather in a city"),
			InputSchema: anthropic.BetaToolInputSchemaParam{Properties: map[string]any{"city": map[string]any{"type": "string"}}},
		}}},
		Betas: []anthropic.AnthropicBeta{"token-efficient-tools-2025-02-19"},
	}
}

func main() {
	ctx := context.Background()
	client := anthropic.NewClient(option.WithBaseURL(os.Getenv("ANTHROPICAPP_BASE_URL")), option.WithAPIKey("sk-ant-test-secret"), option.WithMaxRetries(0))
	var err error
	switch mode := os.Args[1]; mode {
	case "nocreds":
		// A client that finds no credentials: from v1.60 the SDK fails the
		// call before sending it; before, the server answers.
		bare := anthropic.NewClient(option.WithBaseURL(os.Getenv("ANTHROPICAPP_BASE_URL")), option.WithMaxRetries(0))
		if _, err := bare.Messages.New(ctx, params("claude-sonnet-4-5-20250929")); err != nil {
			fmt.Println("error:", err)
		} else {
			fmt.Println("sent")
		}
		return
	case "plain", "tools":
		p := params("claude-sonnet-4-5-20250929")
		if mode == "tools" {
			p = withTool(p)
		}
		var res *anthropic.Message
		res, err = client.Messages.New(ctx, p)
		if err == nil {
			fmt.Println("answer:", res.Content[0].Text)
		}
	case "stream", "tools-stream", "overloaded":
		p := params("claude-sonnet-4-5-20250929")
		switch mode {
		case "tools-stream":
			p = withTool(p)
		case "overloaded":
			p.Model = "overloaded-model"
		}
		stream := client.Messages.NewStreaming(ctx, p)
		var text strings.Builder
		for stream.Next() {
			if ev := stream.Current(); ev.Type == "content_block_delta" && ev.Delta.Type == "text_delta" {
				text.WriteString(ev.Delta.Text)
			}
		}
		err = stream.Err()
		fmt.Println("streamed:", text.String())
		if mode == "overloaded" {
			fmt.Println("error:", err != nil)
			err = nil
		}
	case "beta-tools":
		var res *anthropic.BetaMessage
		res, err = client.Beta.Messages.New(ctx, betaParams("claude-sonnet-4-5-20250929"))
		if err == nil {
			fmt.Println("answer:", res.Content[0].Text)
		}
	case "beta-tools-stream":
		stream := client.Beta.Messages.NewStreaming(ctx, betaParams("claude-sonnet-4-5-20250929"))
		var text strings.Builder
		for stream.Next() {
			if ev := stream.Current(); ev.Type == "content_block_delta" && ev.Delta.Type == "text_delta" {
				text.WriteString(ev.Delta.Text)
			}
		}
		err = stream.Err()
		fmt.Println("streamed:", text.String())
	case "early":
		// The server keeps the stream open: the body is closed while
		// still coming.
		stream := client.Messages.NewStreaming(ctx, params("hanging-model"))
		for stream.Next() {
			break
		}
		err = stream.Close()
	case "error":
		_, err = client.Messages.New(ctx, params("no-such-model"))
		fmt.Println("error:", err != nil)
		err = nil
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
