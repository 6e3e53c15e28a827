package otlpcompat

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/llminstr/llminstr/runtime/otlp"
	"github.com/llminstr/llminstr/runtime/pipeline"
)

// capture is an OTLP/HTTP endpoint that keeps the bodies it receives,
// decompressed.
type capture struct {
	*httptest.Server
	mu      sync.Mutex
	bodies  [][]byte
	headers []http.Header
}

func newCapture(t *testing.T) *capture {
	c := &capture{}
	c.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(r.Body)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			body = zr
		}
		data, err := io.ReadAll(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.mu.Lock()
		c.bodies = append(c.bodies, data)
		c.headers = append(c.headers, r.Header.Clone())
		c.mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(c.Close)
	return c
}

func (c *capture) take(t *testing.T) []byte {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.bodies) != 1 {
		t.Fatalf("the endpoint received %d requests, want 1", len(c.bodies))
	}
	b := c.bodies[0]
	c.bodies = nil
	return b
}

func config(t *testing.T, rawURL string) otlp.Config {
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return otlp.Config{Protocol: otlp.HTTPProtobuf, URL: u, Timeout: 5 * time.Second}
}

// testSpans are spans with everything an OTLP span can carry: every
// attribute type (zero values, empty strings and slices among them),
// events, links to local and remote contexts, a trace state, dropped
// counts, each status, two resources and two scopes.
func testSpans(t *testing.T) []sdktrace.ReadOnlySpan {
	res1 := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0",
		attribute.String("service.name", "chatapp"), attribute.Int("pid", 42))
	res2 := resource.NewSchemaless(attribute.String("service.name", "other"))
	traceID, _ := trace.TraceIDFromHex("0102030405060708090a0b0c0d0e0f10")
	ts, _ := trace.ParseTraceState("vendor=value,other=1")
	sc := func(span byte, remote bool, state trace.TraceState) trace.SpanContext {
		return trace.NewSpanContext(trace.SpanContextConfig{
			TraceID: traceID, SpanID: trace.SpanID{span, 2, 3, 4, 5, 6, 7, 8},
			TraceFlags: trace.FlagsSampled, TraceState: state, Remote: remote,
		})
	}
	start := time.Unix(1_700_000_000, 123_456_789)
	attrs := []attribute.KeyValue{
		attribute.String("gen_ai.operation.name", "chat"),
		attribute.String("empty", ""),
		attribute.Bool("yes", true),
		attribute.Bool("no", false),
		attribute.Int64("zero", 0),
		attribute.Int64("negative", -7),
		attribute.Int64("big", 1<<62),
		attribute.Float64("temperature", 0.5),
		attribute.Float64("zero_float", 0),
		attribute.StringSlice("finish", []string{"stop", "", "length"}),
		attribute.StringSlice("no_strings", []string{}),
		attribute.Int64Slice("ints", []int64{0, 1, -1}),
		attribute.Float64Slice("floats", []float64{0, 1.5}),
		attribute.BoolSlice("bools", []bool{false, true}),
		attribute.String("unicode", "héllo ✓"),
	}
	stubs := tracetest.SpanStubs{
		{
			Name: "chat gpt-4o-mini", SpanContext: sc(1, false, ts), Parent: sc(9, true, trace.TraceState{}),
			SpanKind: trace.SpanKindClient, StartTime: start, EndTime: start.Add(1500 * time.Millisecond),
			Attributes: attrs,
			Events: []sdktrace.Event{
				{Name: "gen_ai.client.inference.operation.details", Time: start.Add(time.Second), Attributes: attrs[:3], DroppedAttributeCount: 2},
				{Name: "empty event", Time: start.Add(time.Second)},
			},
			Links: []sdktrace.Link{
				{SpanContext: sc(3, true, trace.TraceState{}), Attributes: []attribute.KeyValue{attribute.String("why", "follows")}, DroppedAttributeCount: 1},
				{SpanContext: sc(4, false, trace.TraceState{})},
			},
			Status:            sdktrace.Status{Code: codes.Error, Description: "429 Too Many Requests"},
			DroppedAttributes: 3, DroppedEvents: 4, DroppedLinks: 5,
			Resource:             res1,
			InstrumentationScope: instrumentation.Scope{Name: "github.com/llminstr/llminstr/runtime", Version: "0.1.0"},
		},
		{
			Name: "invoke_agent", SpanContext: sc(9, false, trace.TraceState{}), SpanKind: trace.SpanKindInternal,
			StartTime: start, EndTime: start.Add(2 * time.Second), Status: sdktrace.Status{Code: codes.Ok},
			Resource:             res1,
			InstrumentationScope: instrumentation.Scope{Name: "github.com/llminstr/llminstr/runtime", Version: "0.1.0"},
		},
		{
			Name: "execute_tool", SpanContext: sc(5, false, trace.TraceState{}), Parent: sc(9, false, trace.TraceState{}),
			SpanKind: trace.SpanKindServer, StartTime: start, EndTime: start.Add(time.Millisecond),
			Resource:             res1,
			InstrumentationScope: instrumentation.Scope{Name: "other scope", SchemaURL: "https://opentelemetry.io/schemas/1.37.0"},
		},
		{
			Name: "", SpanContext: sc(6, false, trace.TraceState{}), SpanKind: trace.SpanKindProducer,
			Resource:             res2,
			InstrumentationScope: instrumentation.Scope{Name: "github.com/llminstr/llminstr/runtime", Version: "0.1.0"},
		},
		{
			Name: "consume", SpanContext: sc(7, false, trace.TraceState{}), SpanKind: trace.SpanKindConsumer,
			StartTime: start, EndTime: start,
			Resource:             res2,
			InstrumentationScope: instrumentation.Scope{Name: "github.com/llminstr/llminstr/runtime", Version: "0.1.0"},
		},
	}
	return stubs.Snapshots()
}

