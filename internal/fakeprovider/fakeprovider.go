// Package fakeprovider holds what the fake provider servers of the tests
// share: the canned answer every fake model gives, and helpers that write
// JSON and server-sent events. Each integration's own server is in its
// directory, as rules/<dir>/<dir>test (openaitest, anthropictest, ...).
package fakeprovider

import (
	"encoding/json"
	"fmt"
	"net/http"
)

const (
	// Answer is the text every fake model answers with.
	Answer = "This is a test."
	// UnknownModel is answered with the provider's "model not found" error.
	UnknownModel = "no-such-model"
)

// AnswerChunks is Answer as it is streamed.
var AnswerChunks = []string{"This", " is", " a", " test."}

// SSE returns a function that writes one server-sent event (with an
// event: line when event is not empty) and flushes.
func SSE(w http.ResponseWriter) func(event string, v any) {
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	return func(event string, v any) {
		b, _ := json.Marshal(v)
		if event != "" {
			fmt.Fprintf(w, "event: %s\n", event)
		}
		fmt.Fprintf(w, "data: %s\n\n", b)
		if flusher != nil {
			flusher.Flush()
		}
	}
}

// WriteJSON writes v as a JSON response.
func WriteJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
