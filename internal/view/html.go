package view

import (
	_ "embed"
	"encoding/json"
	"html/template"
	"io"
	"sort"
	"strings"
	"time"
)

//go:embed report.html
var reportHTML string

var reportTemplate = template.Must(template.New("report").Parse(reportHTML))

// PageData is what the HTML page renders: the report embeds it, the live
// page fetches it.
type PageData struct {
	Title     string      `json:"title"`
	Generated string      `json:"generated"`
	Summary   pageSummary `json:"summary"`
	Traces    []pageTrace `json:"traces"`
}

type pageSummary struct {
	Traces     int         `json:"traces"`
	Totals     pageTotals  `json:"totals"`
	Agents     int         `json:"agents"`
	ToolRuns   int         `json:"toolRuns"`
	LatencyMS  [2]float64  `json:"latencyMs"` // p50, p95
	TTFCMS     [2]float64  `json:"ttfcMs"`
	Streams    int         `json:"streams"`
	ByModel    []pageGroup `json:"byModel"`
	ByProvider []pageGroup `json:"byProvider"`
	Slowest    []pageCall  `json:"slowest"`
}

type pageTotals struct {
	Calls     int     `json:"calls"`
	Errors    int     `json:"errors"`
	In        int64   `json:"in"`
	Out       int64   `json:"out"`
	CacheRead int64   `json:"cacheRead"`
	Reasoning int64   `json:"reasoning"`
	Cost      float64 `json:"cost"`
	HasCost   bool    `json:"hasCost"`
}

type pageGroup struct {
	Provider  string     `json:"provider"`
	Model     string     `json:"model"`
	Totals    pageTotals `json:"totals"`
	LatencyMS [2]float64 `json:"latencyMs"`
	TTFCMS    [2]float64 `json:"ttfcMs"`
	Streams   int        `json:"streams"`
}

type pageCall struct {
	Trace      string  `json:"trace"`
	Span       string  `json:"span"`
	Name       string  `json:"name"`
	DurationMS float64 `json:"durationMs"`
}

type pageTrace struct {
	ID         string     `json:"id"`
	Service    string     `json:"service"`
	Root       string     `json:"root"`
	Start      string     `json:"start"` // RFC 3339, UTC
	DurationMS float64    `json:"durationMs"`
	Totals     pageTotals `json:"totals"`
	Spans      []pageSpan `json:"spans"`
}

type pageSpan struct {
	ID         string        `json:"id"`
	Parent     string        `json:"parent,omitempty"`
	Depth      int           `json:"depth"`
	Name       string        `json:"name"`
	Kind       string        `json:"kind"` // model, agent, tool, other
	Operation  string        `json:"op,omitempty"`
	Provider   string        `json:"provider,omitempty"`
	Model      string        `json:"model,omitempty"`
	OffsetMS   float64       `json:"offsetMs"`
	DurationMS float64       `json:"durationMs"`
	TTFCMS     *float64      `json:"ttfcMs,omitempty"`
	In         *int64        `json:"in,omitempty"`
	Out        *int64        `json:"out,omitempty"`
	CacheRead  *int64        `json:"cacheRead,omitempty"`
	Reasoning  *int64        `json:"reasoning,omitempty"`
	Params     [][2]string   `json:"params,omitempty"` // gen_ai.request.*, but the model
	Cost       *float64      `json:"cost,omitempty"`
	Finish     []string      `json:"finish,omitempty"`
	Error      string        `json:"error,omitempty"`
	Attrs      [][2]string   `json:"attrs"`
	Events     []pageEvent   `json:"events,omitempty"`
	Input      []pageMessage `json:"input,omitempty"`
	Output     []pageMessage `json:"output,omitempty"`
}

type pageEvent struct {
	Name     string      `json:"name"`
	OffsetMS float64     `json:"offsetMs"`
	Attrs    [][2]string `json:"attrs"`
}

