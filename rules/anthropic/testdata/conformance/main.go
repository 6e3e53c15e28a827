// Command conformance replays recorded Anthropic traffic through
// anthropic-sdk-go: it
// reads the interactions (JSON) named by REPLAY_FILE, makes the same calls
// with the recorded request bodies, and serves the recorded responses from
// an http.RoundTripper, so the SDK talks to https://api.anthropic.com as it
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

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
)

func main() {
	recorded, err := replay.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	its := recorded.Interactions
	client := anthropic.NewClient(
		option.WithAPIKey("test_anthropic_api_key"),
		option.WithHTTPClient(recorded.Client()),
		option.WithMaxRetries(0),
	)
	ctx := context.Background()
	for _, it := range its {
		if !strings.HasSuffix(it.URI, "/v1/messages") {
			log.Fatalf("no replay for %s", it.URI)
		}
		var p anthropic.MessageNewParams
		if err := json.Unmarshal([]byte(it.RequestBody), &p); err != nil {
			log.Fatal(err)
		}
		var probe struct{ Stream bool }
		json.Unmarshal([]byte(it.RequestBody), &probe)
		if probe.Stream {
			s := client.Messages.NewStreaming(ctx, p)
			n := 0
			for s.Next() {
				n++
			}
			if err := s.Err(); err != nil {
				log.Fatal(err)
			}
			fmt.Println("events:", n)
			continue
		}
		res, err := client.Messages.New(ctx, p)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("id:", res.ID)
	}
}
