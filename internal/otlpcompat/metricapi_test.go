package otlpcompat

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

func metricVersion(v string) metric.MeterOption { return metric.WithInstrumentationVersion(v) }

func metricAttrs(kv ...attribute.KeyValue) metric.MeasurementOption {
	return metric.WithAttributes(kv...)
}

func durationOptions() []metric.Float64HistogramOption {
	return []metric.Float64HistogramOption{metric.WithUnit("s"), metric.WithDescription("GenAI operation duration."),
		metric.WithExplicitBucketBoundaries(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12)}
}

func tokenOptions() []metric.Int64HistogramOption {
	return []metric.Int64HistogramOption{metric.WithUnit("{token}"),
		metric.WithExplicitBucketBoundaries(1, 4, 16, 64, 256, 1024)}
}
