// Command chatapp calls an OpenAI-compatible server in the ways real
// programs do; it is built with -toolexec=llminstr by the integration tests.
package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"strings"

	"example.com/chatapp/llm"
	llminstr "github.com/llminstr/llminstr/runtime"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	"github.com/openai/openai-go/v3/shared"
)

func newClient() openai.Client {
	return openai.NewClient(option.WithBaseURL(os.Getenv("CHATAPP_BASE_URL")), option.WithAPIKey("sk-test-secret"), option.WithMaxRetries(0))
}

func params(model string) openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{
		Model:       model,
		Messages:    []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Say this is a test")},
		Temperature: openai.Float(0.5),
		TopP:        openai.Float(0.9),
		MaxTokens:   openai.Int(64),
		Seed:        openai.Int(42),
		N:           openai.Int(2),
		Stop:        openai.ChatCompletionNewParamsStopUnion{OfStringArray: []string{"\n\n", "END"}},
		ResponseFormat: openai.ChatCompletionNewParamsResponseFormatUnion{
			OfJSONObject: &shared.ResponseFormatJSONObjectParam{},
		},
	}
}

func main() {
	ctx := context.Background()
	client := newClient()
	var err error
	switch mode := os.Args[1]; mode {
	case "plain":
		var res *openai.ChatCompletion
		res, err = client.Chat.Completions.New(ctx, params("gpt-4o-mini"))
		if err == nil {
			fmt.Println("answer:", res.Choices[0].Message.Content)
		}
	case "stream":
		p := params("gpt-4o-mini")
		p.StreamOptions.IncludeUsage = openai.Bool(true)
		stream := client.Chat.Completions.NewStreaming(ctx, p)
		var text strings.Builder
		for stream.Next() {
			if c := stream.Current(); len(c.Choices) > 0 && c.Choices[0].Index == 0 {
				text.WriteString(c.Choices[0].Delta.Content)
			}
		}
		err = stream.Err()
		fmt.Println("streamed:", text.String())
	case "early":
		stream := client.Chat.Completions.NewStreaming(ctx, params("gpt-4o-mini"))
		for stream.Next() {
			break // a consumer that stops at the first chunk
		}
		err = stream.Close()
	case "abandon":
		// A stream still open when main returns: read one chunk, then go.
		stream := client.Chat.Completions.NewStreaming(ctx, params("gpt-4o-mini"))
		if stream.Next() {
			fmt.Println("first chunk:", stream.Current().ID)
		}
	case "error":
		_, err = client.Chat.Completions.New(ctx, params("no-such-model"))
		fmt.Println("error:", err != nil)
		err = nil
	case "via":
		a := &llm.Assistant{Client: client, Model: "gpt-4o-mini"}
		var answer string
		answer, err = a.Ask(ctx, "hello")
		fmt.Println("answer:", answer)
	case "nested":
		// The SDK call is nested in another expression and reached through
		// a function result.
		fmt.Println("id:", must(llm.Service(&client).New(ctx, params("gpt-4o-mini"))).ID)
	case "methodexpr":
		// The SDK's method called as a method expression.
		var res *openai.ChatCompletion
		res, err = (*openai.ChatCompletionService).New(&client.Chat.Completions, ctx, params("gpt-4o-mini"))
		if err == nil {
			fmt.Println("id:", res.ID)
		}
	case "panic":
		explode(ctx, &client)
	case "embed":
		var res *openai.CreateEmbeddingResponse
		res, err = client.Embeddings.New(ctx, openai.EmbeddingNewParams{
			Model:          openai.EmbeddingModelTextEmbedding3Small,
			Input:          openai.EmbeddingNewParamsInputUnion{OfString: openai.String("hello")},
			Dimensions:     openai.Int(4),
			EncodingFormat: openai.EmbeddingNewParamsEncodingFormatFloat,
		})
		if err == nil {
			fmt.Println("dimensions:", len(res.Data[0].Embedding))
		}
	case "completion":
		var res *openai.Completion
		res, err = client.Completions.New(ctx, openai.CompletionNewParams{
			Model: openai.CompletionNewParamsModelGPT3_5TurboInstruct, Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("Say")},
			MaxTokens: openai.Int(4), Temperature: openai.Float(0),
		})
		if err == nil {
			fmt.Println("text:", res.Choices[0].Text)
		}
	case "completion-stream":
		stream := client.Completions.NewStreaming(ctx, openai.CompletionNewParams{
			Model: openai.CompletionNewParamsModelGPT3_5TurboInstruct, Prompt: openai.CompletionNewParamsPromptUnion{OfString: openai.String("Say")},
		})
		var text strings.Builder
		for stream.Next() {
			text.WriteString(stream.Current().Choices[0].Text)
		}
		err = stream.Err()
		fmt.Println("text:", text.String())
	case "responses":
		var res *responses.Response
		res, err = client.Responses.New(ctx, responses.ResponseNewParams{
			Model: "gpt-4o-mini", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Say this is a test")},
			MaxOutputTokens: openai.Int(32),
		})
		if err == nil {
			fmt.Println("text:", res.OutputText())
		}
	case "responses-stream":
		stream := client.Responses.NewStreaming(ctx, responses.ResponseNewParams{
			Model: "gpt-4o-mini", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Say this is a test")},
		})
		var text strings.Builder
		for stream.Next() {
			if ev := stream.Current(); ev.Type == "response.output_text.delta" {
				text.WriteString(ev.Delta)
			}
		}
		err = stream.Err()
		fmt.Println("text:", text.String())
	case "agent":
		// An agent function; the conversation id comes from the context.
		err = planAgent(llminstr.WithConversationID(ctx, "conv-42"), &client)
	case "exit":
		// Spans must be flushed before os.Exit ends the program.
		if _, err := client.Chat.Completions.New(ctx, params("gpt-4o-mini")); err == nil {
			os.Exit(3)
		}
	case "fatal":
		res, err := client.Chat.Completions.New(ctx, params("gpt-4o-mini"))
		if err == nil {
			log.Fatalf("done: %s", res.ID)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// planAgent is traced as an agent invocation: its LLM calls are children
// of the invoke_agent span.
//
//llminstr:agent planner
func planAgent(ctx context.Context, client *openai.Client) error {
	_, err := client.Chat.Completions.New(ctx, params("gpt-4o-mini"))
	if err != nil {
		return err
	}
	if _, err := lookUp(ctx, client, "Paris"); err != nil {
		return err
	}
	_, err = lookUp(ctx, client, "")
	fmt.Println("tool error:", err)
	return nil
}

// lookUp is traced as a tool's execution: its LLM call is a child of the
// execute_tool span, and the error it returns is the span's.
//
//llminstr:tool city_lookup
func lookUp(ctx context.Context, client *openai.Client, city string) (string, error) {
	if city == "" {
		return "", errors.New("no city given")
	}
	res, err := client.Chat.Completions.New(ctx, params("gpt-4o-mini"))
	if err != nil {
		return "", err
	}
	return res.Choices[0].Message.Content, nil
}

func must(res *openai.ChatCompletion, err error) *openai.ChatCompletion {
	if err != nil {
		panic(err)
	}
	return res
}

// explode panics in a function that also holds a rewritten call, so that
// the test can check the reported line.
func explode(ctx context.Context, client *openai.Client) {
	if len(os.Args) > 5 {
		_, _ = client.Chat.Completions.New(ctx, params("gpt-4o-mini"))
	}
	panic("boom") // chatapp:panic-line
}
