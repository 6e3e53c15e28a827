package runtime

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// consoleExporter prints spans as a readable tree, one line per span, for
// local use (OTEL_TRACES_EXPORTER=console). GenAI spans show operation,
// model, provider, tokens, finish reasons, latency and errors.
type consoleExporter struct {
	mu sync.Mutex
	w  io.Writer
}

func newConsoleExporter(w io.Writer) *consoleExporter { return &consoleExporter{w: w} }

func (e *consoleExporter) ExportSpans(_ context.Context, spans []sdktrace.ReadOnlySpan) error {
	var b strings.Builder
	byTrace := map[trace.TraceID][]sdktrace.ReadOnlySpan{}
	var order []trace.TraceID
	for _, s := range spans {
		id := s.SpanContext().TraceID()
		if _, ok := byTrace[id]; !ok {
			order = append(order, id)
		}
		byTrace[id] = append(byTrace[id], s)
	}
	for _, id := range order {
		group := byTrace[id]
		sort.Slice(group, func(i, j int) bool { return group[i].StartTime().Before(group[j].StartTime()) })
		depth := map[trace.SpanID]int{}
		fmt.Fprintf(&b, "trace %s\n", id)
		for _, s := range group {
			d := 0
			if p := s.Parent(); p.IsValid() {
				if pd, ok := depth[p.SpanID()]; ok {
					d = pd + 1
				}
			}
			depth[s.SpanContext().SpanID()] = d
			b.WriteString(strings.Repeat("  ", d+1))
			b.WriteString(formatSpan(s))
			b.WriteByte('\n')
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err := io.WriteString(e.w, b.String())
	return err
}

func formatSpan(s sdktrace.ReadOnlySpan) string {
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes() {
		attrs[kv.Key] = kv.Value
	}
	var b strings.Builder
	b.WriteString(s.Name())
	if v, ok := attrs[keyProviderName]; ok {
		fmt.Fprintf(&b, "  provider=%s", v.AsString())
	}
	if v, ok := attrs[keyResponseModel]; ok {
		fmt.Fprintf(&b, "  response.model=%s", v.AsString())
	}
	in, hasIn := attrs[keyUsageInputTokens]
	out, hasOut := attrs[keyUsageOutputTokens]
	if hasIn || hasOut {
		fmt.Fprintf(&b, "  tokens=%d in/%d out", in.AsInt64(), out.AsInt64())
	}
	if v, ok := attrs[keyResponseFinish]; ok {
		fmt.Fprintf(&b, "  finish=%s", strings.Join(v.AsStringSlice(), ","))
	}
	if v, ok := attrs[keyResponseTTFC]; ok {
		fmt.Fprintf(&b, "  ttfc=%s", time.Duration(v.AsFloat64()*float64(time.Second)).Round(time.Microsecond))
	}
	fmt.Fprintf(&b, "  %s", s.EndTime().Sub(s.StartTime()).Round(time.Microsecond))
	if s.Status().Code == codes.Error {
		errType := attrs[keyErrorType].AsString()
		fmt.Fprintf(&b, "  ERROR %s: %s", errType, s.Status().Description)
	}
	return b.String()
}

func (e *consoleExporter) Shutdown(context.Context) error { return nil }
