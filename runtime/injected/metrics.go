package injected

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/llminstr/llminstr/runtime/otlp"
	"github.com/llminstr/llminstr/runtime/pipeline"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
)

var (
	durationBuckets = []float64{0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92}
	tokenBuckets    = []float64{1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864}
)

// instruments are the instruments of one MeterProvider, in the default
// (v1.41) or the latest experimental set of GenAI metrics.
type instruments struct {
	provider metric.MeterProvider
	latest   bool

	// v1.41
	duration metric.Float64Histogram // gen_ai.client.operation.duration
	tokens   metric.Int64Histogram   // gen_ai.client.token.usage
	ttfc     metric.Float64Histogram // gen_ai.client.operation.time_to_first_chunk

	// latest experimental
	inferenceDuration  metric.Float64Histogram
	embeddingsDuration metric.Float64Histogram
	inferenceTTFC      metric.Float64Histogram
	usageCounters      map[attribute.Key]metric.Int64Counter // by span attribute of the usage kind
	opInputTokens      metric.Int64Histogram
	opOutputTokens     metric.Int64Histogram
	embeddingsTokens   metric.Int64Histogram

	// MCP, in both sets
	mcpClientDuration metric.Float64Histogram // mcp.client.operation.duration
	mcpServerDuration metric.Float64Histogram // mcp.server.operation.duration
}

var cachedInstruments atomic.Pointer[instruments]

// meters returns the instruments to record with: the application's global
// MeterProvider when it has set one, otherwise the runtime's own.
func meters() *instruments {
	global := globalMeterProvider()
	if c := cachedInstruments.Load(); c != nil && c.provider == global {
		return c
	}
	provider := global
	if isDefaultGlobal(global) {
		provider = ownMeterProvider()
	}
	m := provider.Meter(instrumentationName, metric.WithInstrumentationVersion(Version))
	inst := &instruments{provider: global, latest: semconvLatest()}
	seconds := func(name, desc string) metric.Float64Histogram {
		h, err := m.Float64Histogram(name, metric.WithDescription(desc), metric.WithUnit("s"),
			metric.WithExplicitBucketBoundaries(durationBuckets...))
		if err != nil {
			warnf("creating %s: %v", name, err)
		}
		return h
	}
	tokens := func(name, desc string) metric.Int64Histogram {
		h, err := m.Int64Histogram(name, metric.WithDescription(desc), metric.WithUnit("{token}"),
			metric.WithExplicitBucketBoundaries(tokenBuckets...))
		if err != nil {
			warnf("creating %s: %v", name, err)
		}
		return h
	}
	if !inst.latest {
		inst.duration = seconds(metricOperationDuration, "GenAI operation duration.")
		inst.tokens = tokens(metricTokenUsage, "Number of input and output tokens used.")
		inst.ttfc = seconds(metricOperationTTFC, "Time to the first chunk of a streamed response.")
	} else {
		inst.inferenceDuration = seconds(metricInferenceDuration, "Duration of a GenAI inference.")
		inst.embeddingsDuration = seconds(metricEmbeddingsDuration, "Duration of a GenAI embeddings operation.")
		inst.inferenceTTFC = seconds(metricInferenceTTFC, "Time to the first chunk of a streamed response.")
		inst.opInputTokens = tokens(metricInferenceOpInput, "Input tokens of one inference.")
		inst.opOutputTokens = tokens(metricInferenceOpOutput, "Output tokens of one inference.")
		inst.embeddingsTokens = tokens(metricEmbeddingsOpInput, "Input tokens of one embeddings operation.")
		inst.usageCounters = map[attribute.Key]metric.Int64Counter{}
		for key, name := range usageCounterNames {
			c, err := m.Int64Counter(name, metric.WithDescription("Tokens used by GenAI inferences."), metric.WithUnit("{token}"))
			if err != nil {
				warnf("creating %s: %v", name, err)
				continue
			}
			inst.usageCounters[key] = c
		}
	}
	for _, h := range []struct {
		to         *metric.Float64Histogram
		name, desc string
	}{
		{&inst.mcpClientDuration, "mcp.client.operation.duration", "Duration of an MCP request, as the client sees it."},
		{&inst.mcpServerDuration, "mcp.server.operation.duration", "Duration of an MCP request, as the server handles it."},
	} {
		var err error
		*h.to, err = m.Float64Histogram(h.name, metric.WithDescription(h.desc), metric.WithUnit("s"),
			metric.WithExplicitBucketBoundaries(mcpDurationBuckets...))
		if err != nil {
			warnf("creating %s: %v", h.name, err)
		}
	}
	cachedInstruments.Store(inst)
	return inst
}

// mcpDurationBuckets are the MCP conventions' boundaries for durations.
var mcpDurationBuckets = []float64{0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300}

var ownMeter struct {
	once     sync.Once
	provider metric.MeterProvider
	shutdown atomic.Pointer[func(context.Context) error]
}

func ownMeterProvider() metric.MeterProvider {
	ownMeter.once.Do(func() {
		ownMeter.provider = metricnoop.NewMeterProvider()
		defer recoverAndWarn()
		mp, shutdown, err := meterProviderFromEnv(os.Getenv, os.Stderr)
		if err != nil {
			warnf("metrics disabled: %v", err)
			return
		}
		ownMeter.provider = mp
		if shutdown != nil {
			ownMeter.shutdown.Store(&shutdown)
		}
	})
	return ownMeter.provider
}