// TestSpansAsOpenTelemetryExports: the runtime's exporter sends the same
// ExportTraceServiceRequest as otlptracehttp, plain and gzipped.
func TestSpansAsOpenTelemetryExports(t *testing.T) {
	spans := testSpans(t)
	ctx := context.Background()

	reference := newCapture(t)
	official, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(reference.URL+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	if err := official.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	want := decodeTraces(t, reference.take(t))
	data := spanData(spans)

	for _, gzipped := range []bool{false, true} {
		ours := newCapture(t)
		cfg := config(t, ours.URL+"/v1/traces")
		cfg.Gzip = gzipped
		exporter, err := otlp.NewSpanExporter(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := exporter.ExportSpans(ctx, data); err != nil {
			t.Fatal(err)
		}
		got := decodeTraces(t, ours.take(t))
		if !proto.Equal(got, want) {
			t.Errorf("gzip %v: the runtime's exporter sent\n%s\nthe OpenTelemetry exporter sent\n%s", gzipped, prototext.Format(got), prototext.Format(want))
		}
		h := ours.headers[0]
		if h.Get("Content-Type") != "application/x-protobuf" || (h.Get("Content-Encoding") == "gzip") != gzipped {
			t.Errorf("gzip %v: headers %v", gzipped, h)
		}
	}
}

// spanData is spans as the runtime's pipeline hands them to exporters,
// one pipeline.Resource for each SDK resource.
func spanData(spans []sdktrace.ReadOnlySpan) []*pipeline.SpanData {
	resources := map[*resource.Resource]*pipeline.Resource{}
	var out []*pipeline.SpanData
	for _, s := range spans {
		r, ok := resources[s.Resource()]
		if !ok {
			r = &pipeline.Resource{Attributes: *s.Resource().Set(), SchemaURL: s.Resource().SchemaURL()}
			resources[s.Resource()] = r
		}
		d := &pipeline.SpanData{
			Resource: r,
			Scope:    pipeline.Scope{Name: s.InstrumentationScope().Name, Version: s.InstrumentationScope().Version, SchemaURL: s.InstrumentationScope().SchemaURL},
			Name:     s.Name(), SpanContext: s.SpanContext(), Parent: s.Parent(), Kind: s.SpanKind(),
			Start: s.StartTime(), End: s.EndTime(),
			Attributes: s.Attributes(), DroppedAttributes: s.DroppedAttributes(),
			DroppedEvents: s.DroppedEvents(), DroppedLinks: s.DroppedLinks(),
			Status: pipeline.Status{Code: s.Status().Code, Description: s.Status().Description},
		}
		for _, e := range s.Events() {
			d.Events = append(d.Events, pipeline.Event{Name: e.Name, Time: e.Time, Attributes: e.Attributes, DroppedAttributes: e.DroppedAttributeCount})
		}
		for _, l := range s.Links() {
			d.Links = append(d.Links, pipeline.Link{SpanContext: l.SpanContext, Attributes: l.Attributes, DroppedAttributes: l.DroppedAttributeCount})
		}
		out = append(out, d)
	}
	return out
}

func decodeTraces(t *testing.T, body []byte) *coltracepb.ExportTraceServiceRequest {
	t.Helper()
	var req coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		t.Fatalf("decoding an ExportTraceServiceRequest: %v", err)
	}
	// The OpenTelemetry exporter groups spans through maps, in no order.
	sort.SliceStable(req.ResourceSpans, func(i, j int) bool {
		return prototext.Format(req.ResourceSpans[i].Resource) < prototext.Format(req.ResourceSpans[j].Resource)
	})
	for _, rs := range req.ResourceSpans {
		sort.SliceStable(rs.ScopeSpans, func(i, j int) bool {
			return rs.ScopeSpans[i].Scope.GetName() < rs.ScopeSpans[j].Scope.GetName()
		})
	}
	return &req
}

// measure records the same measurements, of every instrument the
// runtime's pipeline implements, through mp.
func measure(mp metric.MeterProvider) {
	ctx := context.Background()
	m := mp.Meter("github.com/llminstr/llminstr/runtime", metricVersion("0.1.0"))
	attrs := metricAttrs(attribute.String("gen_ai.operation.name", "chat"), attribute.String("gen_ai.token.type", "input"))
	other := metricAttrs(attribute.String("gen_ai.operation.name", "embeddings"))

	duration, _ := m.Float64Histogram("gen_ai.client.operation.duration", durationOptions()...)
	for _, v := range []float64{0.42, 3.5, 0.01, 0.0099, 100, 0} {
		duration.Record(ctx, v, attrs)
	}
	duration.Record(ctx, 1.28, other)
	tokens, _ := m.Int64Histogram("gen_ai.client.token.usage", tokenOptions()...)
	tokens.Record(ctx, 12, attrs)
	tokens.Record(ctx, 0, metricAttrs())
	tokens.Record(ctx, 1<<40, other)
	counter, _ := m.Int64Counter("tokens.total", metric.WithUnit("{token}"), metric.WithDescription("Tokens."))
	counter.Add(ctx, 17, attrs)
	counter.Add(ctx, 0, attrs)
	counter.Add(ctx, 5, other)
	// Without boundaries: the default ones, or exponential buckets over
	// many scales (0 and 2^k sit on bucket edges).
	plain, _ := m.Float64Histogram("latency")
	for _, v := range []float64{0.001, 1, 2, 4, 1000, 0, 1e6, 3e-5, 1.5, 10000, 7500} {
		plain.Record(ctx, v)
	}
	iplain, _ := m.Int64Histogram("count", metric.WithUnit("1"))
	for v := range int64(300) {
		iplain.Record(ctx, v*v)
	}
}

// TestMetricsAsOpenTelemetryExports: the runtime's pipeline and exporter
// send the same ExportMetricsServiceRequest as the OpenTelemetry SDK and
// otlpmetrichttp for the same measurements, cumulative and delta, with
// explicit and exponential histograms. Only what depends on the clock
// (timestamps) and exemplars, which the pipeline does not record, are
// left out of the comparison.
func TestMetricsAsOpenTelemetryExports(t *testing.T) {
	ctx := context.Background()
	res := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0", attribute.String("service.name", "chatapp"))
	for _, tc := range []struct {
		name        string
		temporality string // OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE
		exponential bool
	}{
		{"cumulative", "cumulative", false},
		{"delta", "delta", false},
		{"exponential", "cumulative", true},
		{"delta_exponential", "lowmemory", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			temporality := sdkmetric.DefaultTemporalitySelector
			if tc.temporality != "cumulative" {
				temporality = func(k sdkmetric.InstrumentKind) metricdata.Temporality {
					if k == sdkmetric.InstrumentKindCounter || k == sdkmetric.InstrumentKindHistogram {
						return metricdata.DeltaTemporality
					}
					return metricdata.CumulativeTemporality
				}
			}
			aggregation := sdkmetric.DefaultAggregationSelector
			if tc.exponential {
				aggregation = func(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
					if k == sdkmetric.InstrumentKindHistogram {
						return sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}
					}
					return sdkmetric.DefaultAggregationSelector(k)
				}
			}
			reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(temporality), sdkmetric.WithAggregationSelector(aggregation))
			sdk := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithResource(res))
			measure(sdk)
			var rm metricdata.ResourceMetrics
			if err := reader.Collect(ctx, &rm); err != nil {
				t.Fatal(err)
			}
			reference := newCapture(t)
			official, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(reference.URL+"/v1/metrics"))
			if err != nil {
				t.Fatal(err)
			}
			if err := official.Export(ctx, &rm); err != nil {
				t.Fatal(err)
			}
			want := decodeMetrics(t, reference.take(t))

			ours := newCapture(t)
			cfg := config(t, ours.URL+"/v1/metrics")
			cfg.Temporality, cfg.ExponentialHistograms = tc.temporality, tc.exponential
			exporter, err := otlp.NewMetricExporter(cfg)
			if err != nil {
				t.Fatal(err)
			}
			mp := pipeline.NewMeterProvider(&pipeline.Resource{Attributes: *res.Set(), SchemaURL: res.SchemaURL()},
				pipeline.ReaderConfig{Interval: time.Hour}, exporter)
			measure(mp)
			if err := mp.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			got := decodeMetrics(t, ours.take(t))
			if !proto.Equal(got, want) {
				t.Errorf("the runtime's pipeline sent\n%s\nthe OpenTelemetry SDK sent\n%s", prototext.Format(got), prototext.Format(want))
			}
		})
	}
}

