package injected

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
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
