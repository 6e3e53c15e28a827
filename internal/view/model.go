// Package view reads the spans of instrumented programs (OTLP/JSON lines,
// OTLP protobuf, or OTLP/HTTP exports as they arrive) and shows their LLM
// calls: as a tree in the terminal, as a self-contained HTML report, and
// live in the browser. It is the library behind llminstr view.
package view

import (
	"slices"
	"sort"
	"sync"
	"time"
)

// Span is one span as the view shows it.
type Span struct {
	TraceID  string
	SpanID   string
	ParentID string
	Name     string
	Kind     int // OTLP Span.SpanKind: 1 internal, 2 server, 3 client, ...
	Start    time.Time
	End      time.Time
	Attrs    map[string]any // string, bool, int64, float64, []any, map[string]any
	Events   []Event
	Status   Status
	Service  string // the resource's service.name
	Scope    string // the instrumentation scope's name
}

// Event is a span event.
type Event struct {
	Name  string
	Time  time.Time
	Attrs map[string]any
}

// Status is a span's status: code 2 is an error.
type Status struct {
	Code    int
	Message string
}

// Duration is how long the span lasted.
func (s *Span) Duration() time.Duration {
	if s.End.Before(s.Start) {
		return 0
	}
	return s.End.Sub(s.Start)
}

// Failed reports whether the span ended with an error status.
func (s *Span) Failed() bool { return s.Status.Code == 2 }

// Set holds spans, each once (by trace and span id), in the order they
// were added. It is safe for concurrent use.
type Set struct {
	mu      sync.Mutex
	spans   []*Span
	seen    map[[2]string]bool
	version int // counts changes, for the live page
}

// NewSet returns an empty set.
func NewSet() *Set { return &Set{seen: map[[2]string]bool{}} }

// Add adds spans it does not hold yet and returns those it added.
func (s *Set) Add(spans ...*Span) []*Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	var added []*Span
	for _, sp := range spans {
		key := [2]string{sp.TraceID, sp.SpanID}
		if s.seen[key] {
			continue
		}
		s.seen[key] = true
		s.spans = append(s.spans, sp)
		added = append(added, sp)
	}
	if len(added) > 0 {
		s.version++
	}
	return added
}

// Len returns the number of spans.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.spans)
}

// Version changes whenever spans are added.
func (s *Set) Version() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.version
}

// Traces returns the spans grouped into traces (see [GroupTraces]).
func (s *Set) Traces() []*Trace {
	s.mu.Lock()
	spans := slices.Clone(s.spans)
	s.mu.Unlock()
	return GroupTraces(spans)
}

// Trace is the spans of one trace, as a forest: spans whose parent is not
// among them are roots.
type Trace struct {
	ID    string
	Roots []*Node
	Spans []*Span // in tree order: each span before its children, siblings by start time
	Start time.Time
	End   time.Time
}

// Node is a span in a trace's tree.
type Node struct {
	Span     *Span
	Depth    int
	Children []*Node
}

// GroupTraces groups spans by trace, in order of their first span's start
// time, and arranges each trace as a tree.
func GroupTraces(spans []*Span) []*Trace {
	byID := map[string]*Trace{}
	var traces []*Trace
	members := map[string][]*Span{}
	for _, sp := range spans {
		t := byID[sp.TraceID]
		if t == nil {
			t = &Trace{ID: sp.TraceID, Start: sp.Start, End: sp.End}
			byID[sp.TraceID] = t
			traces = append(traces, t)
		}
		members[sp.TraceID] = append(members[sp.TraceID], sp)
		if sp.Start.Before(t.Start) {
			t.Start = sp.Start
		}
		if sp.End.After(t.End) {
			t.End = sp.End
		}
	}
	for _, t := range traces {
		group := members[t.ID]
		sort.SliceStable(group, func(i, j int) bool { return group[i].Start.Before(group[j].Start) })
		nodes := map[string]*Node{}
		for _, sp := range group {
			nodes[sp.SpanID] = &Node{Span: sp}
		}
		for _, sp := range group {
			n := nodes[sp.SpanID]
			if parent, ok := nodes[sp.ParentID]; ok && sp.ParentID != "" && parent != n {
				parent.Children = append(parent.Children, n)
			} else {
				t.Roots = append(t.Roots, n)
			}
		}
		var walk func(n *Node, depth int)
		walk = func(n *Node, depth int) {
			n.Depth = depth
			t.Spans = append(t.Spans, n.Span)
			for _, c := range n.Children {
				walk(c, depth+1)
			}
		}
		for _, r := range t.Roots {
			walk(r, 0)
		}
	}
	sort.SliceStable(traces, func(i, j int) bool { return traces[i].Start.Before(traces[j].Start) })
	return traces
}

// Nodes returns the trace's nodes in tree order.
func (t *Trace) Nodes() []*Node {
	var out []*Node
	var walk func(n *Node)
	walk = func(n *Node) {
		out = append(out, n)
		for _, c := range n.Children {
			walk(c)
		}
	}
	for _, r := range t.Roots {
		walk(r)
	}
	return out
}
