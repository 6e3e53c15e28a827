package otlp

import (
	"context"
	"fmt"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// MetricExporter sends metrics to an OTLP endpoint. It implements
// [sdkmetric.Exporter], with the temporality and histogram aggregation
// the configuration asks for.
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

// Temporality returns the temporality of kind under the configured
// preference (OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE).
func (e *MetricExporter) Temporality(kind sdkmetric.InstrumentKind) metricdata.Temporality {
	switch e.cfg.Temporality {
	case "delta":
		switch kind {
		case sdkmetric.InstrumentKindCounter, sdkmetric.InstrumentKindHistogram, sdkmetric.InstrumentKindObservableCounter:
			return metricdata.DeltaTemporality
		}
	case "lowmemory":
		switch kind {
		case sdkmetric.InstrumentKindCounter, sdkmetric.InstrumentKindHistogram:
			return metricdata.DeltaTemporality
		}
	}
	return metricdata.CumulativeTemporality
}

// Aggregation returns the default aggregation of kind, with histograms
// exponential when the configuration asks for them
// (OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION). Instruments
// that declare their own bucket boundaries keep them either way.
func (e *MetricExporter) Aggregation(kind sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	if kind == sdkmetric.InstrumentKindHistogram && e.cfg.ExponentialHistograms {
		return sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}
	}
	return sdkmetric.DefaultAggregationSelector(kind)
}

// Export sends rm in one request, retrying as [SpanExporter.ExportSpans]
// does.
func (e *MetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	body, err := encodeMetrics(rm)
	if err != nil {
		return err
	}
	return e.client.export(ctx, body)
}

// ForceFlush does nothing: the exporter holds no data.
func (e *MetricExporter) ForceFlush(context.Context) error { return nil }

// Shutdown stops the exporter: later exports fail at once.
func (e *MetricExporter) Shutdown(ctx context.Context) error {
	return e.client.shutdown(ctx)
}

// encodeMetrics returns the protobuf encoding of a
// collector.metrics.v1.ExportMetricsServiceRequest holding rm. A metric of
// a kind OTLP cannot carry is left out and reported in the error; the
// others are still encoded.
func encodeMetrics(rm *metricdata.ResourceMetrics) ([]byte, error) {
	var unknown []string
	e := &encoder{}
	// ResourceMetrics{resource = 1, scope_metrics = 2, schema_url = 3}
	e.message(1, func() {
		e.resource(1, rm.Resource)
		for _, sm := range rm.ScopeMetrics {
			// ScopeMetrics{scope = 1, metrics = 2, schema_url = 3}
			e.message(2, func() {
				e.scope(1, sm.Scope)
				for _, m := range sm.Metrics {
					if !knownAggregation(m.Data) {
						unknown = append(unknown, fmt.Sprintf("%s (%T)", m.Name, m.Data))
						continue
					}
					e.message(2, func() { e.metric(m) })
				}
				e.string(3, sm.Scope.SchemaURL)
			})
		}
		if rm.Resource != nil {
			e.string(3, rm.Resource.SchemaURL())
		}
	})
	if unknown != nil {
		return e.buf, fmt.Errorf("OTLP cannot carry metrics %v", unknown)
	}
	return e.buf, nil
}

func knownAggregation(data metricdata.Aggregation) bool {
	switch data.(type) {
	case metricdata.Gauge[int64], metricdata.Gauge[float64],
		metricdata.Sum[int64], metricdata.Sum[float64],
		metricdata.Histogram[int64], metricdata.Histogram[float64],
		metricdata.ExponentialHistogram[int64], metricdata.ExponentialHistogram[float64]:
		return true
	}
	return false
}

// metric writes the fields of metrics.v1.Metric{name = 1, description = 2,
// unit = 3, gauge = 5 | sum = 7 | histogram = 9 | exponential_histogram = 10}.
func (e *encoder) metric(m metricdata.Metrics) {
	e.string(1, m.Name)
	e.string(2, m.Description)
	e.string(3, m.Unit)
	switch data := m.Data.(type) {
	case metricdata.Gauge[int64]:
		e.message(5, func() { numberPoints(e, data.DataPoints) })
	case metricdata.Gauge[float64]:
		e.message(5, func() { numberPoints(e, data.DataPoints) })
	case metricdata.Sum[int64]:
		e.message(7, func() { sum(e, data) })
	case metricdata.Sum[float64]:
		e.message(7, func() { sum(e, data) })
	case metricdata.Histogram[int64]:
		e.message(9, func() { histogram(e, data) })
	case metricdata.Histogram[float64]:
		e.message(9, func() { histogram(e, data) })
	case metricdata.ExponentialHistogram[int64]:
		e.message(10, func() { exponentialHistogram(e, data) })
	case metricdata.ExponentialHistogram[float64]:
		e.message(10, func() { exponentialHistogram(e, data) })
	}
}

