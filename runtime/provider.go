package runtime

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// instrumentationName is the instrumentation scope of every span.
const instrumentationName = "github.com/llminstr/llminstr/runtime"

// Version is the runtime's version, recorded as the instrumentation scope version.
const Version = "0.1.0"

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
	global := otel.GetTracerProvider()
	if c := cachedTracer.Load(); c != nil && c.provider == global {
		return c.tracer
	}
	provider := global
	if isDefaultGlobal(global) {
		provider = ownProvider()
	}
	t := provider.Tracer(instrumentationName, trace.WithInstrumentationVersion(Version))
	cachedTracer.Store(&tracerCache{provider: global, tracer: t})
	return t
}

var own struct {
	once     sync.Once
	provider trace.TracerProvider
	shutdown atomic.Pointer[func(context.Context) error]
}

// ownProvider sets up, once, the provider used when the application has none.
func ownProvider() trace.TracerProvider {
	own.once.Do(func() {
		tp, shutdown, err := providerFromEnv(os.Getenv, os.Stderr)
		if err != nil {
			warnf("tracing disabled: %v", err)
			tp, shutdown = noop.NewTracerProvider(), nil
		}
		own.provider = tp
		if shutdown != nil {
			own.shutdown.Store(&shutdown)
		}
	})
	return own.provider
}

// providerFromEnv builds a TracerProvider from the standard OpenTelemetry
// environment; see exporterFromEnv for the choice of exporter.
func providerFromEnv(getenv func(string) string, console io.Writer) (trace.TracerProvider, func(context.Context) error, error) {
	name, err := exporterFromEnv(getenv, "OTEL_TRACES_EXPORTER", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT")
	if err != nil {
		return nil, nil, err
	}
	var exporter sdktrace.SpanExporter
	switch name {
	case "none":
		return noop.NewTracerProvider(), nil, nil
	case "console":
		exporter = newConsoleExporter(console)
	case "otlp":
		protocol, err := otlpProtocol(getenv, "TRACES")
		if err != nil {
			return nil, nil, err
		}
		// The exporters read the endpoint, headers, TLS, compression and
		// timeout from the standard environment themselves.
		if protocol == "grpc" {
			exporter, err = otlptracegrpc.New(context.Background())
		} else {
			exporter, err = otlptracehttp.New(context.Background())
		}
		if err != nil {
			return nil, nil, fmt.Errorf("OTEL_TRACES_EXPORTER=otlp (%s): %w", protocol, err)
		}
	}
	// The batch processor exports off the calling goroutine through a
	// bounded queue (OTEL_BSP_*); the sampler comes from
	// OTEL_TRACES_SAMPLER(_ARG), which the SDK reads itself.
	counted := &countingExporter{SpanExporter: exporter}
	processor := &countingProcessor{SpanProcessor: sdktrace.NewBatchSpanProcessor(counted)}
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithSpanProcessor(processor),
		sdktrace.WithResource(resourceFromEnv()),
	)
	shutdown := func(ctx context.Context) error {
		err := tp.Shutdown(ctx)
		if lost := processor.ended.Load() - counted.exported.Load(); lost > 0 {
			warnf("%d of %d spans were not exported (the export queue was full, or the exporter failed or timed out)", lost, processor.ended.Load())
		}
		return err
	}
	return tp, shutdown, nil
}

// countingProcessor counts the sampled spans that end, which the batch
// processor then queues or, when its queue is full, drops.
type countingProcessor struct {
	sdktrace.SpanProcessor
	ended atomic.Int64
}

func (p *countingProcessor) OnEnd(s sdktrace.ReadOnlySpan) {
	if s.SpanContext().IsSampled() {
		p.ended.Add(1)
	}
	p.SpanProcessor.OnEnd(s)
}

// countingExporter counts the spans exported successfully.
type countingExporter struct {
	sdktrace.SpanExporter
	exported atomic.Int64
}

func (e *countingExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	err := e.SpanExporter.ExportSpans(ctx, spans)
	if err == nil {
		e.exported.Add(int64(len(spans)))
	}
	return err
}

// shutdownTimeout bounds how long Shutdown waits for the exporter.
const shutdownTimeout = 5 * time.Second

// Shutdown flushes and stops the provider the runtime set up itself, if any.
// It is injected by llminstr where package main returns and before os.Exit;
// an application's own providers are left to the application. It never
// blocks for longer than a few seconds and is safe to call more than once.
func Shutdown() {
	defer recoverAndWarn()
	ctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	if shutdown := own.shutdown.Load(); shutdown != nil {
		if err := (*shutdown)(ctx); err != nil {
			warnf("flushing spans: %v", err)
		}
	}
	if shutdown := ownMeter.shutdown.Load(); shutdown != nil {
		if err := (*shutdown)(ctx); err != nil {
			warnf("flushing metrics: %v", err)
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
