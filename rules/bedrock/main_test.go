package bedrock

import (
	"flag"
	"os"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
)

// TestMain turns content capture on for the in-process tests and fuzz
// targets (see llmtest.CaptureContent) and removes the tool the tests that
// build programs built.
func TestMain(m *testing.M) {
	flag.Parse()
	llmtest.CaptureContent()
	os.Exit(llmtest.Main(m))
}
