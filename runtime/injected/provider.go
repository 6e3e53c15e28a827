package injected

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llminstr/llminstr/runtime/otlp"
	"github.com/llminstr/llminstr/runtime/pipeline"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// instrumentationName is the instrumentation scope of every span.
const instrumentationName = "github.com/llminstr/llminstr/runtime"

// Version is the runtime's version, recorded as the instrumentation scope version.
const Version = "0.1.0"

// APILevel is the level of the API that the code llminstr injects calls.
// llminstr reads it before it rewrites a package, so that a runtime older
// than the tool is reported as such, with the command that updates it,
// rather than as adapters that do not type-check. (Runtimes without it are
// level 1.)
const APILevel = 8

// tracerCache remembers the tracer of the last provider seen, so that the
// common case costs one atomic load and one interface comparison.
type tracerCache struct {
	provider trace.TracerProvider
	tracer   trace.Tracer
}

var cachedTracer atomic.Pointer[tracerCache]

// tracer returns the tracer to record a call with: the application's global
// provider when it has set one, otherwise the runtime's own provider set up
// from the environment.
func tracer() trace.Tracer {
	global := globalTracerProvider()
	if c := cachedTracer.Load(); c != nil && c.provider == global {
		return c.tracer
	}
	provider := global
	if isDefaultGlobal(global) || isLibraryProvider(global) {
		provider = ownProvider()
	}
	t := provider.Tracer(instrumentationName, trace.WithInstrumentationVersion(Version))
	cachedTracer.Store(&tracerCache{provider: global, tracer: t})
	return t
}

// libraryProviders are global providers a library installed, not the
// application (see [LibraryProvider]).
var libraryProviders sync.Map

// LibraryProvider tells the runtime that tp, now the global
// TracerProvider, was installed by a library rather than by the
// application: Genkit installs an SDK provider without exporters the first
// time it traces, when the application has set none. While it is the
// global, the runtime records with its own provider, set up from the
// environment, as it does when there is no global provider.
func LibraryProvider(tp trace.TracerProvider) {
	if tp != nil {
		libraryProviders.Store(tp, true)
	}
}

func isLibraryProvider(tp trace.TracerProvider) bool {
	defer func() { recover() }() // an uncomparable provider is the application's
	_, ok := libraryProviders.Load(tp)
	return ok
}

// parentOption makes the span a root when the context's span is one of a
// library's provider (see [LibraryProvider]): that span is exported
// nowhere the runtime's are, and a span whose parent is never exported
// hangs from nothing in a backend.
func parentOption(ctx context.Context) trace.SpanStartOption {
	if parent := trace.SpanFromContext(ctx); parent.SpanContext().IsValid() && isLibraryProvider(parent.TracerProvider()) {
		return trace.WithNewRoot()
	}
	return trace.WithAttributes() // nothing
}

var own struct {
	once     sync.Once
	provider trace.TracerProvider
	shutdown atomic.Pointer[func(context.Context) error]
}

// ownProvider sets up, once, the provider used when the application has none.
// When that fails, even by a panic, tracing is off (with one warning) and
// calls run as they would uninstrumented.
func ownProvider() trace.TracerProvider {
	own.once.Do(func() {
		own.provider = noop.NewTracerProvider()
		defer recoverAndWarn()
		tp, shutdown, err := providerFromEnv(os.Getenv, os.Stderr)
		if err != nil {
			warnf("tracing disabled: %v", err)
			return
		}
		own.provider = tp
		if shutdown != nil {
			own.shutdown.Store(&shutdown)
		}
	})
	return own.provider
}

