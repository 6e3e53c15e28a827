package otlp

import (
	"context"

	"github.com/llminstr/llminstr/runtime/pipeline"
)

// MetricExporter sends metrics to an OTLP endpoint. It implements
// [pipeline.MetricExporter], with the temporality and histogram
// aggregation the configuration asks for.
type MetricExporter struct {
	client *client
	cfg    Config
}

// NewMetricExporter returns an exporter that sends metrics as cfg says.
func NewMetricExporter(cfg Config) (*MetricExporter, error) {
	c, err := newClient(cfg, Metrics)
	if err != nil {
		return nil, err
	}
	return &MetricExporter{client: c, cfg: cfg}, nil
}

// Temporality returns the temporality of counters and histograms under the
// configured preference (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE):
// delta and lowmemory make them delta.
func (e *MetricExporter) Temporality() pipeline.Temporality {
	switch e.cfg.Temporality {
	case "delta", "lowmemory":
		return pipeline.Delta
	}
	return pipeline.Cumulative
}

// ExponentialHistograms reports whether the configuration asks for
// base-2 exponential histograms
// (OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION).
func (e *MetricExporter) ExponentialHistograms() bool { return e.cfg.ExponentialHistograms }

// Export sends m in one request, retrying as [SpanExporter.ExportSpans]
// does.
func (e *MetricExporter) Export(ctx context.Context, m *pipeline.Metrics) error {
	return e.client.export(ctx, encodeMetrics(m))
}

// Shutdown stops the exporter: later exports fail at once.
func (e *MetricExporter) Shutdown(ctx context.Context) error {
	return e.client.shutdown(ctx)
}

// encodeMetrics returns the protobuf encoding of a
// collector.metrics.v1.ExportMetricsServiceRequest holding m.
func encodeMetrics(m *pipeline.Metrics) []byte {
	e := &encoder{}
	// ResourceMetrics{resource = 1, scope_metrics = 2, schema_url = 3}
	e.message(1, func() {
		e.resource(1, m.Resource)
		for _, sm := range m.Scopes {
			// ScopeMetrics{scope = 1, metrics = 2, schema_url = 3}
			e.message(2, func() {
				e.scope(1, sm.Scope)
				for _, m := range sm.Metrics {
					e.message(2, func() { e.metric(m) })
				}
				e.string(3, sm.Scope.SchemaURL)
			})
		}
		if m.Resource != nil {
			e.string(3, m.Resource.SchemaURL)
		}
	})
	return e.buf
}

// metric writes the fields of metrics.v1.Metric{name = 1, description = 2,
// unit = 3, sum = 7 | histogram = 9 | exponential_histogram = 10}.
func (e *encoder) metric(m pipeline.Metric) {
	e.string(1, m.Name)
	e.string(2, m.Description)
	e.string(3, m.Unit)
	switch {
	case m.Sum != nil:
		e.message(7, func() { e.sum(m) })
	case m.Histogram != nil:
		e.message(9, func() { e.histogram(m) })
	case m.ExponentialHistogram != nil:
		e.message(10, func() { e.exponentialHistogram(m) })
	}
}

// sum writes Sum{data_points = 1, aggregation_temporality = 2,
// is_monotonic = 3} with NumberDataPoint{start_time_unix_nano = 2,
// time_unix_nano = 3, as_double = 4 | as_int = 6, attributes = 7}.
func (e *encoder) sum(m pipeline.Metric) {
	for _, p := range m.Sum {
		e.message(1, func() {
			e.fixed64(2, unixNano(p.Start))
			e.fixed64(3, unixNano(p.Time))
			if m.Integer {
				e.fixed64Always(6, uint64(p.Int))
			} else {
				e.doubleAlways(4, p.Float)
			}
			e.attributeSet(7, &p.Attributes)
		})
	}
	e.uvarint(2, uint64(m.Temporality))
	e.bool(3, true)
}

// histogram writes Histogram{data_points = 1, aggregation_temporality = 2}
// with HistogramDataPoint{start_time_unix_nano = 2, time_unix_nano = 3,
// count = 4, sum = 5, bucket_counts = 6, explicit_bounds = 7, attributes =
// 9, min = 11, max = 12}.
func (e *encoder) histogram(m pipeline.Metric) {
	for _, p := range m.Histogram {
		e.message(1, func() {
			e.fixed64(2, unixNano(p.Start))
			e.fixed64(3, unixNano(p.Time))
			e.fixed64(4, p.Count)
			e.doubleAlways(5, p.Sum)
			e.packedFixed64(6, p.BucketCounts)
			e.packedDouble(7, p.Bounds)
			e.attributeSet(9, &p.Attributes)
			e.doubleAlways(11, p.Min)
			e.doubleAlways(12, p.Max)
		})
	}
	e.uvarint(2, uint64(m.Temporality))
}

// exponentialHistogram writes ExponentialHistogram{data_points = 1,
// aggregation_temporality = 2} with ExponentialHistogramDataPoint{
// attributes = 1, start_time_unix_nano = 2, time_unix_nano = 3, count = 4,
// sum = 5, scale = 6, zero_count = 7, positive = 8, negative = 9, min =
// 12, max = 13}.
func (e *encoder) exponentialHistogram(m pipeline.Metric) {
	for _, p := range m.ExponentialHistogram {
		e.message(1, func() {
			e.attributeSet(1, &p.Attributes)
			e.fixed64(2, unixNano(p.Start))
			e.fixed64(3, unixNano(p.Time))
			e.fixed64(4, p.Count)
			e.doubleAlways(5, p.Sum)
			e.svarint(6, int64(p.Scale))
			e.fixed64(7, p.ZeroCount)
			// Buckets{offset = 1, bucket_counts = 2}
			e.message(8, func() {
				e.svarint(1, int64(p.Offset))
				e.packedUvarint(2, p.Counts)
			})
			e.message(9, func() {})
			e.doubleAlways(12, p.Min)
			e.doubleAlways(13, p.Max)
		})
	}
	e.uvarint(2, uint64(m.Temporality))
}
