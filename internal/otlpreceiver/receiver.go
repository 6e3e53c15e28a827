// Package otlpreceiver is a minimal OTLP/HTTP trace receiver for tests: it
// decodes the protobuf requests an instrumented program exports and keeps
// the spans with their attributes as plain Go values.
package otlpreceiver

import (
	"compress/gzip"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"sync"

	collogspb "go.opentelemetry.io/proto/otlp/collector/logs/v1"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// Span is one received span.
type Span struct {
	Name          string
	Kind          string // "client", "internal", ...
	TraceID       string
	SpanID        string
	ParentSpanID  string
	StatusCode    string // "unset", "ok", "error"
	StatusMessage string
	Attrs         map[string]any // string, int64, float64, bool or []any
	Events        []Event
	Scope         string
	Resource      map[string]any
}

// Event is a span event.
type Event struct {
	Name  string
	Attrs map[string]any
}

// Point is one histogram data point of a received metric.
type Point struct {
	Metric       string
	Unit         string
	Attrs        map[string]any
	Count        uint64
	Sum          float64
	Bounds       []float64
	BucketCounts []uint64
}

// Receiver collects spans and metrics sent to its URL.
type Receiver struct {
	Server  *httptest.Server
	mu      sync.Mutex
	spans   []Span
	points  []Point
	logs    []LogRecord
	headers []http.Header
}

// Points returns the histogram data points received so far.
func (r *Receiver) Points() []Point {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Point(nil), r.points...)
}

// Start starts a receiver on a loopback port.
func Start() *Receiver {
	r := &Receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(r.handle))
	return r
}

// URL is the endpoint to set as OTEL_EXPORTER_OTLP_ENDPOINT.
func (r *Receiver) URL() string { return r.Server.URL }

// Close stops the receiver.
func (r *Receiver) Close() { r.Server.Close() }

// Reset forgets the spans received so far.
func (r *Receiver) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.spans = nil
	r.points = nil
	r.logs = nil
}

// Spans returns the spans received so far, in arrival order.
func (r *Receiver) Spans() []Span {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Span(nil), r.spans...)
}

func (r *Receiver) handle(w http.ResponseWriter, req *http.Request) {
	if req.URL.Path != "/v1/traces" && req.URL.Path != "/v1/metrics" && req.URL.Path != "/v1/logs" {
		http.Error(w, "only /v1/traces, /v1/metrics and /v1/logs", http.StatusNotFound)
		return
	}
	var body io.Reader = req.Body
	if req.Header.Get("Content-Encoding") == "gzip" {
		gz, err := gzip.NewReader(req.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		body = gz
	}
	data, err := io.ReadAll(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	switch req.URL.Path {
	case "/v1/metrics":
		r.handleMetrics(w, data)
		return
	case "/v1/logs":
		r.handleLogs(w, data)
		return
	}
	var msg coltracepb.ExportTraceServiceRequest
	if err := proto.Unmarshal(data, &msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var got []Span
	for _, rs := range msg.ResourceSpans {
		res := attrs(rs.GetResource().GetAttributes())
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				got = append(got, Span{
					Name:          s.Name,
					Kind:          strings.ToLower(strings.TrimPrefix(s.Kind.String(), "SPAN_KIND_")),
					TraceID:       fmt.Sprintf("%x", s.TraceId),
					SpanID:        fmt.Sprintf("%x", s.SpanId),
					ParentSpanID:  fmt.Sprintf("%x", s.ParentSpanId),
					StatusCode:    strings.ToLower(strings.TrimPrefix(s.GetStatus().GetCode().String(), "STATUS_CODE_")),
					StatusMessage: s.GetStatus().GetMessage(),
					Attrs:         attrs(s.Attributes),
					Events:        events(s.Events),
					Scope:         ss.GetScope().GetName(),
					Resource:      res,
				})
			}
		}
	}
	r.mu.Lock()
	r.spans = append(r.spans, got...)
	r.headers = append(r.headers, req.Header.Clone())
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{})
	w.Write(out)
}

