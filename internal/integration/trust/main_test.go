// Package trust builds real programs with `go build -toolexec=llminstr`
// where trust is at stake: modules named without a dot, a missing or old
// runtime, strict mode and mistyped switches on a warm build cache, a
// runtime whose setup fails, an old Go; and the wire-level fallback, which
// traces requests no call-site rule sees. It is apart from
// internal/integration so that the two run side by side.
package trust

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/rules/openai/openaitest"
)

// llminstrBin is the freshly built tool, shared by all tests.
var llminstrBin string

func TestMain(m *testing.M) {
	flag.Parse()
	if !testing.Short() {
		var err error
		if llminstrBin, err = llmtest.BuildTool(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	os.Exit(llmtest.Main(m))
}

// copyApp copies the test program of an integration: openai's (openai-go)
// or goopenai's.
func copyApp(t *testing.T, integration string) string {
	t.Helper()
	return llmtest.CopyIntegrationApp(t, integration)
}

// newEnv starts the fake OpenAI provider the chat program talks to and the
// receiver it exports to.
func newEnv(t *testing.T) *llmtest.Session {
	return llmtest.NewSession(t, &openaitest.Server{}, "CHATAPP_BASE_URL", "/v1/")
}

// build builds the program in dir with -toolexec and returns the binary's
// path.
func build(t *testing.T, dir string, env []string, args ...string) string {
	t.Helper()
	return llmtest.BuildWith(t, dir, env, args...)
}
