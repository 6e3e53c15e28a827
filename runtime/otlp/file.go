package otlp

import (
	"context"
	"os"
	"sync"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// File appends OTLP/JSON lines to a file, one request per line, as the
// OpenTelemetry Collector's file exporter writes them: an
// ExportTraceServiceRequest for each batch of spans, an
// ExportMetricsServiceRequest for each collection of metrics. A trace
// file and a metrics exporter may share one File.
//
// The file is opened for appending when first written to, and each line
// is one write, so that several processes can append to the same file
// without mixing their lines (a write to a file opened with O_APPEND is
// atomic on local file systems).
type File struct {
	path string

	mu   sync.Mutex
	f    *os.File
	err  error // of the open: every later export fails with it
	refs int   // exporters not shut down
}

// NewFile returns a File that writes to path.
func NewFile(path string) *File { return &File{path: path} }

func (f *File) writeLine(line []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.f == nil && f.err == nil {
		f.f, f.err = os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	}
	if f.err != nil {
		return f.err
	}
	_, err := f.f.Write(append(line, '\n'))
	return err
}

func (f *File) acquire() {
	f.mu.Lock()
	f.refs++
	f.mu.Unlock()
}

// release closes the file once every exporter of it has shut down.
func (f *File) release() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.refs--; f.refs > 0 || f.f == nil {
		return nil
	}
	err := f.f.Close()
	f.f = nil // a later write opens it again
	return err
}

// SpanExporter returns an exporter that appends spans to f.
func (f *File) SpanExporter() sdktrace.SpanExporter {
	f.acquire()
	return &fileSpanExporter{file: f}
}

// MetricExporter returns an exporter that appends metrics to f, with the
// default temporality (cumulative) and aggregations.
func (f *File) MetricExporter() sdkmetric.Exporter {
	f.acquire()
	return &fileMetricExporter{file: f}
}

type fileSpanExporter struct {
	file *File
	once sync.Once
}

func (e *fileSpanExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	if len(spans) == 0 {
		return nil
	}
	line, err := JSON(Traces, encodeSpans(spans))
	if err != nil {
		return err
	}
	return e.file.writeLine(line)
}

func (e *fileSpanExporter) Shutdown(context.Context) error {
	var err error
	e.once.Do(func() { err = e.file.release() })
	return err
}

type fileMetricExporter struct {
	file *File
	once sync.Once
}

func (e *fileMetricExporter) Temporality(k sdkmetric.InstrumentKind) metricdata.Temporality {
	return sdkmetric.DefaultTemporalitySelector(k)
}

func (e *fileMetricExporter) Aggregation(k sdkmetric.InstrumentKind) sdkmetric.Aggregation {
	return sdkmetric.DefaultAggregationSelector(k)
}

func (e *fileMetricExporter) Export(_ context.Context, rm *metricdata.ResourceMetrics) error {
	pb, encErr := encodeMetrics(rm)
	if len(rm.ScopeMetrics) == 0 {
		return encErr
	}
	line, err := JSON(Metrics, pb)
	if err != nil {
		return err
	}
	if err := e.file.writeLine(line); err != nil {
		return err
	}
	return encErr
}

func (e *fileMetricExporter) ForceFlush(context.Context) error { return nil }

func (e *fileMetricExporter) Shutdown(context.Context) error {
	var err error
	e.once.Do(func() { err = e.file.release() })
	return err
}
