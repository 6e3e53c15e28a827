// Command conformance replays recorded Anthropic traffic through
// anthropic-sdk-go: it
// reads the interactions (JSON) named by REPLAY_FILE, makes the same calls
// with the recorded request bodies, and serves the recorded responses from
// an http.RoundTripper, so the SDK talks to https://api.anthropic.com as it
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

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"
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
	client := anthropic.NewClient(
		option.WithAPIKey("test_anthropic_api_key"),
		option.WithHTTPClient(&http.Client{Transport: &replay{its: its}}),
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
