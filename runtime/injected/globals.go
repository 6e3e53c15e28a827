package injected

import (
	"sync/atomic"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// The application's global providers are read through functions the
// program hands the runtime, rather than from the OpenTelemetry API's root
// package, which would pull logr and log/slog into every instrumented
// program. A program that links that package (go.opentelemetry.io/otel),
// the only way to set a global provider, gets them from llminstr: its main
// package calls [SetGlobalProviders] with otel.GetTracerProvider and
// otel.GetMeterProvider as it initializes. A program that does not link it
// has no global providers, and the runtime uses its own.
var globals struct {
	tracerProvider atomic.Pointer[func() trace.TracerProvider]
	meterProvider  atomic.Pointer[func() metric.MeterProvider]
}

// SetGlobalProviders gives the runtime the functions that return the
// application's global TracerProvider and MeterProvider. The code llminstr
// adds to a program's main package calls it, in a package-level variable's
// initializer, when the program links the OpenTelemetry API; its result
// means nothing. A nil function is ignored.
func SetGlobalProviders(tracerProvider func() trace.TracerProvider, meterProvider func() metric.MeterProvider) bool {
	if tracerProvider != nil {
		globals.tracerProvider.Store(&tracerProvider)
	}
	if meterProvider != nil {
		globals.meterProvider.Store(&meterProvider)
	}
	return true
}

// globalTracerProvider returns the application's global TracerProvider, or
// nil when the program has none to give.
func globalTracerProvider() trace.TracerProvider {
	if f := globals.tracerProvider.Load(); f != nil {
		return (*f)()
	}
	return nil
}

// globalMeterProvider returns the application's global MeterProvider, or
// nil when the program has none to give.
func globalMeterProvider() metric.MeterProvider {
	if f := globals.meterProvider.Load(); f != nil {
		return (*f)()
	}
	return nil
}
