// Command conformance replays recorded Vertex AI traffic through
// google.golang.org/genai: it
// reads the interactions (JSON) named by REPLAY_FILE, makes the same calls
// with the recorded request bodies, and serves the recorded responses from
// an http.RoundTripper, so the SDK talks to Vertex AI as it
// did when the traffic was recorded. Built with -toolexec=llminstr by the
// conformance test.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"llminstr.test/replay"

	"cloud.google.com/go/auth"
	"google.golang.org/genai"
)

// staticToken stands in for Google credentials.
type staticToken struct{}

func (staticToken) Token(context.Context) (*auth.Token, error) {
	return &auth.Token{Value: "test-token", Type: "Bearer"}, nil
}

func main() {
	recorded, err := replay.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	its := recorded.Interactions
	ctx := context.Background()
	client, err := genai.NewClient(ctx, &genai.ClientConfig{
		Backend: genai.BackendVertexAI, Project: "test-project", Location: "test-location",
		Credentials: auth.NewCredentials(&auth.CredentialsOptions{TokenProvider: staticToken{}}),
		HTTPClient:  recorded.Client(),
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
