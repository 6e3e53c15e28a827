// Package runtime is the small library that code rewritten by llminstr calls.
//
// Adapters injected at build time call [StartInference] before an LLM SDK
// call and [Call.End] after it (or when a stream is drained, closed or
// fails). Spans go to the global OpenTelemetry TracerProvider as it is at
// the moment of the call, so an application's own setup always wins. When
// the application has set up nothing, the runtime sets up an SDK from the
// standard OTEL_* environment on first use (see [Shutdown]).
//
// Nothing in this package panics into the caller, blocks on export, or
// records message content, API keys or headers.
package runtime
