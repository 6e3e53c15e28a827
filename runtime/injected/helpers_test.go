package injected

import (
	"context"
	"encoding/json"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

func spanIDFrom(ctx context.Context) trace.SpanID { return trace.SpanContextFromContext(ctx).SpanID() }

// emit is v as text, with slices in JSON whatever the OpenTelemetry
// version (v1.24's Value.Emit writes [a b]; later ones write ["a","b"]).
func emit(v attribute.Value) string {
	switch v.Type() {
	case attribute.STRINGSLICE, attribute.INT64SLICE, attribute.FLOAT64SLICE, attribute.BOOLSLICE:
		b, _ := json.Marshal(v.AsInterface())
		return string(b)
	}
	return v.Emit()
}
