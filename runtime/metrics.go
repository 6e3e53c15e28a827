package runtime

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Metric names and the bucket boundaries the GenAI semantic conventions advise.
const (
	metricOperationDuration = "gen_ai.client.operation.duration"
	metricTokenUsage        = "gen_ai.client.token.usage"
	keyTokenType            = attribute.Key("gen_ai.token.type")
)

var (
	durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	tokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
)

// instruments are the histograms of one MeterProvider.
type instruments struct {
	provider metric.MeterProvider
	duration metric.Float64Histogram
	tokens   metric.Int64Histogram
}

var cachedInstruments atomic.Pointer[instruments]

// meters returns the instruments to record with: the application's global
// MeterProvider when it has set one, otherwise the runtime's own.
func meters() *instruments {
	global := otel.GetMeterProvider()
	if c := cachedInstruments.Load(); c != nil && c.provider == global {
		return c
	}
	provider := global
	if isDefaultGlobal(global) {
		provider = ownMeterProvider()
	}
	m := provider.Meter(instrumentationName, metric.WithInstrumentationVersion(Version))
	inst := &instruments{provider: global}
	var err error
	inst.duration, err = m.Float64Histogram(metricOperationDuration,
		metric.WithDescription("GenAI operation duration."), metric.WithUnit("s"),
		metric.WithExplicitBucketBoundaries(durationBuckets...))
	if err != nil {
		warnf("creating %s: %v", metricOperationDuration, err)
	}
	inst.tokens, err = m.Int64Histogram(metricTokenUsage,
		metric.WithDescription("Number of input and output tokens used."), metric.WithUnit("{token}"),
		metric.WithExplicitBucketBoundaries(tokenBuckets...))
	if err != nil {
		warnf("creating %s: %v", metricTokenUsage, err)
	}
	cachedInstruments.Store(inst)
	return inst
}

var ownMeter struct {
	once     sync.Once
	provider metric.MeterProvider
	shutdown atomic.Pointer[func(context.Context) error]
}

func ownMeterProvider() metric.MeterProvider {
	ownMeter.once.Do(func() {
		mp, shutdown, err := meterProviderFromEnv(os.Getenv, os.Stderr)
		if err != nil {
			warnf("metrics disabled: %v", err)
			mp, shutdown = metricnoop.NewMeterProvider(), nil
		}
		ownMeter.provider = mp
		if shutdown != nil {
			ownMeter.shutdown.Store(&shutdown)
		}
	})
	return ownMeter.provider
}

// meterProviderFromEnv builds a MeterProvider from OTEL_METRICS_EXPORTER,
// chosen as for traces (see exporterFromEnv).
func meterProviderFromEnv(getenv func(string) string, console io.Writer) (metric.MeterProvider, func(context.Context) error, error) {
	name, err := exporterFromEnv(getenv, "OTEL_METRICS_EXPORTER", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
	if err != nil {
		return nil, nil, err
	}
	var exporter sdkmetric.Exporter
	switch name {
	case "none":
		return metricnoop.NewMeterProvider(), nil, nil
	case "console":
		exporter = &consoleMetricExporter{w: console}
	case "otlp":
		protocol, err := otlpProtocol(getenv, "METRICS")
		if err != nil {
			return nil, nil, err
		}
		if protocol == "grpc" {
			exporter, err = otlpmetricgrpc.New(context.Background())
		} else {
			exporter, err = otlpmetrichttp.New(context.Background())
		}
		if err != nil {
			return nil, nil, fmt.Errorf("OTEL_METRICS_EXPORTER=otlp (%s): %w", protocol, err)
		}
	}
	// The reader's interval and timeout come from OTEL_METRIC_EXPORT_*.
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(sdkmetric.NewPeriodicReader(exporter)),
		sdkmetric.WithResource(resourceFromEnv()),
	)
	return mp, mp.Shutdown, nil
}

// record adds the call's data points: its duration and, when usage is
// known, one token count per token type.
func (c *Call) record(d time.Duration, errorType string) {
	inst := meters()
	attrs := []attribute.KeyValue{keyOperationName.String(c.operation), keyProviderName.String(c.provider)}
	if c.model != "" {
		attrs = append(attrs, keyRequestModel.String(c.model))
	}
	if c.responseModel != "" {
		attrs = append(attrs, keyResponseModel.String(c.responseModel))
	}
	if c.serverAddress != "" {
		attrs = append(attrs, keyServerAddress.String(c.serverAddress))
	}
	if c.serverPort > 0 {
		attrs = append(attrs, keyServerPort.Int(c.serverPort))
	}
	ctx := context.Background()
	if inst.tokens != nil && c.usage != nil {
		in := append(attrs[:len(attrs):len(attrs)], keyTokenType.String("input"))
		out := append(attrs[:len(attrs):len(attrs)], keyTokenType.String("output"))
		inst.tokens.Record(ctx, c.usage.InputTokens, metric.WithAttributes(in...))
		if !c.usage.NoOutput {
			inst.tokens.Record(ctx, c.usage.OutputTokens, metric.WithAttributes(out...))
		}
	}
	if errorType != "" {
		attrs = append(attrs, keyErrorType.String(errorType))
	}
	if inst.duration != nil {
		inst.duration.Record(ctx, d.Seconds(), metric.WithAttributes(attrs...))
	}
}

// consoleMetricExporter prints one line per histogram data point.
type consoleMetricExporter struct {
	mu sync.Mutex
	w  io.Writer
}

func (e *consoleMetricExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}

func (e *consoleMetricExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (e *consoleMetricExporter) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	var b strings.Builder
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch data := m.Data.(type) {
			case metricdata.Histogram[float64]:
				for _, dp := range data.DataPoints {
					fmt.Fprintf(&b, "metric %s %s count=%d sum=%.3f%s\n", m.Name, attrString(dp.Attributes), dp.Count, dp.Sum, m.Unit)
				}
			case metricdata.Histogram[int64]:
				for _, dp := range data.DataPoints {
					fmt.Fprintf(&b, "metric %s %s count=%d sum=%d\n", m.Name, attrString(dp.Attributes), dp.Count, dp.Sum)
				}
			}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err := io.WriteString(e.w, b.String())
	return err
}

func attrString(set attribute.Set) string {
	var parts []string
	for _, kv := range set.ToSlice() {
		parts = append(parts, string(kv.Key)+"="+kv.Value.Emit())
	}
	return "{" + strings.Join(parts, " ") + "}"
}

func (e *consoleMetricExporter) ForceFlush(context.Context) error { return nil }
func (e *consoleMetricExporter) Shutdown(context.Context) error   { return nil }
