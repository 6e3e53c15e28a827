package bedrock

import (
	"flag"
	"os"
	"testing"
)

// TestMain turns content capture on for the tests and fuzz targets: the
// runtime reads it once per process, so a single target cannot set it. It
// stays off for benchmarks, whose figures are for capture off.
func TestMain(m *testing.M) {
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		os.Setenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT", "true")
	}
	os.Exit(m.Run())
}
