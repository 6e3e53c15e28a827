package view

import (
	"cmp"
	"slices"
	"time"
)

// Totals sums the model calls of a set of spans.
type Totals struct {
	Calls        int
	Errors       int
	InputTokens  int64
	OutputTokens int64
	CacheRead    int64
	Reasoning    int64
	Cost         float64
	HasCost      bool // some call had a cost
}

func (t *Totals) add(s *Span) {
	t.Calls++
	if s.Failed() {
		t.Errors++
	}
	in, out, _ := s.Tokens()
	t.InputTokens += in
	t.OutputTokens += out
	if n, ok := s.int(attrCacheRead); ok {
		t.CacheRead += n
	}
	if n, ok := s.int(attrReasoning); ok {
		t.Reasoning += n
	}
	if c, ok := s.Cost(); ok {
		t.Cost += c
		t.HasCost = true
	}
}

// TraceTotals sums the model calls of a trace.
func TraceTotals(t *Trace) Totals {
	var tot Totals
	for _, s := range t.Spans {
		if s.IsModelCall() {
			tot.add(s)
		}
	}
	return tot
}

// Group is the model calls of one provider and model.
type Group struct {
	Provider string
	Model    string
	Totals
	Latency Percentiles
	TTFC    Percentiles // of streamed calls
}

// Percentiles of a set of durations (nearest rank); N is their number.
type Percentiles struct {
	N        int
	P50, P95 time.Duration
	Max      time.Duration
}

func percentiles(ds []time.Duration) Percentiles {
	if len(ds) == 0 {
		return Percentiles{}
	}
	slices.Sort(ds)
	rank := func(p int) time.Duration {
		i := (p*len(ds) + 99) / 100 // ceil(p/100 * n)
		return ds[max(i, 1)-1]
	}
	return Percentiles{N: len(ds), P50: rank(50), P95: rank(95), Max: ds[len(ds)-1]}
}

// Summary aggregates the model calls of a set of traces.
type Summary struct {
	Traces     int
	Totals     Totals
	Latency    Percentiles
	TTFC       Percentiles
	ByModel    []Group // by provider, then model
	ByProvider []Group // the same, summed by provider (Model is "")
	Slowest    []*Span // the slowest calls, slowest first
	Agents     int     // invoke_agent spans
	ToolRuns   int     // execute_tool spans
}

// slowestShown is how many of the slowest calls a summary keeps.
const slowestShown = 5

// Summarize aggregates the model calls of traces.
func Summarize(traces []*Trace) Summary {
	sum := Summary{Traces: len(traces)}
	type acc struct {
		g         Group
		lat, ttfc []time.Duration
	}
	groups := map[[2]string]*acc{}
	providers := map[string]*acc{}
	var all, allTTFC []time.Duration
	var calls []*Span
	for _, t := range traces {
		for _, s := range t.Spans {
			switch s.Operation() {
			case "invoke_agent":
				sum.Agents++
			case "execute_tool":
				sum.ToolRuns++
			}
			if !s.IsModelCall() {
				continue
			}
			calls = append(calls, s)
			sum.Totals.add(s)
			key := [2]string{s.Provider(), s.Model()}
			a := groups[key]
			if a == nil {
				a = &acc{g: Group{Provider: key[0], Model: key[1]}}
				groups[key] = a
			}
			p := providers[key[0]]
			if p == nil {
				p = &acc{g: Group{Provider: key[0]}}
				providers[key[0]] = p
			}
			for _, a := range []*acc{a, p} {
				a.g.Totals.add(s)
				a.lat = append(a.lat, s.Duration())
				if d, ok := s.TTFC(); ok {
					a.ttfc = append(a.ttfc, d)
				}
			}
			all = append(all, s.Duration())
			if d, ok := s.TTFC(); ok {
				allTTFC = append(allTTFC, d)
			}
		}
	}
	sum.Latency, sum.TTFC = percentiles(all), percentiles(allTTFC)
	for _, a := range groups {
		a.g.Latency, a.g.TTFC = percentiles(a.lat), percentiles(a.ttfc)
		sum.ByModel = append(sum.ByModel, a.g)
	}
	for _, a := range providers {
		a.g.Latency, a.g.TTFC = percentiles(a.lat), percentiles(a.ttfc)
		sum.ByProvider = append(sum.ByProvider, a.g)
	}
	byName := func(a, b Group) int {
		return cmp.Or(cmp.Compare(a.Provider, b.Provider), cmp.Compare(a.Model, b.Model))
	}
	slices.SortFunc(sum.ByModel, byName)
	slices.SortFunc(sum.ByProvider, byName)
	slices.SortStableFunc(calls, func(a, b *Span) int { return cmp.Compare(b.Duration(), a.Duration()) })
	sum.Slowest = calls[:min(len(calls), slowestShown)]
	return sum
}
