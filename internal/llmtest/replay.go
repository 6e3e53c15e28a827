package llmtest

import (
	"path/filepath"
	"testing"

	"github.com/llminstr/llminstr/internal/cassette"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
)

// Replay runs a conformance program (an integration's
// testdata/conformance, built with [Build]) on one recorded cassette: the
// program reads the exchanges from REPLAY_FILE, makes the recorded calls
// and serves itself the recorded responses (see llminstr.test/replay). It
// returns what the program exported to the receiver, which it resets
// first.
func Replay(t testing.TB, bin string, receiver *otlpreceiver.Receiver, cassettePath string, env ...string) ([]otlpreceiver.Span, []otlpreceiver.Point) {
	t.Helper()
	its, err := cassette.Load(cassettePath)
	if err != nil {
		t.Fatal(err)
	}
	script := filepath.Join(t.TempDir(), "replay.json")
	if err := cassette.WriteJSON(script, its); err != nil {
		t.Fatal(err)
	}
	receiver.Reset()
	Run(t, "", append([]string{"REPLAY_FILE=" + script, "OTEL_EXPORTER_OTLP_ENDPOINT=" + receiver.URL()}, env...), bin)
	return receiver.Spans(), receiver.Points()
}
