package pipeline_test

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/llminstr/llminstr/runtime/pipeline"
)

// metricRecorder is a metric exporter that keeps what it is given.
type metricRecorder struct {
	temporality pipeline.Temporality
	mu          sync.Mutex
	exports     []*pipeline.Metrics
	shutdown    bool
}

func (r *metricRecorder) Temporality() pipeline.Temporality {
	return r.temporality
}
func (r *metricRecorder) ExponentialHistograms() bool { return false }
func (r *metricRecorder) Export(_ context.Context, m *pipeline.Metrics) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.exports = append(r.exports, m)
	return nil
}
func (r *metricRecorder) Shutdown(context.Context) error { r.shutdown = true; return nil }

func (r *metricRecorder) taken() []*pipeline.Metrics {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*pipeline.Metrics(nil), r.exports...)
}

// TestDeltaStartsOver: a delta exporter gets, at each collection, the
// points measured since the one before, starting when it ended; a
// cumulative one, everything since the start. Collections with nothing
// new export nothing.
func TestDeltaStartsOver(t *testing.T) {
	delta := &metricRecorder{temporality: pipeline.Delta}
	cumulative := &metricRecorder{temporality: pipeline.Cumulative}
	mp := pipeline.NewMeterProvider(&pipeline.Resource{}, pipeline.ReaderConfig{Interval: 50 * time.Millisecond}, delta, cumulative)
	counter, _ := mp.Meter("m").Int64Counter("calls")
	counter.Add(context.Background(), 2)
	waitFor(t, func() bool { return len(delta.taken()) >= 1 })
	counter.Add(context.Background(), 3)
	waitFor(t, func() bool { return len(delta.taken()) >= 2 })
	mp.Shutdown(context.Background())

	d := delta.taken()
	first, second := d[0].Scopes[0].Metrics[0].Sum[0], d[1].Scopes[0].Metrics[0].Sum[0]
	if first.Int != 2 || second.Int != 3 || second.Start.Before(first.Time) {
		t.Errorf("delta points: %+v then %+v; want 2 then 3, the second starting when the first ended", first, second)
	}
	c := cumulative.taken()
	last := c[len(c)-1].Scopes[0].Metrics[0].Sum[0]
	if last.Int != 5 || !last.Start.Equal(c[0].Scopes[0].Metrics[0].Sum[0].Start) {
		t.Errorf("cumulative: last point %+v; want 5 since the first point's start", last)
	}
	if len(d) != 2 {
		t.Errorf("delta exporter got %d exports, want 2 (none without new points)", len(d))
	}
	if !delta.shutdown || !cumulative.shutdown {
		t.Error("exporters not shut down")
	}
}

// TestCardinalityLimit: attribute sets beyond the limit are aggregated
// into one point with otel.metric.overflow=true; nothing is lost.
func TestCardinalityLimit(t *testing.T) {
	r := &metricRecorder{temporality: pipeline.Cumulative}
	mp := pipeline.NewMeterProvider(&pipeline.Resource{}, pipeline.ReaderConfig{Interval: time.Hour}, r)
	h, _ := mp.Meter("m").Float64Histogram("latency", metric.WithExplicitBucketBoundaries(1, 2))
	for i := range 2500 {
		h.Record(context.Background(), 1.5, metric.WithAttributes(attribute.String("model", fmt.Sprint(i))))
	}
	mp.Shutdown(context.Background())
	points := r.taken()[0].Scopes[0].Metrics[0].Histogram
	var total uint64
	overflow := 0
	for _, p := range points {
		total += p.Count
		if v, ok := p.Attributes.Value("otel.metric.overflow"); ok && v.AsBool() {
			overflow++
			if p.Count != 501 || p.BucketCounts[1] != 501 {
				t.Errorf("overflow point: %+v", p)
			}
		}
	}
	if len(points) != 2000 || overflow != 1 || total != 2500 {
		t.Errorf("%d points, %d overflow, %d measurements; want 2000, 1, 2500", len(points), overflow, total)
	}
}

// TestNoGoroutineLeft: the providers' goroutines end at shutdown.
func TestNoGoroutineLeft(t *testing.T) {
	before := runtime.NumGoroutine()
	for range 5 {
		mp := pipeline.NewMeterProvider(&pipeline.Resource{}, pipeline.ReaderConfig{}, &metricRecorder{}, &metricRecorder{})
		tp := pipeline.NewTracerProvider(&pipeline.Resource{}, pipeline.Sampler{}, pipeline.DefaultLimits, pipeline.NewBatchProcessor(&recorder{}, pipeline.BatchConfig{}))
		mp.Shutdown(context.Background())
		tp.Shutdown(context.Background())
		mp.Shutdown(context.Background())
		tp.Shutdown(context.Background())
	}
	waitFor(t, func() bool { return runtime.NumGoroutine() <= before })
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("timed out")
}
