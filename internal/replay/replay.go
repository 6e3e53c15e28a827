// Package replay serves recorded HTTP exchanges to an SDK from an
// http.RoundTripper, for the conformance programs: the SDK talks to the
// provider's real address (https://api.openai.com, ...) as it did when the
// traffic was recorded, and gets the recorded responses, in order.
//
// The exchanges come as JSON (the test's cassette, converted by
// internal/cassette) from the file named by REPLAY_FILE.
package replay

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
)

// An Interaction is one recorded request and its response.
type Interaction struct {
	Method, URI, RequestBody string
	Status                   int
	Header                   http.Header
	Body                     []byte
}

// A Transport serves the recorded responses in order, and fails a request
// that is not the next one recorded.
type Transport struct {
	// Interactions are the exchanges, in the order they were recorded.
	Interactions []Interaction

	mu   sync.Mutex
	next int
}

// FromEnv reads the interactions in the file named by REPLAY_FILE.
func FromEnv() (*Transport, error) {
	name := os.Getenv("REPLAY_FILE")
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading the replay file: %w", err)
	}
	var its []Interaction
	if err := json.Unmarshal(data, &its); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Transport{Interactions: its}, nil
}

// Client returns an HTTP client that sends its requests through t.
func (t *Transport) Client() *http.Client { return &http.Client{Transport: t} }

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.next >= len(t.Interactions) {
		return nil, fmt.Errorf("no recorded response left for %s %s", req.Method, req.URL)
	}
	it := t.Interactions[t.next]
	t.next++
	if req.Method != it.Method || req.URL.String() != it.URI {
		return nil, fmt.Errorf("request %s %s, recorded %s %s", req.Method, req.URL, it.Method, it.URI)
	}
	return &http.Response{
		StatusCode: it.Status, Status: http.StatusText(it.Status), Header: it.Header,
		Body: io.NopCloser(bytes.NewReader(it.Body)), ContentLength: int64(len(it.Body)), Request: req,
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}, nil
}
