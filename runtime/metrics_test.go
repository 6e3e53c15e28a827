package runtime

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