// temporality is the OTLP AggregationTemporality of t.
func temporality(t metricdata.Temporality) uint64 {
	switch t {
	case metricdata.DeltaTemporality:
		return 1
	case metricdata.CumulativeTemporality:
		return 2
	}
	return 0
}

// sum writes Sum{data_points = 1, aggregation_temporality = 2, is_monotonic = 3}.
func sum[N int64 | float64](e *encoder, s metricdata.Sum[N]) {
	numberPoints(e, s.DataPoints)
	e.uvarint(2, temporality(s.Temporality))
	e.bool(3, s.IsMonotonic)
}

// numberPoints writes NumberDataPoint{start_time_unix_nano = 2,
// time_unix_nano = 3, as_double = 4 | as_int = 6, exemplars = 5,
// attributes = 7} as field 1 of a Gauge or a Sum.
func numberPoints[N int64 | float64](e *encoder, points []metricdata.DataPoint[N]) {
	for _, p := range points {
		e.message(1, func() {
			e.fixed64(2, unixNano(p.StartTime))
			e.fixed64(3, unixNano(p.Time))
			e.number(4, 6, p.Value)
			exemplars(e, 5, p.Exemplars)
			e.attributeSet(7, &p.Attributes)
		})
	}
}

// number writes v, which has presence, as a double or an sfixed64 field.
func (e *encoder) number(doubleField, intField int, v any) {
	switch v := v.(type) {
	case int64:
		e.fixed64Always(intField, uint64(v))
	case float64:
		e.doubleAlways(doubleField, v)
	}
}

// exemplars writes Exemplar{time_unix_nano = 2, as_double = 3 | as_int = 6,
// span_id = 4, trace_id = 5, filtered_attributes = 7}.
func exemplars[N int64 | float64](e *encoder, field int, exemplars []metricdata.Exemplar[N]) {
	for _, x := range exemplars {
		e.message(field, func() {
			e.fixed64(2, unixNano(x.Time))
			e.number(3, 6, x.Value)
			e.bytes(4, x.SpanID)
			e.bytes(5, x.TraceID)
			e.keyValues(7, x.FilteredAttributes)
		})
	}
}

// histogram writes Histogram{data_points = 1, aggregation_temporality = 2}
// with HistogramDataPoint{start_time_unix_nano = 2, time_unix_nano = 3,
// count = 4, sum = 5, bucket_counts = 6, explicit_bounds = 7, exemplars =
// 8, attributes = 9, min = 11, max = 12}.
func histogram[N int64 | float64](e *encoder, h metricdata.Histogram[N]) {
	for _, p := range h.DataPoints {
		e.message(1, func() {
			e.fixed64(2, unixNano(p.StartTime))
			e.fixed64(3, unixNano(p.Time))
			e.fixed64(4, p.Count)
			e.doubleAlways(5, float64(p.Sum))
			e.packedFixed64(6, p.BucketCounts)
			e.packedDouble(7, p.Bounds)
			exemplars(e, 8, p.Exemplars)
			e.attributeSet(9, &p.Attributes)
			if v, ok := p.Min.Value(); ok {
				e.doubleAlways(11, float64(v))
			}
			if v, ok := p.Max.Value(); ok {
				e.doubleAlways(12, float64(v))
			}
		})
	}
	e.uvarint(2, temporality(h.Temporality))
}

// exponentialHistogram writes ExponentialHistogram{data_points = 1,
// aggregation_temporality = 2} with ExponentialHistogramDataPoint{
// attributes = 1, start_time_unix_nano = 2, time_unix_nano = 3, count = 4,
// sum = 5, scale = 6, zero_count = 7, positive = 8, negative = 9,
// exemplars = 11, min = 12, max = 13}.
func exponentialHistogram[N int64 | float64](e *encoder, h metricdata.ExponentialHistogram[N]) {
	for _, p := range h.DataPoints {
		e.message(1, func() {
			e.attributeSet(1, &p.Attributes)
			e.fixed64(2, unixNano(p.StartTime))
			e.fixed64(3, unixNano(p.Time))
			e.fixed64(4, p.Count)
			e.doubleAlways(5, float64(p.Sum))
			e.svarint(6, int64(p.Scale))
			e.fixed64(7, p.ZeroCount)
			// Buckets{offset = 1, bucket_counts = 2}
			e.message(8, func() {
				e.svarint(1, int64(p.PositiveBucket.Offset))
				e.packedUvarint(2, p.PositiveBucket.Counts)
			})
			e.message(9, func() {
				e.svarint(1, int64(p.NegativeBucket.Offset))
				e.packedUvarint(2, p.NegativeBucket.Counts)
			})
			exemplars(e, 11, p.Exemplars)
			if v, ok := p.Min.Value(); ok {
				e.doubleAlways(12, float64(v))
			}
			if v, ok := p.Max.Value(); ok {
				e.doubleAlways(13, float64(v))
			}
		})
	}
	e.uvarint(2, temporality(h.Temporality))
}
