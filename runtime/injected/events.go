package injected

import (
	"context"
	"encoding/json"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
)

// Event is a GenAI event with structured attribute values: strings,
// numbers, booleans, []any and map[string]any, as the semantic conventions
// define them for events.
type Event struct {
	// Name is the event name, gen_ai.client.inference.operation.details.
	Name       string
	Attributes map[string]any
}

// An EventSink receives the events of calls whose content capture asks for
// events (EVENT_ONLY, SPAN_AND_EVENT). ctx carries the call's span, so a
// log record emitted with it is correlated with the span.
type EventSink func(ctx context.Context, e Event)

var eventSink atomic.Pointer[EventSink]

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
func SetEventSink(sink EventSink) {
	if sink == nil {
		eventSink.Store(nil)
		return
	}
	eventSink.Store(&sink)
}

// sendEvent hands the details event to the sink, with the JSON content
// values decoded into structured ones.
func sendEvent(ctx context.Context, attrs []attribute.KeyValue) {
	sink := eventSink.Load()
	if sink == nil {
		return
	}
	defer recoverAndWarn()
	e := Event{Name: eventOperationDetails, Attributes: make(map[string]any, len(attrs))}
	for _, kv := range attrs {
		switch kv.Key {
		case keyInputMessages, keyOutputMessages, keySystemInstructions, keyToolDefinitions:
			var v any
			if json.Unmarshal([]byte(kv.Value.AsString()), &v) == nil {
				e.Attributes[string(kv.Key)] = v
			}
		default:
			e.Attributes[string(kv.Key)] = kv.Value.AsInterface()
		}
	}
	(*sink)(ctx, e)
}
