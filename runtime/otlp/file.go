package otlp

import (
	"context"
	"os"
	"sync"

	"github.com/llminstr/llminstr/runtime/pipeline"
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
func (f *File) SpanExporter() pipeline.SpanExporter {
	f.acquire()
	return &fileSpanExporter{file: f}
}

// MetricExporter returns an exporter that appends metrics to f, with the
// cumulative temporality and explicit-bucket histograms.
func (f *File) MetricExporter() pipeline.MetricExporter {
	f.acquire()
	return &fileMetricExporter{file: f}
}

type fileSpanExporter struct {
	file *File
	once sync.Once
}

func (e *fileSpanExporter) ExportSpans(_ context.Context, spans []*pipeline.SpanData) error {
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

func (e *fileMetricExporter) Temporality() pipeline.Temporality {
	return pipeline.Cumulative
}

func (e *fileMetricExporter) ExponentialHistograms() bool { return false }

func (e *fileMetricExporter) Export(_ context.Context, m *pipeline.Metrics) error {
	if len(m.Scopes) == 0 {
		return nil
	}
	line, err := JSON(Metrics, encodeMetrics(m))
	if err != nil {
		return err
	}
	return e.file.writeLine(line)
}

func (e *fileMetricExporter) Shutdown(context.Context) error {
	var err error
	e.once.Do(func() { err = e.file.release() })
	return err
}
