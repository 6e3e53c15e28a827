// Command ollamaapp calls an Ollama server through
// github.com/jmorganca/ollama/api, the client's old module path, as the
// programs that pin it do (the server comes from OLLAMA_HOST); it is built
// with -toolexec=llminstr by the integration test.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/jmorganca/ollama/api"
)

func main() {
	ctx := context.Background()
	client, err := api.ClientFromEnvironment()
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	options := map[string]any{"temperature": 0.2, "num_predict": 64, "stop": []string{"END"}}
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