type pageMessage struct {
	Role   string   `json:"role"`
	Parts  []string `json:"parts"`
	Finish string   `json:"finish,omitempty"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func totalsData(t Totals) pageTotals {
	return pageTotals{Calls: t.Calls, Errors: t.Errors, In: t.InputTokens, Out: t.OutputTokens,
		CacheRead: t.CacheRead, Reasoning: t.Reasoning, Cost: t.Cost, HasCost: t.HasCost}
}

// contentAttrs are shown as a transcript, not among the attributes.
var contentAttrs = map[string]bool{attrInputMsgs: true, attrOutputMsgs: true, attrSystemInstr: true}

// NewPageData returns what the page shows of traces, newest first.
func NewPageData(title string, traces []*Trace, now time.Time) PageData {
	sum := Summarize(traces)
	d := PageData{Title: title, Generated: now.UTC().Format(time.RFC3339)}
	d.Summary = pageSummary{
		Traces: sum.Traces, Totals: totalsData(sum.Totals), Agents: sum.Agents, ToolRuns: sum.ToolRuns,
		LatencyMS: [2]float64{ms(sum.Latency.P50), ms(sum.Latency.P95)},
		TTFCMS:    [2]float64{ms(sum.TTFC.P50), ms(sum.TTFC.P95)}, Streams: sum.TTFC.N,
	}
	group := func(g Group) pageGroup {
		return pageGroup{
			Provider: g.Provider, Model: g.Model, Totals: totalsData(g.Totals),
			LatencyMS: [2]float64{ms(g.Latency.P50), ms(g.Latency.P95)},
			TTFCMS:    [2]float64{ms(g.TTFC.P50), ms(g.TTFC.P95)}, Streams: g.TTFC.N,
		}
	}
	for _, g := range sum.ByModel {
		d.Summary.ByModel = append(d.Summary.ByModel, group(g))
	}
	for _, g := range sum.ByProvider {
		d.Summary.ByProvider = append(d.Summary.ByProvider, group(g))
	}
	for _, s := range sum.Slowest {
		d.Summary.Slowest = append(d.Summary.Slowest, pageCall{Trace: s.TraceID, Span: s.SpanID, Name: s.Name, DurationMS: ms(s.Duration())})
	}
	for i := len(traces) - 1; i >= 0; i-- {
		d.Traces = append(d.Traces, traceData(traces[i]))
	}
	return d
}

func traceData(t *Trace) pageTrace {
	pt := pageTrace{
		ID: t.ID, Service: traceService(t), Start: t.Start.UTC().Format(time.RFC3339Nano),
		DurationMS: ms(t.End.Sub(t.Start)), Totals: totalsData(TraceTotals(t)),
	}
	if len(t.Roots) > 0 {
		pt.Root = t.Roots[0].Span.Name
	}
	for _, n := range t.Nodes() {
		s := n.Span
		ps := pageSpan{
			ID: s.SpanID, Parent: s.ParentID, Depth: n.Depth, Name: s.Name, Operation: s.Operation(),
			OffsetMS: ms(s.Start.Sub(t.Start)), DurationMS: ms(s.Duration()), Finish: s.FinishReasons(), Error: s.ErrorText(),
		}
		if ps.Kind = s.Role(); ps.Kind == "model" {
			ps.Provider, ps.Model = s.Provider(), s.Model()
		}
		if d, ok := s.TTFC(); ok {
			v := ms(d)
			ps.TTFCMS = &v
		}
		if in, out, ok := s.Tokens(); ok {
			ps.In, ps.Out = &in, &out
		}
		if c, ok := s.Cost(); ok {
			ps.Cost = &c
		}
		if n, ok := s.int(attrCacheRead); ok {
			ps.CacheRead = &n
		}
		if n, ok := s.int(attrReasoning); ok {
			ps.Reasoning = &n
		}
		ps.Attrs = attrPairs(s.Attrs, contentAttrs)
		for _, kv := range ps.Attrs {
			if p, ok := strings.CutPrefix(kv[0], "gen_ai.request."); ok && p != "model" {
				ps.Params = append(ps.Params, [2]string{p, kv[1]})
			}
		}
		ps.Attrs = append([][2]string{{"span.kind", spanKindName(s.Kind)}, {"trace_id", s.TraceID}, {"span_id", s.SpanID}}, ps.Attrs...)
		if s.Scope != "" {
			ps.Attrs = append(ps.Attrs, [2]string{"otel.scope.name", s.Scope})
		}
		for _, ev := range s.Events {
			ps.Events = append(ps.Events, pageEvent{Name: ev.Name, OffsetMS: ms(ev.Time.Sub(s.Start)), Attrs: attrPairs(ev.Attrs, nil)})
		}
		in, out := s.Transcript()
		ps.Input, ps.Output = messagesData(in), messagesData(out)
		pt.Spans = append(pt.Spans, ps)
	}
	return pt
}

func attrPairs(attrs map[string]any, skip map[string]bool) [][2]string {
	keys := make([]string, 0, len(attrs))
	for k := range attrs {
		if !skip[k] {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	out := make([][2]string, len(keys))
	for i, k := range keys {
		out[i] = [2]string{k, FormatValue(attrs[k])}
	}
	return out
}

func messagesData(msgs []Message) []pageMessage {
	var out []pageMessage
	for _, m := range msgs {
		pm := pageMessage{Role: m.Role, Finish: m.FinishReason}
		for _, p := range m.Parts {
			pm.Parts = append(pm.Parts, PartText(p))
		}
		out = append(out, pm)
	}
	return out
}

func spanKindName(k int) string {
	switch k {
	case 1:
		return "internal"
	case 2:
		return "server"
	case 3:
		return "client"
	case 4:
		return "producer"
	case 5:
		return "consumer"
	}
	return "unspecified"
}

// WriteHTML writes the self-contained report of traces: no network, no
// script or style from elsewhere.
func WriteHTML(w io.Writer, title string, traces []*Trace, now time.Time) error {
	data, err := json.Marshal(NewPageData(title, traces, now))
	if err != nil {
		return err
	}
	return reportTemplate.Execute(w, struct {
		Title string
		Data  template.JS // JSON, which html/template does not escape in a script
		Live  bool
	}{title, template.JS(data), false})
}

// writeLivePage writes the page of the live viewer, which fetches its data.
func writeLivePage(w io.Writer, title string) error {
	return reportTemplate.Execute(w, struct {
		Title string
		Data  template.JS
		Live  bool
	}{title, "null", true})
}