func (r *Receiver) handleMetrics(w http.ResponseWriter, data []byte) {
	var msg colmetricpb.ExportMetricsServiceRequest
	if err := proto.Unmarshal(data, &msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	var got []Point
	for _, rm := range msg.ResourceMetrics {
		for _, sm := range rm.ScopeMetrics {
			for _, m := range sm.Metrics {
				h := m.GetHistogram()
				if h == nil {
					continue
				}
				for _, dp := range h.DataPoints {
					got = append(got, Point{
						Metric: m.Name, Unit: m.Unit, Attrs: attrs(dp.Attributes), Count: dp.Count, Sum: dp.GetSum(),
						Bounds: dp.ExplicitBounds, BucketCounts: dp.BucketCounts,
					})
				}
			}
		}
	}
	r.mu.Lock()
	r.points = append(r.points, got...)
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	out, _ := proto.Marshal(&colmetricpb.ExportMetricsServiceResponse{})
	w.Write(out)
}

func events(evs []*tracepb.Span_Event) []Event {
	var out []Event
	for _, e := range evs {
		out = append(out, Event{Name: e.Name, Attrs: attrs(e.Attributes)})
	}
	return out
}

func attrs(kvs []*commonpb.KeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = value(kv.Value)
	}
	return m
}

func value(v *commonpb.AnyValue) any {
	switch x := v.GetValue().(type) {
	case *commonpb.AnyValue_StringValue:
		return x.StringValue
	case *commonpb.AnyValue_IntValue:
		return x.IntValue
	case *commonpb.AnyValue_DoubleValue:
		return x.DoubleValue
	case *commonpb.AnyValue_BoolValue:
		return x.BoolValue
	case *commonpb.AnyValue_ArrayValue:
		out := make([]any, 0, len(x.ArrayValue.Values))
		for _, e := range x.ArrayValue.Values {
			out = append(out, value(e))
		}
		return out
	case *commonpb.AnyValue_KvlistValue:
		return attrs(x.KvlistValue.Values)
	case *commonpb.AnyValue_BytesValue:
		return x.BytesValue
	}
	return nil
}

// LogRecord is one received log record (an event when EventName is set).
type LogRecord struct {
	EventName       string
	TraceID, SpanID string
	Attrs           map[string]any // values as in Span.Attrs, and map[string]any for maps
}

// Logs returns the log records received since the last Reset.
func (r *Receiver) Logs() []LogRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]LogRecord(nil), r.logs...)
}

func (r *Receiver) handleLogs(w http.ResponseWriter, data []byte) {
	var msg collogspb.ExportLogsServiceRequest
	if err := proto.Unmarshal(data, &msg); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	for _, rl := range msg.ResourceLogs {
		for _, sl := range rl.ScopeLogs {
			for _, l := range sl.LogRecords {
				r.logs = append(r.logs, LogRecord{
					EventName: l.EventName, TraceID: hex.EncodeToString(l.TraceId), SpanID: hex.EncodeToString(l.SpanId),
					Attrs: attrs(l.Attributes),
				})
			}
		}
	}
	r.mu.Unlock()
	out, _ := proto.Marshal(&collogspb.ExportLogsServiceResponse{})
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(out)
}

// Describe renders spans one per line with sorted attributes, for test
// failure messages.
func Describe(spans []Span) string {
	var b strings.Builder
	for _, s := range spans {
		keys := make([]string, 0, len(s.Attrs))
		for k := range s.Attrs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		fmt.Fprintf(&b, "%q kind=%s status=%s", s.Name, s.Kind, s.StatusCode)
		for _, k := range keys {
			fmt.Fprintf(&b, " %s=%v", k, s.Attrs[k])
		}
		b.WriteByte('\n')
	}
	return b.String()
}
