package trust

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/openai/openaitest"
)

// TestGlobalProviders: the runtime records with the global TracerProvider
// that the application sets, here from a package of the program other
// than main, which imports no OpenTelemetry; with its own when the
// application sets none. The main package of a program that links the
// OpenTelemetry API hands the runtime the global providers, as `llminstr
// diff` shows; a program that does not link it (nootel, in the same
// module) gets neither that API's root package nor its logging
// dependencies (logr, log/slog) from the runtime.
func TestGlobalProviders(t *testing.T) {
	llmtest.SkipShort(t)
	dir := llmtest.CopyApp(t, filepath.Join("testdata", "otelapp"))
	bin := build(t, dir, nil)
	e := llmtest.NewSession(t, &openaitest.Server{}, "OTELAPP_BASE_URL", "/v1")

	genAI := func(spans []otlpreceiver.Span) int {
		n := 0
		for _, s := range spans {
			if _, ok := s.Attrs["gen_ai.operation.name"]; ok {
				n++
			}
		}
		return n
	}
	t.Run("application's provider", func(t *testing.T) {
		out, spans := e.Run(t, bin, false, "app")
		if strings.Count(out, "app span: chat gpt-4o-mini\n") != 1 {
			t.Errorf("the application's provider did not get the chat span:\n%s", out)
		}
		if n := genAI(spans); n != 0 {
			t.Errorf("the runtime's own provider exported %d GenAI spans too:\n%s", n, otlpreceiver.Describe(spans))
		}
	})
	t.Run("runtime's provider", func(t *testing.T) {
		out, spans := e.Run(t, bin, false)
		if strings.Contains(out, "app span") {
			t.Errorf("a provider the application did not set got spans:\n%s", out)
		}
		llmtest.OneChatSpan(t, spans)
	})

	// What the build compiled is what llminstr diff shows
	// (TestDiffIsWhatTheBuildCompiles); the application's provider getting
	// the span above is the build's doing.
	const generated = "llminstr_otel.go"
	const call = "SetGlobalProviders(llminstrotel.GetTracerProvider, llminstrotel.GetMeterProvider)"
	if diff := llmtest.Run(t, dir, nil, llminstrBin, "diff", "."); !strings.Contains(diff, generated) || !strings.Contains(diff, call) {
		t.Errorf("llminstr diff does not show %s:\n%s", generated, diff)
	}

	t.Run("no OpenTelemetry API", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "nootel")
		llmtest.Run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, "./nootel")
		if diff := llmtest.Run(t, dir, nil, llminstrBin, "diff", "./nootel"); !strings.Contains(diff, "nootel/main.go") || strings.Contains(diff, generated) {
			t.Errorf("want the call in nootel/main.go rewritten, and no %s for a program without the OpenTelemetry API:\n%s", generated, diff)
		}
		_, spans := e.Run(t, bin, false)
		llmtest.OneChatSpan(t, spans)
		plainBin := filepath.Join(t.TempDir(), "plain")
		llmtest.Run(t, dir, nil, "go", "build", "-o", plainBin, "./nootel")
		plain := llmtest.Run(t, "", nil, "go", "tool", "nm", plainBin)
		symbols := llmtest.Run(t, "", nil, "go", "tool", "nm", bin)
		if !strings.Contains(symbols, " go.opentelemetry.io/otel/trace.") {
			t.Fatal("the instrumented program does not link the OpenTelemetry trace API: the test proves nothing")
		}
		for _, pkg := range []string{"go.opentelemetry.io/otel.", "go.opentelemetry.io/otel/propagation.", "github.com/go-logr/", "log/slog."} {
			if strings.Contains(symbols, " "+pkg) && !strings.Contains(plain, " "+pkg) {
				t.Errorf("the runtime brings %s into the program", pkg)
			}
		}
		if _, ok := readDeps(t, bin)["github.com/go-logr/logr"]; ok {
			t.Error("the program's build information lists github.com/go-logr/logr")
		}
	})
}
