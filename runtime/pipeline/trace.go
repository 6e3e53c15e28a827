package pipeline

import (
	"context"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// TracerProvider is a [trace.TracerProvider] that hands the spans it
// samples, once ended, to a [BatchProcessor].
type TracerProvider struct {
	// The no-op provider supplies methods later versions of the API add.
	noop.TracerProvider

	resource  *Resource
	sampler   Sampler
	limits    Limits
	processor *BatchProcessor
	tracers   sync.Map // Scope -> *tracer
	stopped   atomic.Bool
}

// NewTracerProvider returns a provider that records spans of resource
// within limits, sampled by sampler, and ends them into processor.
func NewTracerProvider(resource *Resource, sampler Sampler, limits Limits, processor *BatchProcessor) *TracerProvider {
	return &TracerProvider{resource: resource, sampler: sampler, limits: limits, processor: processor}
}

// Tracer returns the tracer of the named instrumentation scope.
func (p *TracerProvider) Tracer(name string, options ...trace.TracerOption) trace.Tracer {
	cfg := trace.NewTracerConfig(options...)
	scope := Scope{Name: name, Version: cfg.InstrumentationVersion(), SchemaURL: cfg.SchemaURL()}
	t, _ := p.tracers.LoadOrStore(scope, &tracer{provider: p, scope: scope})
	return t.(*tracer)
}

// Shutdown stops recording and exports what is queued, within ctx.
func (p *TracerProvider) Shutdown(ctx context.Context) error {
	p.stopped.Store(true)
	return p.processor.Shutdown(ctx)
}

type tracer struct {
	noop.Tracer
	provider *TracerProvider
	scope    Scope
}

// Start starts a span, a child of the span in ctx unless the options say
// it is a new root.
func (t *tracer) Start(ctx context.Context, name string, options ...trace.SpanStartOption) (context.Context, trace.Span) {
	if ctx == nil {
		ctx = context.Background()
	}
	cfg := trace.NewSpanStartConfig(options...)
	parent := trace.SpanContextFromContext(ctx)
	if cfg.NewRoot() {
		parent = trace.SpanContext{}
	}
	traceID := parent.TraceID()
	if !parent.IsValid() {
		traceID = newTraceID()
	}
	p := t.provider
	sampled := p.sampler.sampled(parent, traceID) && !p.stopped.Load()
	flags := parent.TraceFlags().WithSampled(sampled)
	sc := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: traceID, SpanID: newSpanID(), TraceFlags: flags, TraceState: parent.TraceState(),
	})
	if !sampled {
		s := nonRecordingSpan{sc: sc, provider: p}
		return trace.ContextWithSpan(ctx, s), s
	}
	start := cfg.Timestamp()
	if start.IsZero() {
		start = time.Now()
	}
	kind := cfg.SpanKind()
	if kind == trace.SpanKindUnspecified {
		kind = trace.SpanKindInternal
	}
	s := &span{tracer: t, data: SpanData{
		Resource: p.resource, Scope: t.scope, Name: name,
		SpanContext: sc, Parent: parent, Kind: kind, Start: start,
	}}
	s.setAttributes(cfg.Attributes())
	for _, l := range cfg.Links() {
		s.addLink(l)
	}
	return trace.ContextWithSpan(ctx, s), s
}

// newTraceID and newSpanID return random IDs that are valid (not zero).
func newTraceID() (id trace.TraceID) {
	for !id.IsValid() {
		binary.BigEndian.PutUint64(id[:8], rand.Uint64())
		binary.BigEndian.PutUint64(id[8:], rand.Uint64())
	}
	return id
}

func newSpanID() (id trace.SpanID) {
	for !id.IsValid() {
		binary.BigEndian.PutUint64(id[:], rand.Uint64())
	}
	return id
}

// nonRecordingSpan is a span that was not sampled: it carries its context
// to its children and records nothing.
type nonRecordingSpan struct {
	noop.Span
	sc       trace.SpanContext
	provider *TracerProvider
}

func (s nonRecordingSpan) SpanContext() trace.SpanContext       { return s.sc }
func (s nonRecordingSpan) TracerProvider() trace.TracerProvider { return s.provider }

// span is a sampled span being recorded.
type span struct {
	noop.Span
	tracer *tracer

	mu        sync.Mutex
	data      SpanData
	attrIndex map[attribute.Key]int // position of each key in data.Attributes
	ended     bool
}

func (s *span) SpanContext() trace.SpanContext       { return s.data.SpanContext }
func (s *span) TracerProvider() trace.TracerProvider { return s.tracer.provider }

func (s *span) IsRecording() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return !s.ended
}

// SetStatus sets the status, as the specification orders them: Ok is
// final, Error replaces Unset, and only Error keeps a description.
func (s *span) SetStatus(code codes.Code, description string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended || code == codes.Unset || s.data.Status.Code == codes.Ok {
		return
	}
	if code != codes.Error {
		description = ""
	}
	s.data.Status = Status{Code: code, Description: description}
}

func (s *span) SetName(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.data.Name = name
	}
}

func (s *span) SetAttributes(kv ...attribute.KeyValue) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.setAttributes(kv)
	}
}

