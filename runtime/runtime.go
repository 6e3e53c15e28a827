// Package runtime is the small library behind llminstr's instrumentation,
// and the few names a program may call itself: to put a conversation,
// user or agent on the spans of the calls a context carries, to redact
// captured content, to receive the structured content events, and to
// flush before an exit llminstr cannot see.
//
// A module that llminstr instruments requires this module (llminstr init
// adds the requirement); the code llminstr injects calls its package
// [github.com/llminstr/llminstr/runtime/injected], which has no
// compatibility promise. The names here are stable.
package runtime

import (
	"context"

	"go.opentelemetry.io/otel/attribute"

	"github.com/llminstr/llminstr/runtime/injected"
)

// Version is the runtime's version, recorded as the instrumentation scope version.
const Version = injected.Version

// WithConversationID returns a context whose GenAI spans carry
// gen_ai.conversation.id: a conversation, thread or session.
func WithConversationID(ctx context.Context, id string) context.Context {
	return injected.WithConversationID(ctx, id)
}

// WithUserID returns a context whose GenAI spans carry user.id.
func WithUserID(ctx context.Context, id string) context.Context {
	return injected.WithUserID(ctx, id)
}

// WithAgentName returns a context whose GenAI spans carry gen_ai.agent.name.
func WithAgentName(ctx context.Context, name string) context.Context {
	return injected.WithAgentName(ctx, name)
}

// WithAttributes returns a context whose GenAI spans, the ones llminstr
// records for calls made with it or with a context derived from it, carry
// attrs. Attributes given later, or deeper in the context chain, replace
// earlier ones with the same key.
func WithAttributes(ctx context.Context, attrs ...attribute.KeyValue) context.Context {
	return injected.WithAttributes(ctx, attrs...)
}

// SetRedactor installs a function that every captured content string passes
// through after the built-in and LLMINSTR_REDACT patterns; nil removes it.
// It must be safe for concurrent use. A panic in it drops the value.
func SetRedactor(redact func(string) string) { injected.SetRedactor(redact) }

// Event is a GenAI event with structured attribute values: strings,
// numbers, booleans, []any and map[string]any, as the semantic conventions
// define them for events.
type Event = injected.Event

// An EventSink receives the events of calls whose content capture asks for
// events (EVENT_ONLY, SPAN_AND_EVENT). ctx carries the call's span, so a
// log record emitted with it is correlated with the span.
type EventSink = injected.EventSink

// SetEventSink installs the function that receives events with structured
// values; nil removes it. Emitting them as OpenTelemetry log records is the
// application's part, with the log API version it uses (the log API's
// v0.x and v1.x are incompatible, so the runtime depends on neither):
//
//	runtime.SetEventSink(func(ctx context.Context, e runtime.Event) {
//		var r log.Record
//		r.SetEventName(e.Name)
//		for k, v := range e.Attributes { r.AddAttributes(toLogKeyValue(k, v)) }
//		logger.Emit(ctx, r)
//	})
//
// The span event of the same name carries the same values as JSON strings.
// The sink must be safe for concurrent use; a panic in it is recovered.
func SetEventSink(sink EventSink) { injected.SetEventSink(sink) }

// Shutdown ends the spans of calls still open (see [Call] and [Stream]:
// they carry llminstr.unfinished), then flushes and stops the providers the
// runtime set up itself, if any, spans and metrics at once. It is injected
// by llminstr where package main returns and before os.Exit and log.Fatal;
// an application's own providers are left to the application. It waits at
// most the smallest export timeout the environment sets
// (OTEL_BSP_EXPORT_TIMEOUT, OTEL_EXPORTER_OTLP_TIMEOUT), else one second,
// and reports on stderr what it could not export. It is safe to call more
// than once.
func Shutdown() { injected.Shutdown() }
