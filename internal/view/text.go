package view

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// TextOptions say how the terminal output looks.
type TextOptions struct {
	Color   bool // ANSI colours, for a terminal
	Content bool // the captured messages under each call
}

// ANSI colours.
const (
	ansiReset   = "\x1b[0m"
	ansiBold    = "\x1b[1m"
	ansiDim     = "\x1b[2m"
	ansiRed     = "\x1b[31m"
	ansiYellow  = "\x1b[33m"
	ansiMagenta = "\x1b[35m"
	ansiCyan    = "\x1b[36m"
)

type painter bool

func (p painter) paint(code, s string) string {
	if !p || s == "" {
		return s
	}
	return code + s + ansiReset
}

// contentWidth bounds each message line of the tree.
const contentWidth = 160

// WriteTree writes traces as trees, one line per span, as the console
// exporter (OTEL_TRACES_EXPORTER=console) does, with each trace's totals
// on its first line.
func WriteTree(w io.Writer, traces []*Trace, opts TextOptions) error {
	p := painter(opts.Color)
	var b strings.Builder
	for _, t := range traces {
		tot := TraceTotals(t)
		fmt.Fprintf(&b, "%s %s", p.paint(ansiBold, "trace"), t.ID)
		if svc := traceService(t); svc != "" {
			fmt.Fprintf(&b, "  %s", svc)
		}
		fmt.Fprintf(&b, "  %s", plural(tot.Calls, "call"))
		if tot.Errors > 0 {
			b.WriteString(p.paint(ansiRed, fmt.Sprintf(" (%d failed)", tot.Errors)))
		}
		if tot.InputTokens > 0 || tot.OutputTokens > 0 {
			fmt.Fprintf(&b, "  tokens %d in/%d out", tot.InputTokens, tot.OutputTokens)
		}
		if tot.HasCost {
			fmt.Fprintf(&b, "  cost %s", formatCost(tot.Cost))
		}
		fmt.Fprintf(&b, "  %s\n", formatDuration(t.End.Sub(t.Start)))
		for _, n := range t.Nodes() {
			indent := strings.Repeat("  ", n.Depth+1)
			b.WriteString(indent)
			b.WriteString(spanLine(n.Span, p))
			b.WriteByte('\n')
			if opts.Content {
				writeTranscript(&b, n.Span, indent+"  ", p)
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func traceService(t *Trace) string {
	for _, s := range t.Spans {
		if s.Service != "" {
			return s.Service
		}
	}
	return ""
}

func spanLine(s *Span, p painter) string {
	var b strings.Builder
	name := s.Name
	switch s.Role() {
	case "agent":
		name = p.paint(ansiMagenta, name)
	case "tool":
		name = p.paint(ansiYellow, name)
	case "model":
		name = p.paint(ansiCyan, name)
	}
	b.WriteString(name)
	if v := s.Provider(); v != "" && s.IsModelCall() {
		fmt.Fprintf(&b, "  provider=%s", v)
	}
	if v := s.str(attrModel); v != "" {
		fmt.Fprintf(&b, "  response.model=%s", v)
	}
	if in, out, ok := s.Tokens(); ok {
		fmt.Fprintf(&b, "  tokens=%d in/%d out", in, out)
	}
	if fr := s.FinishReasons(); len(fr) > 0 {
		fmt.Fprintf(&b, "  finish=%s", strings.Join(fr, ","))
	}
	if d, ok := s.TTFC(); ok {
		fmt.Fprintf(&b, "  ttfc=%s", formatDuration(d))
	}
	if c, ok := s.Cost(); ok {
		fmt.Fprintf(&b, "  cost=%s", formatCost(c))
	}
	if v := s.str(attrConversation); v != "" {
		fmt.Fprintf(&b, "  conversation=%s", v)
	}
	fmt.Fprintf(&b, "  %s", formatDuration(s.Duration()))
	if s.Failed() {
		b.WriteString("  ")
		b.WriteString(p.paint(ansiRed, "ERROR "+s.ErrorText()))
	}
	return b.String()
}

// writeTranscript writes a span's captured messages, one line each: "> "
// for input, "< " for output; and a tool's arguments and result.
func writeTranscript(b *strings.Builder, s *Span, indent string, p painter) {
	in, out := s.Transcript()
	for _, m := range in {
		fmt.Fprintf(b, "%s%s\n", indent, p.paint(ansiDim, cut("> "+m.Role+": "+partsText(m.Parts), contentWidth)))
	}
	for _, m := range out {
		line := "< " + m.Role + ": " + partsText(m.Parts)
		if m.FinishReason != "" {
			line += "  [" + m.FinishReason + "]"
		}
		fmt.Fprintf(b, "%s%s\n", indent, p.paint(ansiDim, cut(line, contentWidth)))
	}
	if v := s.str(attrToolArgs); v != "" {
		fmt.Fprintf(b, "%s%s\n", indent, p.paint(ansiDim, cut("> arguments: "+v, contentWidth)))
	}
	if v := s.str(attrToolResult); v != "" {
		fmt.Fprintf(b, "%s%s\n", indent, p.paint(ansiDim, cut("< result: "+v, contentWidth)))
	}
}

func partsText(parts []Part) string {
	fields := make([]string, len(parts))
	for i, part := range parts {
		fields[i] = PartText(part)
		if part.Type == "text" || part.Type == "reasoning" {
			fields[i] = strconv.Quote(fields[i])
		}
	}
	return strings.Join(fields, " ")
}

// cut shortens s to at most n runes, marking the cut with "…".
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// WriteSummary writes the aggregates of traces: totals, latency
// percentiles, a table by provider and model, and the slowest calls.
func WriteSummary(w io.Writer, sum Summary, opts TextOptions) error {
	p := painter(opts.Color)
	var b strings.Builder
	t := sum.Totals
	fmt.Fprintf(&b, "%s %s, %s", p.paint(ansiBold, "summary:"), plural(sum.Traces, "trace"), plural(t.Calls, "model call"))
	if t.Errors > 0 {
		b.WriteString(p.paint(ansiRed, fmt.Sprintf(" (%d failed)", t.Errors)))
	}
	if sum.Agents > 0 {
		fmt.Fprintf(&b, ", %s", plural(sum.Agents, "agent run"))
	}
	if sum.ToolRuns > 0 {
		fmt.Fprintf(&b, ", %s", plural(sum.ToolRuns, "tool call"))
	}
	fmt.Fprintf(&b, "\n  tokens %d in / %d out", t.InputTokens, t.OutputTokens)
	if t.CacheRead > 0 {
		fmt.Fprintf(&b, " (%d cached)", t.CacheRead)
	}
	if t.Reasoning > 0 {
		fmt.Fprintf(&b, " (%d reasoning)", t.Reasoning)
	}
	if t.HasCost {
		fmt.Fprintf(&b, ", cost %s", formatCost(t.Cost))
	}
	if sum.Latency.N > 0 {
		fmt.Fprintf(&b, "\n  latency p50 %s, p95 %s", formatDuration(sum.Latency.P50), formatDuration(sum.Latency.P95))
	}
	if sum.TTFC.N > 0 {
		fmt.Fprintf(&b, "; time to first chunk p50 %s, p95 %s (%s)", formatDuration(sum.TTFC.P50), formatDuration(sum.TTFC.P95), plural(sum.TTFC.N, "stream"))
	}
	b.WriteString("\n")
	if len(sum.ByModel) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
		fmt.Fprintln(tw, "  provider\tmodel\tcalls\terrors\ttokens in\ttokens out\tcost\tp50\tp95\tttfc p50")
		row := func(g Group, model string) {
			cost, ttfc := "-", "-"
			if g.HasCost {
				cost = formatCost(g.Cost)
			}
			if g.TTFC.N > 0 {
				ttfc = formatDuration(g.TTFC.P50)
			}
			fmt.Fprintf(tw, "  %s\t%s\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t%s\n", orDash(g.Provider), model, g.Calls, g.Errors,
				g.InputTokens, g.OutputTokens, cost, formatDuration(g.Latency.P50), formatDuration(g.Latency.P95), ttfc)
		}
		for _, g := range sum.ByModel {
			row(g, orDash(g.Model))
		}
		if len(sum.ByProvider) > 1 || len(sum.ByModel) > 1 {
			for _, g := range sum.ByProvider {
				row(g, "(all)")
			}
		}
		tw.Flush()
	}
	if len(sum.Slowest) > 0 {
		b.WriteString("\n  slowest calls:\n")
		for _, s := range sum.Slowest {
			fmt.Fprintf(&b, "    %10s  %s  trace %s\n", formatDuration(s.Duration()), s.Name, s.TraceID)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.Itoa(n) + " " + what + "s"
}

func formatCost(c float64) string { return fmt.Sprintf("$%.6f", c) }

// formatDuration rounds d to three significant digits or to the
// microsecond.
func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}
