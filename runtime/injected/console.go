package injected

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/llminstr/llminstr/runtime/pipeline"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
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

func (e *consoleExporter) ExportSpans(_ context.Context, spans []*pipeline.SpanData) error {
	var b strings.Builder
	byTrace := map[trace.TraceID][]*pipeline.SpanData{}
	var order []trace.TraceID
	for _, s := range spans {
		id := s.SpanContext.TraceID()
		if _, ok := byTrace[id]; !ok {
			order = append(order, id)
		}
		byTrace[id] = append(byTrace[id], s)
	}
	for _, id := range order {
		group := byTrace[id]
		sort.Slice(group, func(i, j int) bool { return group[i].Start.Before(group[j].Start) })
		depth := map[trace.SpanID]int{}
		fmt.Fprintf(&b, "trace %s\n", id)
		for _, s := range group {
			d := 0
			if p := s.Parent; p.IsValid() {
				if pd, ok := depth[p.SpanID()]; ok {
					d = pd + 1
				}
			}
			depth[s.SpanContext.SpanID()] = d
			b.WriteString(strings.Repeat("  ", d+1))
			b.WriteString(formatSpan(s))
			b.WriteByte('\n')
			writeContent(&b, s, strings.Repeat("  ", d+2))
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	_, err := io.WriteString(e.w, b.String())
	return err
}

func formatSpan(s *pipeline.SpanData) string {
	attrs := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		attrs[kv.Key] = kv.Value
	}
	var b strings.Builder
	b.WriteString(s.Name)
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
	if v, ok := attrs[keyCost]; ok {
		fmt.Fprintf(&b, "  cost=$%.6f", v.AsFloat64())
	}
	if v, ok := attrs[keyConversationID]; ok {
		fmt.Fprintf(&b, "  conversation=%s", v.AsString())
	}
	fmt.Fprintf(&b, "  %s", s.End.Sub(s.Start).Round(time.Microsecond))
	if s.Status.Code == codes.Error {
		errType := attrs[keyErrorType].AsString()
		fmt.Fprintf(&b, "  ERROR %s: %s", errType, s.Status.Description)
	}
	return b.String()
}

// writeContent writes the captured messages of a span, one line each: "> "
// for input, "< " for output.
func writeContent(b *strings.Builder, s *pipeline.SpanData, indent string) {
	var system, in, out string
	for _, kv := range s.Attributes {
		switch kv.Key {
		case keySystemInstructions:
			system = kv.Value.AsString()
		case keyInputMessages:
			in = kv.Value.AsString()
		case keyOutputMessages:
			out = kv.Value.AsString()
		}
	}
	var parts []Part
	if json.Unmarshal([]byte(system), &parts) == nil && len(parts) > 0 {
		fmt.Fprintf(b, "%s> instructions: %s\n", indent, formatParts(parts))
	}
	var msgs []Message
	if json.Unmarshal([]byte(in), &msgs) == nil {
		for _, m := range msgs {
			fmt.Fprintf(b, "%s> %s: %s\n", indent, m.Role, formatParts(m.Parts))
		}
	}
	var outs []OutputMessage
	if json.Unmarshal([]byte(out), &outs) == nil {
		for _, m := range outs {
			fmt.Fprintf(b, "%s< %s: %s  [%s]\n", indent, m.Role, formatParts(m.Parts), m.FinishReason)
		}
	}
}

// consoleContentWidth bounds each message line of the console tree.
const consoleContentWidth = 160

func formatParts(parts []Part) string {
	var fields []string
	for _, p := range parts {
		switch p.Type {
		case "text", "reasoning":
			fields = append(fields, strconv.Quote(p.Content))
		case "tool_call":
			args, _ := json.Marshal(p.Arguments)
			fields = append(fields, fmt.Sprintf("call %s(%s)", p.Name, args))
		case "tool_call_response":
			resp, _ := json.Marshal(p.Response)
			fields = append(fields, fmt.Sprintf("result %s", resp))
		default:
			fields = append(fields, "["+p.Type+"]")
		}
	}
	line := strings.Join(fields, " ")
	if len(line) > consoleContentWidth {
		line = cut(line, consoleContentWidth)
	}
	return line
}

func (e *consoleExporter) Shutdown(context.Context) error { return nil }
