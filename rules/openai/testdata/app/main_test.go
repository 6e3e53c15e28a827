package main

import (
	"context"
	"testing"
)

// TestPlain makes one chat call; built with `go test -toolexec=llminstr`
// it must export one span, flushed when the test binary exits.
func TestPlain(t *testing.T) {
	client := newClient()
	res, err := client.Chat.Completions.New(context.Background(), params("gpt-4o-mini"))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Choices) == 0 {
		t.Fatal("no choices")
	}
}
