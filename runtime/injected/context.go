package injected

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

type contextAttrsKey struct{}

// WithAttributes returns a context whose GenAI spans, the ones llminstr
// records for calls made with it or with a context derived from it, carry
// attrs. Attributes given later, or deeper in the context chain, replace
// earlier ones with the same key.
func WithAttributes(ctx context.Context, attrs ...attribute.KeyValue) context.Context {
	if ctx == nil || len(attrs) == 0 {
		return ctx
	}
	prev := contextAttributes(ctx)
	merged := make([]attribute.KeyValue, 0, len(prev)+len(attrs))
	for _, kv := range prev {
		if !hasKey(attrs, kv.Key) {
			merged = append(merged, kv)
		}
	}
	merged = append(merged, attrs...)
	return context.WithValue(ctx, contextAttrsKey{}, merged)
}

func hasKey(attrs []attribute.KeyValue, k attribute.Key) bool {
	for _, kv := range attrs {
		if kv.Key == k {
			return true
		}
	}
	return false
}

// WithConversationID returns a context whose GenAI spans carry
// gen_ai.conversation.id: a conversation, thread or session.
func WithConversationID(ctx context.Context, id string) context.Context {
	return WithAttributes(ctx, keyConversationID.String(id))
}

// WithUserID returns a context whose GenAI spans carry user.id.
func WithUserID(ctx context.Context, id string) context.Context {
	return WithAttributes(ctx, keyUserID.String(id))
}

// WithAgentName returns a context whose GenAI spans carry gen_ai.agent.name.
func WithAgentName(ctx context.Context, name string) context.Context {
	return WithAttributes(ctx, keyAgentName.String(name))
}

// contextAttributes returns the attributes ctx carries for GenAI spans.
func contextAttributes(ctx context.Context) []attribute.KeyValue {
	attrs, _ := ctx.Value(contextAttrsKey{}).([]attribute.KeyValue)
	return attrs
}

// OperationInvokeAgent is the gen_ai.operation.name of an agent's span.
const OperationInvokeAgent = "invoke_agent"

// StartAgent starts the span of an agent invocation in this process,
// named "invoke_agent {name}", and returns a context under which LLM calls
// are its children and carry gen_ai.agent.name, and the function that ends
// the span. llminstr calls it at the top of functions marked
// //llminstr:agent.
//
// Only calls made with the returned context (or one derived from it) join
// the agent's trace. llminstr does not track spans per goroutine: that needs
// a field added to the Go runtime's goroutine struct, which has leaked memory
// and mixed requests up under load in the tools that do it.
func StartAgent(ctx context.Context, name string) (agentCtx context.Context, end func()) {
	defer func() {
		// Whatever failed, the function runs as it would uninstrumented.
		if r := recover(); r != nil {
			warnf("internal error (recovered): %v", r)
			agentCtx, end = ctx, func() {}
		}
	}()
	if ctx == nil {
		return ctx, func() {}
	}
	spanName := OperationInvokeAgent
	if name != "" {
		spanName += " " + name
	}
	ctx, span := tracer().Start(ctx, spanName, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(append([]attribute.KeyValue{keyOperationName.String(OperationInvokeAgent), keyAgentName.String(name)}, contextAttributes(ctx)...)...))
	a := &agentSpan{span: span}
	track(a)
	return WithAgentName(ctx, name), a.end
}

// agentSpan is an agent invocation's span, ended once.
type agentSpan struct {
	span trace.Span
	once sync.Once
}

func (a *agentSpan) end() {
	a.once.Do(func() {
		untrack(a)
		a.span.End()
	})
}

func (a *agentSpan) endUnfinished() {
	a.span.SetAttributes(keyUnfinished.Bool(true))
	a.end()
}
