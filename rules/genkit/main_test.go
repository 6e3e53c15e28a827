package genkit

import (
	"os"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
)

// TestMain removes the tool the tests that build programs built.
func TestMain(m *testing.M) { os.Exit(llmtest.Main(m)) }
