// Package injected is what the code llminstr injects into a build calls:
// its adapters call [StartInference] before an LLM SDK call and [Call.End]
// after it (or when a stream is drained, closed or fails), and use the
// stream observers, the wire readers of each provider's formats and the
// weak registry of objects the SDKs return.
//
// It is for code llminstr injects, and comes with no compatibility
// promise: names change whenever the adapters need it, and [APILevel]
// tells llminstr which adapters a given runtime can serve. Programs use
// the package github.com/llminstr/llminstr/runtime, whose few names
// (conversation and user ids, the redactor, the event sink, Shutdown) are
// stable.
//
// Spans go to the global OpenTelemetry TracerProvider as it is at the
// moment of the call, so an application's own setup always wins. When the
// application has set up nothing, the runtime sets up its own pipeline
// (package pipeline, which records through the OpenTelemetry API and does
// not link the OpenTelemetry SDK) from the standard OTEL_* environment on
// first use (see [Shutdown]).
//
// Nothing in this package panics into the caller, blocks on export, or
// records message content, API keys or headers.
package injected
