package injected

import (
	"context"
	"sync"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
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

// Operation names of the spans an agent's run is made of, besides its
// inference calls.
const (
	OperationInvokeAgent = "invoke_agent"
	OperationExecuteTool = "execute_tool"
)

// StartAgent starts the span of an agent invocation in this process,
// named "invoke_agent {name}", and returns a context under which LLM calls
// are its children and carry gen_ai.agent.name, and the function that ends
// the span with the invocation's error (nil when it succeeded). llminstr
// calls it at the top of functions marked //llminstr:agent.
//
// Only calls made with the returned context (or one derived from it) join
// the agent's trace. llminstr does not track spans per goroutine: that needs
// a field added to the Go runtime's goroutine struct, which has leaked memory
// and mixed requests up under load in the tools that do it.
func StartAgent(ctx context.Context, name string) (agentCtx context.Context, end func(error)) {
	agentCtx, end = startInternal(ctx, OperationInvokeAgent, name, keyAgentName.String(name))
	if agentCtx != ctx {
		agentCtx = WithAgentName(agentCtx, name)
	}
	return agentCtx, end
}

// StartTool starts the span of a tool's execution in this process, named
// "execute_tool {name}" (gen_ai.tool.type function), and returns a context
// under which the calls the tool makes are its children, and the function
// that ends the span with the tool's error (nil when it succeeded).
// llminstr calls it at the top of functions marked //llminstr:tool.
func StartTool(ctx context.Context, name string) (toolCtx context.Context, end func(error)) {
	return startInternal(ctx, OperationExecuteTool, name, keyToolName.String(name), keyToolType.String("function"))
}

// startInternal starts an INTERNAL span of operation, named after it and
// name, with attrs and the context's attributes.
func startInternal(ctx context.Context, operation, name string, attrs ...attribute.KeyValue) (spanCtx context.Context, end func(error)) {
	defer func() {
		// Whatever failed, the function runs as it would uninstrumented.
		if r := recover(); r != nil {
			warnf("internal error (recovered): %v", r)
			spanCtx, end = ctx, func(error) {}
		}
	}()
	if ctx == nil {
		return ctx, func(error) {}
	}
	spanName := operation
	if name != "" {
		spanName += " " + name
	}
	all := append(append([]attribute.KeyValue{keyOperationName.String(operation)}, attrs...), contextAttributes(ctx)...)
	ctx, span := tracer().Start(ctx, spanName, trace.WithSpanKind(trace.SpanKindInternal), trace.WithAttributes(all...))
	a := &internalSpan{span: span}
	track(a)
	return ctx, a.end
}

// internalSpan is an agent's or a tool's span, ended once.
type internalSpan struct {
	span trace.Span
	once sync.Once
}

func (a *internalSpan) end(err error) {
	defer recoverAndWarn()
	a.once.Do(func() {
		untrack(a)
		if err != nil {
			a.span.SetAttributes(keyErrorType.String(errorTypeOf(err)))
			a.span.SetStatus(codes.Error, err.Error())
		}
		a.span.End()
	})
}

func (a *internalSpan) endUnfinished() {
	a.span.SetAttributes(keyUnfinished.Bool(true))
	a.end(nil)
}
