// Package telemetry sets the application's global TracerProvider: an
// OpenTelemetry SDK provider that prints the name of each span it ends.
package telemetry

import (
	"context"
	"fmt"
	"io"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Setup sets the global TracerProvider and returns its shutdown.
func Setup(w io.Writer) (shutdown func()) {
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(printer{w}))
	otel.SetTracerProvider(tp)
	return func() { _ = tp.Shutdown(context.Background()) }
}

// printer is a span exporter that prints span names.
type printer struct{ w io.Writer }

func (p printer) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	for _, s := range spans {
		fmt.Fprintf(p.w, "app span: %s\n", s.Name())
	}
	return nil
}

func (printer) Shutdown(context.Context) error { return nil }
