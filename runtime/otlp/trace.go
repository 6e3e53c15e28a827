package otlp

import (
	"context"

	"github.com/llminstr/llminstr/runtime/pipeline"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// SpanExporter sends spans to an OTLP endpoint. It implements
// [pipeline.SpanExporter].
type SpanExporter struct {
	client *client
}

// NewSpanExporter returns an exporter that sends spans as cfg says.
func NewSpanExporter(cfg Config) (*SpanExporter, error) {
	c, err := newClient(cfg, Traces)
	if err != nil {
		return nil, err
	}
	return &SpanExporter{client: c}, nil
}

// ExportSpans sends spans in one request, retrying while the endpoint
// says it is busy or unavailable, until ctx or the configured timeout
// ends.
func (e *SpanExporter) ExportSpans(ctx context.Context, spans []*pipeline.SpanData) error {
	if len(spans) == 0 {
		return nil
	}
	return e.client.export(ctx, encodeSpans(spans))
}

// Shutdown stops the exporter: later exports fail at once.
func (e *SpanExporter) Shutdown(ctx context.Context) error {
	return e.client.shutdown(ctx)
}

// encodeSpans returns the protobuf encoding of a
// collector.trace.v1.ExportTraceServiceRequest holding spans, grouped by
// resource and instrumentation scope in the order they first appear.
func encodeSpans(spans []*pipeline.SpanData) []byte {
	type scopeSpans struct {
		scope pipeline.Scope
		spans []*pipeline.SpanData
	}
	type resourceSpans struct {
		resource *pipeline.Resource
		scopes   []*scopeSpans
	}
	var groups []*resourceSpans
	for _, s := range spans {
		var rs *resourceSpans
		for _, g := range groups {
			if g.resource == s.Resource {
				rs = g
				break
			}
		}
		if rs == nil {
			rs = &resourceSpans{resource: s.Resource}
			groups = append(groups, rs)
		}
		var ss *scopeSpans
		for _, g := range rs.scopes {
			if g.scope == s.Scope {
				ss = g
				break
			}
		}
		if ss == nil {
			ss = &scopeSpans{scope: s.Scope}
			rs.scopes = append(rs.scopes, ss)
		}
		ss.spans = append(ss.spans, s)
	}

	e := &encoder{buf: make([]byte, 0, 512*len(spans))}
	for _, rs := range groups {
		// ResourceSpans{resource = 1, scope_spans = 2, schema_url = 3}
		e.message(1, func() {
			e.resource(1, rs.resource)
			for _, ss := range rs.scopes {
				// ScopeSpans{scope = 1, spans = 2, schema_url = 3}
				e.message(2, func() {
					e.scope(1, ss.scope)
					for _, s := range ss.spans {
						e.message(2, func() { e.span(s) })
					}
					e.string(3, ss.scope.SchemaURL)
				})
			}
			if rs.resource != nil {
				e.string(3, rs.resource.SchemaURL)
			}
		})
	}
	return e.buf
}

// span writes the fields of trace.v1.Span.
func (e *encoder) span(s *pipeline.SpanData) {
	sc := s.SpanContext
	traceID, spanID := sc.TraceID(), sc.SpanID()
	e.bytes(1, traceID[:])
	e.bytes(2, spanID[:])
	e.string(3, sc.TraceState().String())
	if parent := s.Parent.SpanID(); parent.IsValid() {
		e.bytes(4, parent[:])
	}
	e.string(5, s.Name)
	e.uvarint(6, uint64(spanKind(s.Kind)))
	e.fixed64(7, unixNano(s.Start))
	e.fixed64(8, unixNano(s.End))
	e.keyValues(9, s.Attributes)
	e.uvarint(10, uint64(clampUint32(s.DroppedAttributes)))
	for _, ev := range s.Events {
		// Event{time_unix_nano = 1, name = 2, attributes = 3, dropped_attributes_count = 4}
		e.message(11, func() {
			e.fixed64(1, unixNano(ev.Time))
			e.string(2, ev.Name)
			e.keyValues(3, ev.Attributes)
			e.uvarint(4, uint64(clampUint32(ev.DroppedAttributes)))
		})
	}
	e.uvarint(12, uint64(clampUint32(s.DroppedEvents)))
	for _, l := range s.Links {
		// Link{trace_id = 1, span_id = 2, trace_state = 3, attributes = 4,
		// dropped_attributes_count = 5, flags = 6}
		e.message(13, func() {
			traceID, spanID := l.SpanContext.TraceID(), l.SpanContext.SpanID()
			e.bytes(1, traceID[:])
			e.bytes(2, spanID[:])
			e.keyValues(4, l.Attributes)
			e.uvarint(5, uint64(clampUint32(l.DroppedAttributes)))
			e.fixed32(6, spanFlags(l.SpanContext.TraceFlags(), l.SpanContext))
		})
	}
	e.uvarint(14, uint64(clampUint32(s.DroppedLinks)))
	// Status{message = 2, code = 3}
	status := s.Status
	e.message(15, func() {
		e.string(2, status.Description)
		e.uvarint(3, statusCode(status.Code))
	})
	e.fixed32(16, spanFlags(sc.TraceFlags(), s.Parent))
}

// spanFlags are the OTLP flags of a span or a link: the W3C trace flags
// of its own context in the low byte, and whether the context it refers to
// (a span's parent, a link's target) is remote.
func spanFlags(own trace.TraceFlags, sc trace.SpanContext) uint32 {
	const hasIsRemote, isRemote = 0x100, 0x200
	flags := uint32(own) | hasIsRemote
	if sc.IsRemote() {
		flags |= isRemote
	}
	return flags
}

// spanKind is the OTLP Span.SpanKind of k.
func spanKind(k trace.SpanKind) int {
	switch k {
	case trace.SpanKindInternal:
		return 1
	case trace.SpanKindServer:
		return 2
	case trace.SpanKindClient:
		return 3
	case trace.SpanKindProducer:
		return 4
	case trace.SpanKindConsumer:
		return 5
	}
	return 0
}

// statusCode is the OTLP Status.StatusCode of c.
func statusCode(c codes.Code) uint64 {
	switch c {
	case codes.Ok:
		return 1
	case codes.Error:
		return 2
	}
	return 0
}
