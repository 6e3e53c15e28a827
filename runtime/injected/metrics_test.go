package injected

import (
	"context"
	"errors"
	"testing"

	"go.opentelemetry.io/otel"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestMetrics(t *testing.T) {
	withAppProvider(t)
	reader := sdkmetric.NewManualReader()
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetMeterProvider(prev) })

	_, c := StartInference(context.Background(), OperationChat, "openai", "gpt-4o-mini")
	c.SetResponse("id", "gpt-4o-mini-2024")
	c.SetUsage(Usage{InputTokens: 12, OutputTokens: 5})
	c.End(nil)
	_, c = StartInference(context.Background(), OperationChat, "openai", "gpt-4o-mini")
	c.EndWithErrorType(errors.New("x"), "RateLimitError")

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			got[m.Name] = m.Data
		}
	}
	dur, ok := got["gen_ai.client.operation.duration"].(metricdata.Histogram[float64])
	if !ok || len(dur.DataPoints) != 2 {
		t.Fatalf("duration: %#v", got["gen_ai.client.operation.duration"])
	}
	var sawError bool
	for _, dp := range dur.DataPoints {
		if v, ok := dp.Attributes.Value(keyErrorType); ok && v.AsString() == "RateLimitError" {
			sawError = true
		}
		if len(dp.Bounds) != len(durationBuckets) {
			t.Errorf("duration bounds %v", dp.Bounds)
		}
	}
	if !sawError {
		t.Error("no duration point with error.type")
	}
	tok, ok := got["gen_ai.client.token.usage"].(metricdata.Histogram[int64])
	if !ok || len(tok.DataPoints) != 2 {
		t.Fatalf("token usage: %#v", got["gen_ai.client.token.usage"])
	}
	sums := map[string]int64{}
	for _, dp := range tok.DataPoints {
		v, _ := dp.Attributes.Value(keyTokenType)
		sums[v.AsString()] = dp.Sum
	}
	if sums["input"] != 12 || sums["output"] != 5 {
		t.Errorf("token sums %v", sums)
	}
}

// TestMetricsLatest: with gen_ai_latest_experimental, inferences and
// embeddings get their own durations, tokens go to counters (0 when no usage
// came) and per-operation histograms, and gen_ai.client.token.usage is gone.
func TestMetricsLatest(t *testing.T) {
	withAppProvider(t)
	semconvLatest() // read the environment now, then switch for this test
	semconvOnce.latest = true
	defer func() { semconvOnce.latest = false; cachedInstruments.Store(nil) }()
	cachedInstruments.Store(nil)
	reader := sdkmetric.NewManualReader()
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader)))
	t.Cleanup(func() { otel.SetMeterProvider(prev) })

	_, c := StartInference(context.Background(), OperationChat, "openai", "gpt-4o-mini")
	c.SetUsage(Usage{InputTokens: 12, OutputTokens: 5, CacheReadInputTokens: 4})
	c.Chunk()
	c.End(nil)
	_, c = StartInference(context.Background(), OperationChat, "openai", "gpt-4o-mini")
	c.EndWithErrorType(errors.New("x"), "RateLimitError")
	_, c = StartInference(context.Background(), OperationEmbeddings, "openai", "text-embedding-3-small")
	c.SetUsage(Usage{InputTokens: 8, NoOutput: true})
	c.End(nil)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]metricdata.Aggregation{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			got[m.Name] = m.Data
		}
	}
	for _, gone := range []string{"gen_ai.client.operation.duration", "gen_ai.client.token.usage"} {
		if _, ok := got[gone]; ok {
			t.Errorf("%s recorded in latest mode", gone)
		}
	}
	if d, ok := got["gen_ai.client.inference.duration"].(metricdata.Histogram[float64]); !ok || len(d.DataPoints) != 2 {
		t.Errorf("inference duration: %#v", got["gen_ai.client.inference.duration"])
	}
	if d, ok := got["gen_ai.client.embeddings.duration"].(metricdata.Histogram[float64]); !ok || len(d.DataPoints) != 1 {
		t.Errorf("embeddings duration: %#v", got["gen_ai.client.embeddings.duration"])
	}
	in, ok := got["gen_ai.client.inference.usage.input_tokens"].(metricdata.Sum[int64])
	if !ok || len(in.DataPoints) != 1 || in.DataPoints[0].Value != 12 || !in.IsMonotonic {
		t.Errorf("input token counter: %#v", got["gen_ai.client.inference.usage.input_tokens"])
	} else if m, _ := in.DataPoints[0].Attributes.Value("gen_ai.token.modality"); m.AsString() != "unknown" {
		t.Errorf("modality %v", m.Emit())
	}
	if cr, ok := got["gen_ai.client.inference.usage.cache_read.input_tokens"].(metricdata.Sum[int64]); !ok || cr.DataPoints[0].Value != 4 {
		t.Errorf("cache read counter: %#v", got["gen_ai.client.inference.usage.cache_read.input_tokens"])
	}
	if h, ok := got["gen_ai.client.inference.operation.output_tokens"].(metricdata.Histogram[int64]); !ok || len(h.DataPoints) != 1 || h.DataPoints[0].Sum != 5 {
		t.Errorf("output tokens histogram: %#v", got["gen_ai.client.inference.operation.output_tokens"])
	}
	if h, ok := got["gen_ai.client.embeddings.operation.input_tokens"].(metricdata.Histogram[int64]); !ok || h.DataPoints[0].Sum != 8 {
		t.Errorf("embeddings tokens: %#v", got["gen_ai.client.embeddings.operation.input_tokens"])
	}
	if _, ok := got["gen_ai.client.inference.time_to_first_chunk"]; !ok {
		t.Error("no time to first chunk")
	}
}

func TestOptInLatest(t *testing.T) {
	for v, want := range map[string]bool{"": false, "gen_ai_latest_experimental": true, "http, gen_ai_latest_experimental": true, "gen_ai": false} {
		if optInLatest(v) != want {
			t.Errorf("%q: %v", v, !want)
		}
	}
}
