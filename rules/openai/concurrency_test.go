package openai

import (
	"context"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llminstr/llminstr/rules/openai/openaitest"
)

// TestConcurrentCallsAndStreams makes 1000 calls and streams at once (run
// it with -race): every span ends exactly once, and once the client's idle
// connections are closed no goroutine is left behind.
func TestConcurrentCallsAndStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("1000 concurrent calls")
	}
	client, rec := setup(t, &openaitest.Server{})
	svc := &client.Chat.Completions
	ctx := context.Background()
	const n = 1000
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i%2 == 0 {
				if _, err := llminstrOpenAIChatNew(svc.New, ctx, chatParams()); err != nil {
					errs <- err
				}
				return
			}
			s := llminstrOpenAIChatNewStreaming(svc.NewStreaming, ctx, chatParams())
			for s.Next() {
				if i%4 == 1 {
					break // half the streams stop early
				}
			}
			if err := s.Close(); err != nil {
				errs <- err
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if got := len(rec.Ended()); got != n {
		t.Fatalf("%d spans ended, want %d", got, n)
	}
	seen := map[string]bool{}
	for _, s := range rec.Ended() {
		id := s.SpanContext().SpanID().String()
		if seen[id] {
			t.Fatalf("span %s ended twice", id)
		}
		seen[id] = true
	}
	// No goroutine of llminstr's outlives its call: context.AfterFunc
	// watchers are stopped when a stream ends. (The HTTP server's and the
	// transport's keep-alive goroutines are not llminstr's.)
	deadline := time.Now().Add(5 * time.Second)
	for {
		runtime.GC()
		buf := make([]byte, 1<<20)
		stacks := strings.Split(string(buf[:runtime.Stack(buf, true)]), "\n\n")
		var ours []string
		for _, g := range stacks[1:] { // stacks[0] is this goroutine
			if strings.Contains(g, ".llminstrOpenAI") || strings.Contains(g, "llminstr/runtime") {
				ours = append(ours, g)
			}
		}
		if len(ours) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d goroutines of llminstr left:\n%s", len(ours), strings.Join(ours, "\n\n"))
		}
		time.Sleep(10 * time.Millisecond)
	}
}
