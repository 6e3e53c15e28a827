// Command goopenaiapp calls an OpenAI-compatible server through
// github.com/sashabaranov/go-openai in the ways real programs do; it is built
// with -toolexec=llminstr by the integration tests.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"example.com/goopenaiapp/llm"
	"github.com/sashabaranov/go-openai"
)

func newClient() *openai.Client {
	cfg := openai.DefaultConfig("sk-test-secret")
	cfg.BaseURL = strings.TrimSuffix(os.Getenv("CHATAPP_BASE_URL"), "/")
	return openai.NewClientWithConfig(cfg)
}

func chatRequest(model string) openai.ChatCompletionRequest {
	seed := 42
	return openai.ChatCompletionRequest{
		Model:          model,
		Messages:       []openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleUser, Content: "Say this is a test"}},
		Temperature:    0.5,
		TopP:           0.9,
		MaxTokens:      64,
		Seed:           &seed,
		N:              2,
		Stop:           []string{"\n\n", "END"},
		ResponseFormat: &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeText},
	}
}

func main() {
	ctx := context.Background()
	client := newClient()
	var err error
	switch mode := os.Args[1]; mode {
	case "plain":
		var res openai.ChatCompletionResponse
		res, err = client.CreateChatCompletion(ctx, chatRequest("gpt-4o-mini"))
		if err == nil {
			fmt.Println("answer:", res.Choices[0].Message.Content)
		}
	case "stream":
		req := chatRequest("gpt-4o-mini")
		req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
		var stream *openai.ChatCompletionStream
		stream, err = client.CreateChatCompletionStream(ctx, req)
		if err != nil {
			break
		}
		defer stream.Close()
		var text strings.Builder
		for {
			chunk, rerr := stream.Recv()
			if errors.Is(rerr, io.EOF) {
				break
			}
			if rerr != nil {
				err = rerr
				break
			}
			if len(chunk.Choices) > 0 && chunk.Choices[0].Index == 0 {
				text.WriteString(chunk.Choices[0].Delta.Content)
			}
		}
		fmt.Println("streamed:", text.String())
	case "embedded":
		// The stream embedded in a type of the program, read through it.
		req := chatRequest("gpt-4o-mini")
		req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
		var stream *openai.ChatCompletionStream
		stream, err = client.CreateChatCompletionStream(ctx, req)
		if err != nil {
			break
		}
		w := wrappedStream{stream}
		defer w.Close()
		var text strings.Builder
		for {
			chunk, rerr := w.Recv()
			if errors.Is(rerr, io.EOF) {
				break
			}
			if rerr != nil {
				err = rerr
				break
			}
			if len(chunk.Choices) > 0 && chunk.Choices[0].Index == 0 {
				text.WriteString(chunk.Choices[0].Delta.Content)
			}
		}
		fmt.Println("streamed:", text.String())
	case "content":
		// Content capture on: what the prompt holds that must not be
		// recorded is redacted.
		req := chatRequest("gpt-4o-mini")
		req.Messages = []openai.ChatCompletionMessage{
			{Role: openai.ChatMessageRoleSystem, Content: "You are terse."},
			{Role: openai.ChatMessageRoleUser, Content: "Mail jane.doe@example.com my key sk-live-0123456789abcdefXYZ"},
		}
		var stream *openai.ChatCompletionStream
		stream, err = client.CreateChatCompletionStream(ctx, req)
		if err == nil {
			var text string
			text, err = llm.Drain(stream)
			fmt.Println("streamed:", text)
		}
	case "interface", "interface-unclosed":
		// The stream read through an interface of the program, as programs
		// that serve several providers do: no call site names the SDK's
		// Recv or Close. The context ends once the answer is read.
		cctx, cancel := context.WithCancel(ctx)
		req := chatRequest("gpt-4o-mini")
		req.StreamOptions = &openai.StreamOptions{IncludeUsage: true}
		var stream *openai.ChatCompletionStream
		stream, err = client.CreateChatCompletionStream(cctx, req)
		if err == nil {
			var text string
			text, err = drainReceiver(stream, mode == "interface")
			fmt.Println("streamed:", text)
		}
		cancel()
		time.Sleep(100 * time.Millisecond)
	case "via":
		// The stream is read and closed in another package.
		var stream *openai.ChatCompletionStream
		stream, err = client.CreateChatCompletionStream(ctx, chatRequest("gpt-4o-mini"))
		if err == nil {
			var text string
			text, err = llm.Drain(stream)
			fmt.Println("streamed:", text)
		}
	case "early":
		var stream *openai.ChatCompletionStream
		stream, err = client.CreateChatCompletionStream(ctx, chatRequest("gpt-4o-mini"))
		if err == nil {
			_, err = stream.Recv() // a consumer that stops at the first chunk
			stream.Close()
		}
	case "cancel":
		// The context ends while the stream is open; nobody reads on.
		cctx, cancel := context.WithCancel(ctx)
		var stream *openai.ChatCompletionStream
		stream, err = client.CreateChatCompletionStream(cctx, chatRequest("gpt-4o-mini"))
		if err == nil {
			_, err = stream.Recv()
			cancel()
			time.Sleep(100 * time.Millisecond)
			runtime.KeepAlive(stream)
		}
		cancel()
	case "abandon":
		// A stream read once and dropped, never closed: its span ends when it
		// is garbage collected.
		err = abandon(ctx, client)
		for i := 0; i < 5; i++ {
			runtime.GC()
			time.Sleep(20 * time.Millisecond)
		}
	case "completion":
		var res openai.CompletionResponse
		res, err = client.CreateCompletion(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "Say this is a test", MaxTokens: 16})
		if err == nil {
			fmt.Println("answer:", res.Choices[0].Text)
		}
	case "completion-stream":
		var stream *openai.CompletionStream
		stream, err = client.CreateCompletionStream(ctx, openai.CompletionRequest{Model: "gpt-3.5-turbo-instruct", Prompt: "Say this is a test", MaxTokens: 16})
		if err != nil {
			break
		}
		var text strings.Builder
		for {
			chunk, rerr := stream.Recv()
			if rerr != nil {
				if !errors.Is(rerr, io.EOF) {
					err = rerr
				}
				break
			}
			if len(chunk.Choices) > 0 {
				text.WriteString(chunk.Choices[0].Text)
			}
		}
		stream.Close()
		fmt.Println("streamed:", text.String())
	case "embed":
		var res openai.EmbeddingResponse
		res, err = client.CreateEmbeddings(ctx, openai.EmbeddingRequest{
			Input: []string{"hello"}, Model: openai.SmallEmbedding3, Dimensions: 4, EncodingFormat: openai.EmbeddingEncodingFormatFloat,
		})
		if err == nil {
			fmt.Println("dimensions:", len(res.Data[0].Embedding))
		}
	case "error":
		_, err = client.CreateChatCompletion(ctx, chatRequest("no-such-model"))
		fmt.Println("error:", err != nil)
		err = nil
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func abandon(ctx context.Context, client *openai.Client) error {
	stream, err := client.CreateChatCompletionStream(ctx, chatRequest("gpt-4o-mini"))
	if err != nil {
		return err
	}
	_, err = stream.Recv()
	return err
}

// receiver is what the program asks of a stream, whichever the provider.
type receiver interface {
	Recv() (openai.ChatCompletionStreamResponse, error)
	Close() error
}

// drainReceiver reads r to its end, and closes it when closeIt is set.
func drainReceiver(r receiver, closeIt bool) (string, error) {
	var text strings.Builder
	for {
		chunk, err := r.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return text.String(), err
		}
		if len(chunk.Choices) > 0 && chunk.Choices[0].Index == 0 {
			text.WriteString(chunk.Choices[0].Delta.Content)
		}
	}
	if closeIt {
		return text.String(), r.Close()
	}
	return text.String(), nil
}

// wrappedStream is a type of the program around the SDK's stream.
type wrappedStream struct{ *openai.ChatCompletionStream }
