// Command ollamaapp calls an Ollama server through
// github.com/ollama/ollama/api in the ways real programs do; it is built
// with -toolexec=llminstr by the integration tests.
package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/ollama/ollama/api"
)

func main() {
	ctx := context.Background()
	base, _ := url.Parse(os.Getenv("OLLAMAAPP_BASE_URL"))
	client := api.NewClient(base, &http.Client{})
	options := map[string]any{"temperature": 0.2, "num_predict": 64, "stop": []string{"END"}}
	var err error
	switch mode := os.Args[1]; mode {
	case "chat", "chat-sync":
		req := &api.ChatRequest{
			Model:    "llama3.2",
			Messages: []api.Message{{Role: "system", Content: "You are terse."}, {Role: "user", Content: "Say this is a test"}},
			Options:  options,
		}
		if mode == "chat-sync" {
			stream := false
			req.Stream = &stream
		}
		var text strings.Builder
		err = client.Chat(ctx, req, func(res api.ChatResponse) error {
			text.WriteString(res.Message.Content)
			return nil
		})
		fmt.Println("answer:", text.String())
	case "generate":
		var text strings.Builder
		err = client.Generate(ctx, &api.GenerateRequest{Model: "llama3.2", Prompt: "Say this is a test", Options: options},
			func(res api.GenerateResponse) error {
				text.WriteString(res.Response)
				return nil
			})
		fmt.Println("answer:", text.String())
	case "stop":
		// The callback stops the stream with an error of its own.
		err = client.Chat(ctx, &api.ChatRequest{Model: "llama3.2", Messages: []api.Message{{Role: "user", Content: "hi"}}},
			func(api.ChatResponse) error { return fmt.Errorf("enough") })
		fmt.Println("stopped:", err != nil)
		err = nil
	case "embed":
		var res *api.EmbedResponse
		res, err = client.Embed(ctx, &api.EmbedRequest{Model: "nomic-embed-text", Input: "hello"})
		if err == nil {
			fmt.Println("dimensions:", len(res.Embeddings[0]))
		}
	case "embeddings":
		var res *api.EmbeddingResponse
		res, err = client.Embeddings(ctx, &api.EmbeddingRequest{Model: "nomic-embed-text", Prompt: "hello"})
		if err == nil {
			fmt.Println("dimensions:", len(res.Embedding))
		}
	case "error":
		err = client.Chat(ctx, &api.ChatRequest{Model: "no-such-model"}, func(api.ChatResponse) error { return nil })
		fmt.Println("error:", err != nil)
		err = nil
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
