package runtime_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/llminstr/llminstr/runtime"
	"github.com/llminstr/llminstr/runtime/injected"
)

// The tests are a program that links the OpenTelemetry API, whose main
// package llminstr would give the runtime the global providers.
var _ = injected.SetGlobalProviders(otel.GetTracerProvider, otel.GetMeterProvider)

// TestProgramNamesReachInjectedCalls checks that what a program sets
// through the runtime's package is what the calls the injected code makes
// record: both packages share one state.
func TestProgramNamesReachInjectedCalls(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	ctx := runtime.WithConversationID(context.Background(), "conv-1")
	ctx = runtime.WithUserID(ctx, "user-1")
	ctx = runtime.WithAgentName(ctx, "planner")
	ctx = runtime.WithAttributes(ctx, attribute.String("app.tenant", "t1"))
	_, c := injected.StartInference(ctx, injected.OperationChat, "openai", "gpt-4o-mini")
	c.End(nil)

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	got := map[attribute.Key]string{}
	for _, kv := range spans[0].Attributes() {
		got[kv.Key] = kv.Value.Emit()
	}
	for k, v := range map[attribute.Key]string{
		"gen_ai.conversation.id": "conv-1", "user.id": "user-1", "gen_ai.agent.name": "planner", "app.tenant": "t1",
	} {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	if runtime.Version != injected.Version {
		t.Errorf("Version %s, injected.Version %s", runtime.Version, injected.Version)
	}
}
