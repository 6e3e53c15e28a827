package injected

import (
	"context"

	"go.opentelemetry.io/otel/trace"
)

func spanIDFrom(ctx context.Context) trace.SpanID { return trace.SpanContextFromContext(ctx).SpanID() }
