// Command conformance replays recorded OpenAI traffic through go-openai: it
// reads the interactions (JSON) named by REPLAY_FILE, makes the same calls
// with the recorded request bodies, and serves the recorded responses from
// an http.RoundTripper, so the SDK talks to https://api.openai.com as it
// did when the traffic was recorded. Built with -toolexec=llminstr by the
// conformance test.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"strings"

	"llminstr.test/replay"

	"github.com/sashabaranov/go-openai"
)

func main() {
	recorded, err := replay.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	its := recorded.Interactions
	config := openai.DefaultConfig("test_openai_api_key")
	config.HTTPClient = recorded.Client()
	client := openai.NewClientWithConfig(config)
	ctx := context.Background()
	for _, it := range its {
		switch {
		case strings.HasSuffix(it.URI, "/chat/completions"):
			var req openai.ChatCompletionRequest
			if err := json.Unmarshal([]byte(it.RequestBody), &req); err != nil {
				log.Fatal(err)
			}
			if req.Stream {
				s, err := client.CreateChatCompletionStream(ctx, req)
				if err != nil {
					log.Fatal(err)
				}
				n := 0
				for {
					_, err := s.Recv()
					if errors.Is(err, io.EOF) {
						break
					}
					if err != nil {
						log.Fatal(err)
					}
					n++
				}
				s.Close()
				fmt.Println("chunks:", n)
			} else {
				res, err := client.CreateChatCompletion(ctx, req)
				if err != nil {
					log.Fatal(err)
				}
				fmt.Println("id:", res.ID)
			}
		case strings.HasSuffix(it.URI, "/embeddings"):
			var req openai.EmbeddingRequest
			if err := json.Unmarshal([]byte(it.RequestBody), &req); err != nil {
				log.Fatal(err)
			}
			res, err := client.CreateEmbeddings(ctx, req)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println("vectors:", len(res.Data))
		default:
			log.Fatalf("no replay for %s", it.URI)
		}
	}
}