// providerFromEnv builds a TracerProvider from the standard OpenTelemetry
// environment; see exportersFromEnv for the choice of exporters. An
// exporter that cannot be set up is reported and left out; the error is
// returned only when none is left.
func providerFromEnv(getenv func(string) string, console io.Writer) (trace.TracerProvider, func(context.Context) error, error) {
	names, err := exportersFromEnv(getenv, "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	var exporters fanoutExporter
	for _, name := range names {
		switch name {
		case "console":
			exporters = append(exporters, newConsoleExporter(console))
		case "otlp":
			exporter, otlpErr := otlpTraceExporter(getenv)
			if otlpErr != nil {
				err = errors.Join(err, otlpErr)
				continue
			}
			exporters = append(exporters, exporter)
		}
	}
	if file := fileFromEnv(getenv); file != nil {
		exporters = append(exporters, file.SpanExporter())
	}
	if len(exporters) == 0 {
		return noop.NewTracerProvider(), nil, err
	}
	if err != nil {
		warnf("%v", err)
	}
	// The batch processor exports off the calling goroutine through a
	// bounded queue (OTEL_BSP_*, checked); the sampler comes from
	// OTEL_TRACES_SAMPLER(_ARG), the span limits from OTEL_*_LIMIT.
	batch, warnings := batchConfig(getenv)
	sampler, warning := pipeline.SamplerFromEnv(getenv)
	if warning != "" {
		warnings = append(warnings, warning)
	}
	limits, limitWarnings := pipeline.LimitsFromEnv(getenv)
	for _, w := range append(warnings, limitWarnings...) {
		warnf("%s", w)
	}
	var exporter pipeline.SpanExporter = exporters
	if len(exporters) == 1 {
		exporter = exporters[0]
	}
	batch.OnError = func(err error) { warnf("exporting spans: %v", err) }
	processor := pipeline.NewBatchProcessor(exporter, batch)
	tp := pipeline.NewTracerProvider(resourceFromEnv(getenv), sampler, limits, processor)
	shutdown := func(ctx context.Context) error {
		err := tp.Shutdown(ctx)
		if lost := processor.Ended() - processor.Exported(); lost > 0 {
			warnf("%d of %d spans were not exported (the export queue was full, or the exporter failed or timed out)", lost, processor.Ended())
		}
		return err
	}
	return tp, shutdown, nil
}

// otlpTraceExporter returns the OTLP span exporter the standard
// environment configures (see [otlp.ConfigFromEnv]); values it cannot use
// are reported once, and their defaults used.
func otlpTraceExporter(getenv func(string) string) (pipeline.SpanExporter, error) {
	cfg, err := otlpConfig(getenv, otlp.Traces, "OTEL_TRACES_EXPORTER")
	if err != nil {
		return nil, err
	}
	exporter, err := otlp.NewSpanExporter(cfg)
	if err != nil {
		return nil, fmt.Errorf("OTEL_TRACES_EXPORTER=otlp: %w", err)
	}
	return exporter, nil
}

// otlpConfig reads a signal's OTLP exporter configuration, warning about
// the values it cannot use.
func otlpConfig(getenv func(string) string, signal otlp.Signal, selector string) (otlp.Config, error) {
	cfg, warnings, err := otlp.ConfigFromEnv(getenv, signal)
	for _, w := range warnings {
		warnf("%s", w)
	}
	if err != nil {
		return cfg, fmt.Errorf("%s=otlp: %w", selector, err)
	}
	cfg.Warn = func(msg string) { warnf("%s", msg) }
	return cfg, nil
}

// fanoutExporter exports every batch to each of its exporters
// (OTEL_TRACES_EXPORTER=console,otlp).
type fanoutExporter []pipeline.SpanExporter

func (f fanoutExporter) ExportSpans(ctx context.Context, spans []*pipeline.SpanData) error {
	var errs []error
	for _, e := range f {
		errs = append(errs, e.ExportSpans(ctx, spans))
	}
	return errors.Join(errs...)
}

func (f fanoutExporter) Shutdown(ctx context.Context) error {
	var errs []error
	for _, e := range f {
		errs = append(errs, e.Shutdown(ctx))
	}
	return errors.Join(errs...)
}

// Shutdown ends the spans of calls still open (see [Call] and [Stream]:
// they carry llminstr.unfinished), then flushes and stops the providers the
// runtime set up itself, if any, spans and metrics at once. It is injected
// by llminstr where package main returns and before os.Exit and log.Fatal;
// an application's own providers are left to the application. It waits at
// most the smallest export timeout the environment sets
// (OTEL_BSP_EXPORT_TIMEOUT, OTEL_EXPORTER_OTLP_TIMEOUT), else one second,
// and reports on stderr what it could not export. It is safe to call more
// than once.
func Shutdown() {
	defer recoverAndWarn()
	endUnfinished()
	ctx, cancel := context.WithTimeout(context.Background(), exitTimeout(os.Getenv))
	defer cancel()
	var wg sync.WaitGroup
	flush := func(what string, shutdown *func(context.Context) error) {
		if shutdown == nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer recoverAndWarn()
			if err := (*shutdown)(ctx); err != nil {
				warnf("flushing %s: %v", what, err)
			}
		}()
	}
	flush("spans", own.shutdown.Load())
	flush("metrics", ownMeter.shutdown.Load())
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		// The providers return at the deadline; an exporter that does
		// not honour it gets a moment more, then the program goes on.
		select {
		case <-done:
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// Exit flushes the runtime's spans, then calls exit (os.Exit) with code.
// llminstr rewrites os.Exit calls to go through it.
func Exit(exit func(int), code int) {
	Shutdown()
	exit(code)
}

var warnOnce sync.Map

// warnf prints a runtime warning to stderr, once per distinct message.
func warnf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if _, loaded := warnOnce.LoadOrStore(msg, true); loaded {
		return
	}
	fmt.Fprintf(os.Stderr, "llminstr: %s\n", msg)
}

// recoverAndWarn stops a panic inside the runtime from reaching user code.
func recoverAndWarn() {
	if r := recover(); r != nil {
		warnf("internal error (recovered): %v", r)
	}
}