// setAttributes sets kv, the last value of a key winning. A key beyond
// the count limit is dropped and counted, as is an invalid attribute; a
// value of an existing key still replaces the old one.
func (s *span) setAttributes(kv []attribute.KeyValue) {
	limits := s.tracer.provider.limits
	for _, a := range kv {
		if !a.Valid() {
			s.data.DroppedAttributes++
			continue
		}
		a = truncate(a, limits.AttributeValueLength)
		if i, ok := s.attrIndex[a.Key]; ok {
			s.data.Attributes[i] = a
			continue
		}
		if limits.Attributes >= 0 && len(s.data.Attributes) >= limits.Attributes {
			s.data.DroppedAttributes++
			continue
		}
		if s.attrIndex == nil {
			s.attrIndex = map[attribute.Key]int{}
		}
		s.attrIndex[a.Key] = len(s.data.Attributes)
		s.data.Attributes = append(s.data.Attributes, a)
	}
}

func (s *span) AddEvent(name string, options ...trace.EventOption) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.addEvent(name, options...)
	}
}

// addEvent adds an event; beyond the limit the oldest event is dropped.
func (s *span) addEvent(name string, options ...trace.EventOption) {
	limits := s.tracer.provider.limits
	cfg := trace.NewEventConfig(options...)
	attrs, dropped := limitAttributes(cfg.Attributes(), limits.AttributesPerEvent)
	e := Event{Name: name, Time: cfg.Timestamp(), Attributes: attrs, DroppedAttributes: dropped}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if limits.Events == 0 {
		s.data.DroppedEvents++
		return
	}
	if limits.Events > 0 && len(s.data.Events) >= limits.Events {
		s.data.Events = append(s.data.Events[:0], s.data.Events[1:]...)
		s.data.DroppedEvents++
	}
	s.data.Events = append(s.data.Events, e)
}

func (s *span) AddLink(link trace.Link) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.addLink(link)
	}
}

func (s *span) addLink(link trace.Link) {
	if !link.SpanContext.IsValid() && len(link.Attributes) == 0 {
		return
	}
	limits := s.tracer.provider.limits
	attrs, dropped := limitAttributes(link.Attributes, limits.AttributesPerLink)
	if limits.Links == 0 {
		s.data.DroppedLinks++
		return
	}
	if limits.Links > 0 && len(s.data.Links) >= limits.Links {
		s.data.Links = append(s.data.Links[:0], s.data.Links[1:]...)
		s.data.DroppedLinks++
	}
	s.data.Links = append(s.data.Links, Link{SpanContext: link.SpanContext, Attributes: attrs, DroppedAttributes: dropped})
}

// RecordError adds an "exception" event describing err, as the
// OpenTelemetry SDKs do.
func (s *span) RecordError(err error, options ...trace.EventOption) {
	if err == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return
	}
	options = append(options, trace.WithAttributes(
		attribute.String("exception.type", typeName(err)),
		attribute.String("exception.message", err.Error()),
	))
	s.addEvent("exception", options...)
}

func typeName(v any) string {
	t := reflect.TypeOf(v)
	if t.PkgPath() == "" && t.Name() == "" {
		return t.String() // a pointer or another unnamed type
	}
	return t.PkgPath() + "." + t.Name()
}

// End ends the span, once: later calls do nothing.
func (s *span) End(options ...trace.SpanEndOption) {
	end := time.Now()
	cfg := trace.NewSpanEndConfig(options...)
	if ts := cfg.Timestamp(); !ts.IsZero() {
		end = ts
	}
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	s.data.End = end
	data := s.data
	s.mu.Unlock()
	s.tracer.provider.processor.OnEnd(&data)
}

// Limits bound what a span records; a negative value is no limit.
type Limits struct {
	Attributes, AttributeValueLength int
	Events, Links                    int
	AttributesPerEvent               int
	AttributesPerLink                int
}

// DefaultLimits are the specification's defaults: 128 of each, values of
// any length.
var DefaultLimits = Limits{
	Attributes: 128, AttributeValueLength: -1, Events: 128, Links: 128,
	AttributesPerEvent: 128, AttributesPerLink: 128,
}

// limitAttributes returns the first limit attributes of kv, and how many
// were dropped, as the OpenTelemetry Go SDK limits those of an event or a
// link.
func limitAttributes(kv []attribute.KeyValue, limit int) ([]attribute.KeyValue, int) {
	if limit < 0 || len(kv) <= limit {
		return kv, 0
	}
	return kv[:limit:limit], len(kv) - limit
}

// truncate shortens a string value, or each string of a slice, to at most
// n characters (not bytes, so that it stays valid UTF-8).
func truncate(a attribute.KeyValue, n int) attribute.KeyValue {
	if n < 0 {
		return a
	}
	cut := func(s string) string {
		if len(s) <= n {
			return s
		}
		i := 0
		for chars := 0; i < len(s) && chars < n; chars++ {
			_, size := utf8.DecodeRuneInString(s[i:])
			i += size
		}
		return s[:i]
	}
	switch a.Value.Type() {
	case attribute.STRING:
		return a.Key.String(cut(a.Value.AsString()))
	case attribute.STRINGSLICE:
		ss := a.Value.AsStringSlice()
		for i := range ss {
			ss[i] = cut(ss[i])
		}
		return a.Key.StringSlice(ss)
	}
	return a
}
