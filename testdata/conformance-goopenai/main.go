// Command conformance replays recorded OpenAI traffic through go-openai: it
// reads the interactions (JSON) named by REPLAY_FILE, makes the same calls
// with the recorded request bodies, and serves the recorded responses from
// an http.RoundTripper, so the SDK talks to https://api.openai.com as it
// did when the traffic was recorded. Built with -toolexec=llminstr by the
// conformance test.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"

	"github.com/sashabaranov/go-openai"
)

type interaction struct {
	Method, URI, RequestBody string
	Status                   int
	Header                   http.Header
	Body                     []byte
}

// replay serves the recorded responses in order.
type replay struct {
	mu   sync.Mutex
	next int
	its  []interaction
}

func (r *replay) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.next >= len(r.its) {
		return nil, fmt.Errorf("no recorded response left for %s %s", req.Method, req.URL)
	}
	it := r.its[r.next]
	r.next++
	if req.Method != it.Method || req.URL.String() != it.URI {
		return nil, fmt.Errorf("request %s %s, recorded %s %s", req.Method, req.URL, it.Method, it.URI)
	}
	return &http.Response{
		StatusCode: it.Status, Status: http.StatusText(it.Status), Header: it.Header,
		Body: io.NopCloser(bytes.NewReader(it.Body)), ContentLength: int64(len(it.Body)), Request: req,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}, nil
}

func main() {
	data, err := os.ReadFile(os.Getenv("REPLAY_FILE"))
	if err != nil {
		log.Fatal(err)
	}
	var its []interaction
	if err := json.Unmarshal(data, &its); err != nil {
		log.Fatal(err)
	}
	config := openai.DefaultConfig("test_openai_api_key")
	config.HTTPClient = &http.Client{Transport: &replay{its: its}}
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