// meterProviderFromEnv builds a MeterProvider from OTEL_METRICS_EXPORTER,
// chosen as for traces (see exportersFromEnv), collecting for each exporter
// every OTEL_METRIC_EXPORT_INTERVAL.
func meterProviderFromEnv(getenv func(string) string, console io.Writer) (metric.MeterProvider, func(context.Context) error, error) {
	names, err := exportersFromEnv(getenv, "OTEL_METRICS_EXPORTER", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT")
	var exporters []pipeline.MetricExporter
	for _, name := range names {
		switch name {
		case "console":
			exporters = append(exporters, &consoleMetricExporter{w: console})
		case "otlp":
			cfg, cerr := otlpConfig(getenv, otlp.Metrics, "OTEL_METRICS_EXPORTER")
			if cerr != nil {
				err = errors.Join(err, cerr)
				continue
			}
			exporter, xerr := otlp.NewMetricExporter(cfg)
			if xerr != nil {
				err = errors.Join(err, fmt.Errorf("OTEL_METRICS_EXPORTER=otlp: %w", xerr))
				continue
			}
			exporters = append(exporters, exporter)
		}
	}
	if file := fileFromEnv(getenv); file != nil {
		exporters = append(exporters, file.MetricExporter())
	}
	if len(exporters) == 0 {
		return metricnoop.NewMeterProvider(), nil, err
	}
	if err != nil {
		warnf("%v", err)
	}
	cfg, warnings := readerConfig(getenv)
	for _, w := range warnings {
		warnf("%s", w)
	}
	cfg.OnError = func(err error) { warnf("exporting metrics: %v", err) }
	mp := pipeline.NewMeterProvider(resourceFromEnv(getenv), cfg, exporters...)
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
	with := func(kv ...attribute.KeyValue) metric.MeasurementOption {
		return metric.WithAttributes(append(attrs[:len(attrs):len(attrs)], kv...)...)
	}
	failed := []attribute.KeyValue(nil)
	if errorType != "" {
		failed = append(failed, keyErrorType.String(errorType))
	}
	ctx := context.Background()
	if inst.latest {
		c.recordLatest(ctx, inst, d, with, failed)
		return
	}
	if inst.tokens != nil && c.usage != nil {
		inst.tokens.Record(ctx, c.usage.InputTokens, with(keyTokenType.String("input")))
		if !c.usage.NoOutput {
			inst.tokens.Record(ctx, c.usage.OutputTokens, with(keyTokenType.String("output")))
		}
	}
	if inst.ttfc != nil && !c.firstChunk.IsZero() {
		inst.ttfc.Record(ctx, c.firstChunk.Sub(c.start).Seconds(), with())
	}
	if inst.duration != nil {
		inst.duration.Record(ctx, d.Seconds(), with(failed...))
	}
}

// recordLatest records the latest experimental GenAI metrics: durations by
// operation kind, token counters by kind with gen_ai.token.modality
// (unknown: the SDKs do not say), per-operation token histograms.
func (c *Call) recordLatest(ctx context.Context, inst *instruments, d time.Duration, with func(...attribute.KeyValue) metric.MeasurementOption, failed []attribute.KeyValue) {
	if c.operation == OperationEmbeddings {
		if inst.embeddingsDuration != nil {
			inst.embeddingsDuration.Record(ctx, d.Seconds(), with(failed...))
		}
		if inst.embeddingsTokens != nil && c.usage != nil {
			inst.embeddingsTokens.Record(ctx, c.usage.InputTokens, with(failed...))
		}
		return
	}
	if inst.inferenceDuration != nil {
		inst.inferenceDuration.Record(ctx, d.Seconds(), with(failed...))
	}
	if inst.inferenceTTFC != nil && !c.firstChunk.IsZero() {
		inst.inferenceTTFC.Record(ctx, c.firstChunk.Sub(c.start).Seconds(), with())
	}
	// Counters are recorded for every inference, 0 when no usage came.
	u := Usage{}
	if c.usage != nil {
		u = *c.usage
	}
	modality := keyTokenModality.String("unknown")
	for key, n := range map[attribute.Key]int64{
		keyUsageInputTokens: u.InputTokens, keyUsageOutputTokens: u.OutputTokens,
		keyUsageCacheRead: u.CacheReadInputTokens, keyUsageReasoning: u.ReasoningOutputTokens,
		keyUsageCacheWrite: u.CacheCreationInputTokens,
	} {
		if counter := inst.usageCounters[key]; counter != nil && (n > 0 || key == keyUsageInputTokens || key == keyUsageOutputTokens) {
			counter.Add(ctx, n, with(modality))
		}
	}
	if c.usage != nil {
		if inst.opInputTokens != nil {
			inst.opInputTokens.Record(ctx, u.InputTokens, with(failed...))
		}
		if inst.opOutputTokens != nil && !u.NoOutput {
			inst.opOutputTokens.Record(ctx, u.OutputTokens, with(failed...))
		}
	}
}

// consoleMetricExporter prints one line per histogram data point.
type consoleMetricExporter struct {
	mu sync.Mutex
	w  io.Writer
}

func (e *consoleMetricExporter) Temporality() pipeline.Temporality {
	return pipeline.Cumulative
}

func (e *consoleMetricExporter) ExponentialHistograms() bool { return false }

func (e *consoleMetricExporter) Export(_ context.Context, m *pipeline.Metrics) error {
	var b strings.Builder
	for _, sm := range m.Scopes {
		for _, m := range sm.Metrics {
			for _, p := range m.Histogram {
				if m.Integer {
					fmt.Fprintf(&b, "metric %s %s count=%d sum=%d\n", m.Name, attrString(p.Attributes), p.Count, int64(p.Sum))
				} else {
					fmt.Fprintf(&b, "metric %s %s count=%d sum=%.3f%s\n", m.Name, attrString(p.Attributes), p.Count, p.Sum, m.Unit)
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

func (e *consoleMetricExporter) Shutdown(context.Context) error { return nil }
