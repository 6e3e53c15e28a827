package otlp

import (
	"time"

	"github.com/llminstr/llminstr/runtime/pipeline"
	"go.opentelemetry.io/otel/attribute"
)

// keyValues writes attrs as repeated KeyValue field.
func (e *encoder) keyValues(field int, attrs []attribute.KeyValue) {
	for _, kv := range attrs {
		e.keyValue(field, kv)
	}
}

// attributeSet writes the attributes of set as repeated KeyValue field.
func (e *encoder) attributeSet(field int, set *attribute.Set) {
	for iter := set.Iter(); iter.Next(); {
		e.keyValue(field, iter.Attribute())
	}
}

// keyValue writes common.v1.KeyValue{key = 1, value = 2}.
func (e *encoder) keyValue(field int, kv attribute.KeyValue) {
	e.message(field, func() {
		e.string(1, string(kv.Key))
		e.message(2, func() { e.anyValue(kv.Value) })
	})
}

// anyValue writes the contents of common.v1.AnyValue, a oneof of
// string_value = 1, bool_value = 2, int_value = 3, double_value = 4 and
// array_value = 5 (ArrayValue{repeated AnyValue values = 1}). A type it
// does not know is written as the string "INVALID", as the OpenTelemetry
// Go exporters do.
func (e *encoder) anyValue(v attribute.Value) {
	switch v.Type() {
	case attribute.BOOL:
		e.boolValue(v.AsBool())
	case attribute.INT64:
		e.intValue(v.AsInt64())
	case attribute.FLOAT64:
		e.doubleAlways(4, v.AsFloat64())
	case attribute.STRING:
		e.stringAlways(1, v.AsString())
	case attribute.BOOLSLICE:
		e.message(5, func() {
			for _, b := range v.AsBoolSlice() {
				e.message(1, func() { e.boolValue(b) })
			}
		})
	case attribute.INT64SLICE:
		e.message(5, func() {
			for _, n := range v.AsInt64Slice() {
				e.message(1, func() { e.intValue(n) })
			}
		})
	case attribute.FLOAT64SLICE:
		e.message(5, func() {
			for _, f := range v.AsFloat64Slice() {
				e.message(1, func() { e.doubleAlways(4, f) })
			}
		})
	case attribute.STRINGSLICE:
		e.message(5, func() {
			for _, s := range v.AsStringSlice() {
				e.message(1, func() { e.stringAlways(1, s) })
			}
		})
	default:
		e.stringAlways(1, "INVALID")
	}
}

func (e *encoder) boolValue(b bool) {
	var n uint64
	if b {
		n = 1
	}
	e.uvarintAlways(2, n)
}

func (e *encoder) intValue(n int64) {
	e.uvarintAlways(3, uint64(n))
}

// resource writes resource.v1.Resource{attributes = 1}.
func (e *encoder) resource(field int, r *pipeline.Resource) {
	e.message(field, func() {
		if r != nil {
			e.attributeSet(1, &r.Attributes)
		}
	})
}

// scope writes common.v1.InstrumentationScope{name = 1, version = 2}.
func (e *encoder) scope(field int, s pipeline.Scope) {
	e.message(field, func() {
		e.string(1, s.Name)
		e.string(2, s.Version)
	})
}

// unixNano is t in nanoseconds since the epoch, 0 for times before it.
func unixNano(t time.Time) uint64 {
	return uint64(max(0, t.UnixNano()))
}

// clampUint32 is n as a uint32, clamped to its range.
func clampUint32(n int) uint32 {
	if n < 0 {
		return 0
	}
	if uint64(n) > 1<<32-1 {
		return 1<<32 - 1
	}
	return uint32(n)
}
