package view

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"math"
	"reflect"
	"testing"

	"github.com/llminstr/llminstr/runtime/otlp"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	metricpb "go.opentelemetry.io/proto/otlp/metrics/v1"
	resourcepb "go.opentelemetry.io/proto/otlp/resource/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

func str(s string) *commonpb.AnyValue {
	return &commonpb.AnyValue{Value: &commonpb.AnyValue_StringValue{StringValue: s}}
}

func kv(k string, v *commonpb.AnyValue) *commonpb.KeyValue {
	return &commonpb.KeyValue{Key: k, Value: v}
}

// richAttrs holds every kind of attribute value, nested.
var richAttrs = []*commonpb.KeyValue{
	kv("s", str("héllo \"quoted\" <tag> & \u2028 \x01 tab\t")),
	kv("b", &commonpb.AnyValue{Value: &commonpb.AnyValue_BoolValue{BoolValue: false}}),
	kv("i", &commonpb.AnyValue{Value: &commonpb.AnyValue_IntValue{IntValue: -9007199254740993}}),
	kv("d", &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: 0.1}}),
	kv("zero", &commonpb.AnyValue{Value: &commonpb.AnyValue_DoubleValue{DoubleValue: 0}}),
	kv("bytes", &commonpb.AnyValue{Value: &commonpb.AnyValue_BytesValue{BytesValue: []byte{0, 1, 0xfe}}}),
	kv("array", &commonpb.AnyValue{Value: &commonpb.AnyValue_ArrayValue{ArrayValue: &commonpb.ArrayValue{Values: []*commonpb.AnyValue{
		str("a"), {Value: &commonpb.AnyValue_IntValue{IntValue: 7}},
	}}}}),
	kv("kvlist", &commonpb.AnyValue{Value: &commonpb.AnyValue_KvlistValue{KvlistValue: &commonpb.KeyValueList{Values: []*commonpb.KeyValue{
		kv("inner", str("x")),
	}}}}),
	kv("empty", &commonpb.AnyValue{}),
}

