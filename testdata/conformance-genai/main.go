// Command conformance replays recorded Vertex AI traffic through
// google.golang.org/genai: it
// reads the interactions (JSON) named by REPLAY_FILE, makes the same calls
// with the recorded request bodies, and serves the recorded responses from
// an http.RoundTripper, so the SDK talks to Vertex AI as it
// did when the traffic was recorded. Built with -toolexec=llminstr by the
// conformance test.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"strings"
	"sync"

	"cloud.google.com/go/auth"
	"google.golang.org/genai"
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

// staticToken stands in for Google credentials.
type staticToken struct{}

func (staticToken) Token(context.Context) (*auth.Token, error) {
	return &auth.Token{Value: "test-token", Type: "Bearer"}, nil
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
	ctx := context.Background()
	client, err := genai.NewClient(ctx, &genai.ClientConfig{
		Backend: genai.BackendVertexAI, Project: "test-project", Location: "test-location",
		Credentials: auth.NewCredentials(&auth.CredentialsOptions{TokenProvider: staticToken{}}),
		HTTPClient:  &http.Client{Transport: &replay{its: its}},
	})
	if err != nil {
		log.Fatal(err)
	}
	for _, it := range its {
		model := it.URI[strings.LastIndex(it.URI, "/models/")+len("/models/"):]
		model, method, _ := strings.Cut(model, ":")
		var body struct {
			Contents []*genai.Content `json:"contents"`
		}
		if err := json.Unmarshal([]byte(it.RequestBody), &body); err != nil {
			log.Fatal(err)
		}
		switch method {
		case "generateContent":
			res, err := client.Models.GenerateContent(ctx, model, body.Contents, nil)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println("id:", res.ResponseID)
		default:
			log.Fatalf("no replay for %s", it.URI)
		}
	}
}
