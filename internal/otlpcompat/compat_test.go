package otlpcompat

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/llminstr/llminstr/runtime/otlp"
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

	for _, gzipped := range []bool{false, true} {
		ours := newCapture(t)
		cfg := config(t, ours.URL+"/v1/traces")
		cfg.Gzip = gzipped
		exporter, err := otlp.NewSpanExporter(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if err := exporter.ExportSpans(ctx, spans); err != nil {
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

// testMetrics records, through the SDK, every kind of data the runtime's
// exporter may be handed, and returns what a reader collects.
func testMetrics(t *testing.T, temporality func(sdkmetric.InstrumentKind) metricdata.Temporality) *metricdata.ResourceMetrics {
	reader := sdkmetric.NewManualReader(sdkmetric.WithTemporalitySelector(temporality))
	res := resource.NewWithAttributes("https://opentelemetry.io/schemas/1.26.0", attribute.String("service.name", "chatapp"))
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithResource(res),
		sdkmetric.WithView(sdkmetric.NewView(sdkmetric.Instrument{Name: "exponential"},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationBase2ExponentialHistogram{MaxSize: 160, MaxScale: 20}})),
	)
	defer mp.Shutdown(context.Background())
	ctx := context.Background()
	// A sampled span in the context gives the measurements exemplars.
	traceID, _ := trace.TraceIDFromHex("0102030405060708090a0b0c0d0e0f10")
	spanCtx := trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: traceID, SpanID: trace.SpanID{1, 2, 3, 4, 5, 6, 7, 8}, TraceFlags: trace.FlagsSampled,
	}))
	m := mp.Meter("github.com/llminstr/llminstr/runtime", metricVersion("0.1.0"))
	attrs := metricAttrs(attribute.String("gen_ai.operation.name", "chat"), attribute.String("gen_ai.token.type", "input"))

	duration, _ := m.Float64Histogram("gen_ai.client.operation.duration", durationOptions()...)
	duration.Record(spanCtx, 0.42, attrs)
	duration.Record(ctx, 3.5, attrs)
	tokens, _ := m.Int64Histogram("gen_ai.client.token.usage", tokenOptions()...)
	tokens.Record(spanCtx, 12, attrs)
	tokens.Record(ctx, 0, metricAttrs())
	counter, _ := m.Int64Counter("tokens.total")
	counter.Add(spanCtx, 17, attrs)
	fcounter, _ := m.Float64Counter("cost")
	fcounter.Add(ctx, 0.25)
	updown, _ := m.Int64UpDownCounter("in_flight")
	updown.Add(ctx, -2)
	gauge, _ := m.Float64ObservableGauge("temperature")
	m.RegisterCallback(func(_ context.Context, o metricObserver) error {
		o.ObserveFloat64(gauge, -1.5)
		return nil
	}, gauge)
	igauge, _ := m.Int64ObservableGauge("queue")
	m.RegisterCallback(func(_ context.Context, o metricObserver) error {
		o.ObserveInt64(igauge, 0)
		return nil
	}, igauge)
	exp, _ := m.Float64Histogram("exponential")
	for _, v := range []float64{0.001, 1, 2, 4, 1000, 0, -3} {
		exp.Record(spanCtx, v)
	}
	iexp, _ := m.Int64Histogram("exponential")
	iexp.Record(ctx, 5)

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		t.Fatal(err)
	}
	return &rm
}

// TestMetricsAsOpenTelemetryExports: the runtime's exporter sends the
// same ExportMetricsServiceRequest as otlpmetrichttp for cumulative and
// delta data, histograms (explicit and exponential, int and float), sums,
// up-down counters, gauges and exemplars.
func TestMetricsAsOpenTelemetryExports(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name        string
		temporality func(sdkmetric.InstrumentKind) metricdata.Temporality
	}{
		{"cumulative", sdkmetric.DefaultTemporalitySelector},
		{"delta", func(sdkmetric.InstrumentKind) metricdata.Temporality { return metricdata.DeltaTemporality }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rm := testMetrics(t, tc.temporality)
			reference := newCapture(t)
			official, err := otlpmetrichttp.New(ctx, otlpmetrichttp.WithEndpointURL(reference.URL+"/v1/metrics"))
			if err != nil {
				t.Fatal(err)
			}
			if err := official.Export(ctx, rm); err != nil {
				t.Fatal(err)
			}
			var want colmetricpb.ExportMetricsServiceRequest
			if err := proto.Unmarshal(reference.take(t), &want); err != nil {
				t.Fatal(err)
			}

			ours := newCapture(t)
			exporter, err := otlp.NewMetricExporter(config(t, ours.URL+"/v1/metrics"))
			if err != nil {
				t.Fatal(err)
			}
			if err := exporter.Export(ctx, rm); err != nil {
				t.Fatal(err)
			}
			var got colmetricpb.ExportMetricsServiceRequest
			if err := proto.Unmarshal(ours.take(t), &got); err != nil {
				t.Fatal(err)
			}
			if !proto.Equal(&got, &want) {
				t.Errorf("the runtime's exporter sent\n%s\nthe OpenTelemetry exporter sent\n%s", prototext.Format(&got), prototext.Format(&want))
			}
			if n := countExemplars(&want); n == 0 {
				t.Error("the test metrics have no exemplars")
			}
		})
	}
}

func countExemplars(req *colmetricpb.ExportMetricsServiceRequest) int {
	n := 0
	for _, rm := range req.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				for _, p := range m.GetHistogram().GetDataPoints() {
					n += len(p.Exemplars)
				}
				for _, p := range m.GetSum().GetDataPoints() {
					n += len(p.Exemplars)
				}
				for _, p := range m.GetExponentialHistogram().GetDataPoints() {
					n += len(p.Exemplars)
				}
			}
		}
	}
	return n
}
