package llmtest

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/llminstr/llminstr/internal/otlpreceiver"
)

// A Session is a fake provider and an OTLP receiver: test programs run
// against the one and export to the other.
type Session struct {
	Provider *httptest.Server
	Receiver *otlpreceiver.Receiver
	// Env is the environment programs run under: the provider's URL in the
	// program's base URL variable, the receiver as the OTLP endpoint, a
	// service name, and a batch delay long enough that spans arrive only
	// through the flush at exit.
	Env []string
}

// NewSession starts a provider serving handler and a receiver, both closed
// when the test ends. Programs find the provider's URL, followed by path,
// in the variable baseURLVar.
func NewSession(t testing.TB, handler http.Handler, baseURLVar, path string) *Session {
	s := &Session{Provider: httptest.NewServer(handler), Receiver: otlpreceiver.Start()}
	t.Cleanup(func() { s.Provider.Close(); s.Receiver.Close() })
	s.Env = []string{
		baseURLVar + "=" + s.Provider.URL + path,
		"OTEL_EXPORTER_OTLP_ENDPOINT=" + s.Receiver.URL(),
		"OTEL_SERVICE_NAME=llminstr-test",
		"OTEL_BSP_SCHEDULE_DELAY=60000",
	}
	return s
}

// Run runs a built program with args under the session's environment and
// returns its output and the spans it exported. The test fails unless the
// program fails exactly when wantFail.
func (s *Session) Run(t testing.TB, bin string, wantFail bool, args ...string) (string, []otlpreceiver.Span) {
	t.Helper()
	s.Receiver.Reset()
	out, err := RunErr("", s.Env, bin, args...)
	if (err != nil) != wantFail {
		t.Fatalf("%s %v: err=%v, want failure %v\n%s", bin, args, err, wantFail, out)
	}
	return out, s.Receiver.Spans()
}