// decodeMetrics decodes an ExportMetricsServiceRequest, then clears what
// depends on the clock, drops exemplars, and sorts data points by their
// attributes.
func decodeMetrics(t *testing.T, body []byte) *colmetricpb.ExportMetricsServiceRequest {
	t.Helper()
	var req colmetricpb.ExportMetricsServiceRequest
	if err := proto.Unmarshal(body, &req); err != nil {
		t.Fatalf("decoding an ExportMetricsServiceRequest: %v", err)
	}
	key := func(attrs []*commonpb.KeyValue) string {
		var parts []string
		for _, kv := range attrs {
			parts = append(parts, prototext.Format(kv))
		}
		return strings.Join(parts, ";")
	}
	for _, rm := range req.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			sort.Slice(sm.Metrics, func(i, j int) bool { return sm.Metrics[i].Name < sm.Metrics[j].Name })
			for _, m := range sm.Metrics {
				if h := m.GetHistogram(); h != nil {
					for _, p := range h.DataPoints {
						p.StartTimeUnixNano, p.TimeUnixNano, p.Exemplars = 0, 0, nil
					}
					sort.Slice(h.DataPoints, func(i, j int) bool { return key(h.DataPoints[i].Attributes) < key(h.DataPoints[j].Attributes) })
				}
				if h := m.GetExponentialHistogram(); h != nil {
					for _, p := range h.DataPoints {
						p.StartTimeUnixNano, p.TimeUnixNano, p.Exemplars = 0, 0, nil
					}
					sort.Slice(h.DataPoints, func(i, j int) bool { return key(h.DataPoints[i].Attributes) < key(h.DataPoints[j].Attributes) })
				}
				if s := m.GetSum(); s != nil {
					for _, p := range s.DataPoints {
						p.StartTimeUnixNano, p.TimeUnixNano, p.Exemplars = 0, 0, nil
					}
					sort.Slice(s.DataPoints, func(i, j int) bool { return key(s.DataPoints[i].Attributes) < key(s.DataPoints[j].Attributes) })
				}
			}
		}
	}
	return &req
}