// TestJSONMatchesProtojson: the runtime's OTLP/JSON transcoder writes what
// the protobuf library's JSON encoding writes of the same requests, but
// with the ids in hex, as OTLP/JSON requires.
func TestJSONMatchesProtojson(t *testing.T) {
	traceID := []byte{0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36}
	spanID := []byte{0, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7}
	parentID := []byte{1, 2, 3, 4, 5, 6, 7, 8}
	res := &resourcepb.Resource{Attributes: []*commonpb.KeyValue{kv("service.name", str("svc"))}, DroppedAttributesCount: 2}
	scope := &commonpb.InstrumentationScope{Name: "scope", Version: "1.0", Attributes: richAttrs[:2], DroppedAttributesCount: 1}
	traces := &coltracepb.ExportTraceServiceRequest{ResourceSpans: []*tracepb.ResourceSpans{{
		Resource: res, SchemaUrl: "https://opentelemetry.io/schemas/1.26.0",
		ScopeSpans: []*tracepb.ScopeSpans{{Scope: scope, SchemaUrl: "s", Spans: []*tracepb.Span{
			{
				TraceId: traceID, SpanId: spanID, ParentSpanId: parentID, TraceState: "k=v", Flags: 0x301,
				Name: "chat gpt", Kind: tracepb.Span_SPAN_KIND_CLIENT,
				StartTimeUnixNano: 1796250830270814066, EndTimeUnixNano: math.MaxUint64,
				Attributes: richAttrs, DroppedAttributesCount: 3,
				Events: []*tracepb.Span_Event{
					{TimeUnixNano: 5, Name: "first", Attributes: richAttrs[:1], DroppedAttributesCount: 1},
					{Name: "second"},
				},
				DroppedEventsCount: 4,
				Links:              []*tracepb.Span_Link{{TraceId: traceID, SpanId: parentID, TraceState: "a=b", Attributes: richAttrs[2:3], DroppedAttributesCount: 1, Flags: 0x100}},
				DroppedLinksCount:  5,
				Status:             &tracepb.Status{Code: tracepb.Status_STATUS_CODE_ERROR, Message: "boom"},
			},
			{TraceId: traceID, SpanId: parentID, Name: "root", Status: &tracepb.Status{}},
		}}},
	}}}
	exemplar := &metricpb.Exemplar{FilteredAttributes: richAttrs[:1], TimeUnixNano: 9, Value: &metricpb.Exemplar_AsInt{AsInt: -3}, SpanId: spanID, TraceId: traceID}
	metrics := &colmetricpb.ExportMetricsServiceRequest{ResourceMetrics: []*metricpb.ResourceMetrics{{
		Resource: res,
		ScopeMetrics: []*metricpb.ScopeMetrics{{Scope: scope, Metrics: []*metricpb.Metric{
			{Name: "sum", Description: "d", Unit: "{token}", Data: &metricpb.Metric_Sum{Sum: &metricpb.Sum{
				AggregationTemporality: metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE, IsMonotonic: true,
				DataPoints: []*metricpb.NumberDataPoint{
					{Attributes: richAttrs[:3], StartTimeUnixNano: 1, TimeUnixNano: 2, Value: &metricpb.NumberDataPoint_AsInt{AsInt: -42}, Exemplars: []*metricpb.Exemplar{exemplar}, Flags: 1},
					{Value: &metricpb.NumberDataPoint_AsDouble{AsDouble: math.Inf(1)}},
				},
			}}},
			{Name: "gauge", Data: &metricpb.Metric_Gauge{Gauge: &metricpb.Gauge{DataPoints: []*metricpb.NumberDataPoint{
				{Value: &metricpb.NumberDataPoint_AsDouble{AsDouble: math.NaN()}},
				{Value: &metricpb.NumberDataPoint_AsDouble{AsDouble: 1e300}},
			}}}},
			{Name: "histogram", Data: &metricpb.Metric_Histogram{Histogram: &metricpb.Histogram{
				AggregationTemporality: metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_DELTA,
				DataPoints: []*metricpb.HistogramDataPoint{{
					Attributes: richAttrs[:1], StartTimeUnixNano: 1, TimeUnixNano: 2, Count: 3, Sum: proto.Float64(0.5),
					BucketCounts: []uint64{1, 0, 2}, ExplicitBounds: []float64{0.01, 0.02}, Min: proto.Float64(0), Max: proto.Float64(-1.5),
					Exemplars: []*metricpb.Exemplar{exemplar},
				}},
			}}},
			{Name: "exponential", Data: &metricpb.Metric_ExponentialHistogram{ExponentialHistogram: &metricpb.ExponentialHistogram{
				AggregationTemporality: metricpb.AggregationTemporality_AGGREGATION_TEMPORALITY_CUMULATIVE,
				DataPoints: []*metricpb.ExponentialHistogramDataPoint{{
					Count: 4, Sum: proto.Float64(2), Scale: -3, ZeroCount: 1, ZeroThreshold: 1e-9,
					Positive: &metricpb.ExponentialHistogramDataPoint_Buckets{Offset: -2, BucketCounts: []uint64{1, 300}},
					Negative: &metricpb.ExponentialHistogramDataPoint_Buckets{},
					Min:      proto.Float64(0.25), Max: proto.Float64(4), Flags: 1,
				}},
			}}},
		}}},
	}}}

	for _, tc := range []struct {
		name   string
		signal otlp.Signal
		msg    proto.Message
	}{
		{"traces", otlp.Traces, traces},
		{"metrics", otlp.Metrics, metrics},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pb, err := proto.Marshal(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			got, err := otlp.JSON(tc.signal, pb)
			if err != nil {
				t.Fatal(err)
			}
			want, err := protojson.MarshalOptions{UseEnumNumbers: true}.Marshal(tc.msg)
			if err != nil {
				t.Fatal(err)
			}
			var gotV, wantV any
			if err := json.Unmarshal(got, &gotV); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, got)
			}
			if err := json.Unmarshal(want, &wantV); err != nil {
				t.Fatal(err)
			}
			hexIDs(wantV)
			if !reflect.DeepEqual(gotV, wantV) {
				t.Errorf("got\n%s\nwant (protojson, ids in hex)\n%s", got, mustJSON(wantV))
			}
		})
	}

	t.Run("truncated", func(t *testing.T) {
		pb, _ := proto.Marshal(traces)
		for _, n := range []int{1, 2, len(pb) / 2, len(pb) - 1} {
			if _, err := otlp.JSON(otlp.Traces, pb[:n]); err == nil {
				t.Errorf("%d of %d bytes: no error", n, len(pb))
			}
		}
	})
}

// hexIDs rewrites the base64 ids protojson writes as hex.
func hexIDs(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			switch k {
			case "traceId", "spanId", "parentSpanId":
				if s, ok := e.(string); ok {
					b, _ := base64.StdEncoding.DecodeString(s)
					v[k] = hex.EncodeToString(b)
				}
			default:
				hexIDs(e)
			}
		}
	case []any:
		for _, e := range v {
			hexIDs(e)
		}
	}
}

func mustJSON(v any) []byte {
	b, _ := json.MarshalIndent(v, "", " ")
	return b
}
