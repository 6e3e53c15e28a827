package pipeline

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// Resource describes the entity that produces telemetry.
type Resource struct {
	Attributes attribute.Set
	SchemaURL  string
}

// Scope is the instrumentation scope of a tracer or a meter.
type Scope struct {
	Name, Version, SchemaURL string
}

// SpanData is an ended span as exporters receive it.
type SpanData struct {
	Resource    *Resource
	Scope       Scope
	Name        string
	SpanContext trace.SpanContext
	Parent      trace.SpanContext
	Kind        trace.SpanKind
	Start, End  time.Time

	Attributes        []attribute.KeyValue
	DroppedAttributes int
	Events            []Event
	DroppedEvents     int
	Links             []Link
	DroppedLinks      int
	Status            Status
}

// Event is a span event.
type Event struct {
	Name              string
	Time              time.Time
	Attributes        []attribute.KeyValue
	DroppedAttributes int
}

// Link is a span's link to another span.
type Link struct {
	SpanContext       trace.SpanContext
	Attributes        []attribute.KeyValue
	DroppedAttributes int
}

// Status is a span's status.
type Status struct {
	Code        codes.Code
	Description string
}

// Temporality says what a metric point's value covers. The values are
// OTLP's AggregationTemporality.
type Temporality int

const (
	// Delta points cover the time since the previous collection.
	Delta Temporality = 1
	// Cumulative points cover the time since the instrument was created.
	Cumulative Temporality = 2
)

// Metrics is one collection of a meter provider's metrics.
type Metrics struct {
	Resource *Resource
	Scopes   []ScopeMetrics
}

// ScopeMetrics are the metrics of one meter.
type ScopeMetrics struct {
	Scope   Scope
	Metrics []Metric
}

// Metric is one instrument's points. Exactly one of Sum, Histogram and
// ExponentialHistogram is set.
type Metric struct {
	Name, Description, Unit string
	Temporality             Temporality
	Integer                 bool // the instrument measures integers

	Sum                  []SumPoint // a monotonic sum
	Histogram            []HistogramPoint
	ExponentialHistogram []ExponentialPoint
}

// SumPoint is a point of a monotonic sum: Int for an integer metric,
// else Float.
type SumPoint struct {
	Attributes  attribute.Set
	Start, Time time.Time
	Int         int64
	Float       float64
}

// HistogramPoint is a point of an explicit-bucket histogram. BucketCounts
// has one more element than Bounds.
type HistogramPoint struct {
	Attributes    attribute.Set
	Start, Time   time.Time
	Count         uint64
	Sum, Min, Max float64
	Bounds        []float64
	BucketCounts  []uint64
}

// ExponentialPoint is a point of a base-2 exponential histogram of
// non-negative values: Counts[i] counts the values in bucket Offset+i at
// Scale.
type ExponentialPoint struct {
	Attributes    attribute.Set
	Start, Time   time.Time
	Count         uint64
	Sum, Min, Max float64
	Scale         int32
	ZeroCount     uint64
	Offset        int32
	Counts        []uint64
}
