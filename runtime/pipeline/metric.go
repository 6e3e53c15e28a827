package pipeline

import (
	"context"
	"errors"
	"math"
	"sort"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// MetricExporter sends collected metrics somewhere, and says how it wants
// them aggregated.
type MetricExporter interface {
	// Temporality is the temporality wanted for counters and histograms
	// (the pipeline has no up-down counters, for which it may differ).
	Temporality() Temporality
	// ExponentialHistograms reports whether histograms are wanted base-2
	// exponential rather than with their explicit bucket boundaries.
	ExponentialHistograms() bool
	Export(ctx context.Context, m *Metrics) error
	Shutdown(ctx context.Context) error
}

// ReaderConfig configures how often metrics are collected for an exporter.
// A zero or negative value stands for its [DefaultReaderConfig] one.
type ReaderConfig struct {
	Interval time.Duration // between collections
	Timeout  time.Duration // bound of one export
	// OnError, when not nil, receives the errors of exports.
	OnError func(error)
}

// DefaultReaderConfig is the specification's: a collection every minute,
// an export timeout of 30 seconds.
var DefaultReaderConfig = ReaderConfig{Interval: time.Minute, Timeout: 30 * time.Second}

// cardinalityLimit bounds the attribute sets of one instrument; points
// beyond it are aggregated into one with otel.metric.overflow=true, as
// the specification has it.
const cardinalityLimit = 2000

var overflowSet = attribute.NewSet(attribute.Bool("otel.metric.overflow", true))

// MeterProvider is a [metric.MeterProvider] that aggregates its
// instruments' measurements in memory and exports them periodically, to
// each exporter as it asks.
type MeterProvider struct {
	noop.MeterProvider

	resource *Resource
	readers  []*reader

	mu       sync.Mutex
	meters   []*meter
	byScope  map[Scope]*meter
	stopOnce sync.Once
}

// NewMeterProvider returns a provider of resource, exporting to each
// exporter from a goroutine of its own every cfg.Interval.
func NewMeterProvider(resource *Resource, cfg ReaderConfig, exporters ...MetricExporter) *MeterProvider {
	cfg.Interval = orDefault(cfg.Interval, DefaultReaderConfig.Interval)
	cfg.Timeout = orDefault(cfg.Timeout, DefaultReaderConfig.Timeout)
	p := &MeterProvider{resource: resource, byScope: map[Scope]*meter{}}
	for i, e := range exporters {
		r := &reader{provider: p, index: i, exporter: e, cfg: cfg, stopping: make(chan struct{}), done: make(chan struct{})}
		p.readers = append(p.readers, r)
	}
	for _, r := range p.readers {
		go r.run()
	}
	return p
}

// Meter returns the meter of the named instrumentation scope.
func (p *MeterProvider) Meter(name string, options ...metric.MeterOption) metric.Meter {
	cfg := metric.NewMeterConfig(options...)
	scope := Scope{Name: name, Version: cfg.InstrumentationVersion(), SchemaURL: cfg.SchemaURL()}
	p.mu.Lock()
	defer p.mu.Unlock()
	if m, ok := p.byScope[scope]; ok {
		return m
	}
	m := &meter{provider: p, scope: scope, byID: map[instrumentID]*instrument{}}
	p.byScope[scope] = m
	p.meters = append(p.meters, m)
	return m
}

// Shutdown exports what was measured since the last export and shuts the
// exporters down, within ctx. It is safe to call more than once.
func (p *MeterProvider) Shutdown(ctx context.Context) error {
	var errs []error
	p.stopOnce.Do(func() {
		var wg sync.WaitGroup
		errs = make([]error, len(p.readers))
		for i, r := range p.readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = r.shutdown(ctx)
			}()
		}
		wg.Wait()
	})
	return errors.Join(errs...)
}

// collect returns the metrics of reader index, as of now.
func (p *MeterProvider) collect(index int, now time.Time) *Metrics {
	p.mu.Lock()
	meters := append([]*meter(nil), p.meters...)
	p.mu.Unlock()
	out := &Metrics{Resource: p.resource}
	for _, m := range meters {
		sm := ScopeMetrics{Scope: m.scope}
		m.mu.Lock()
		instruments := append([]*instrument(nil), m.instruments...)
		m.mu.Unlock()
		for _, inst := range instruments {
			if metric, ok := inst.streams[index].collect(inst, now); ok {
				sm.Metrics = append(sm.Metrics, metric)
			}
		}
		if len(sm.Metrics) > 0 {
			out.Scopes = append(out.Scopes, sm)
		}
	}
	return out
}

// reader collects metrics for one exporter periodically and at shutdown.
type reader struct {
	provider *MeterProvider
	index    int
	exporter MetricExporter
	cfg      ReaderConfig

	stopping, done chan struct{}
}

func (r *reader) run() {
	defer close(r.done)
	ticker := time.NewTicker(r.cfg.Interval)
	defer ticker.Stop()
	for {
		select {
		case <-ticker.C:
			if err := r.export(context.Background()); err != nil && r.cfg.OnError != nil {
				r.cfg.OnError(err)
			}
		case <-r.stopping:
			return
		}
	}
}

// export collects and exports, unless there is nothing to export.
func (r *reader) export(ctx context.Context) error {
	m := r.provider.collect(r.index, time.Now())
	if len(m.Scopes) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	return r.exporter.Export(ctx, m)
}

func (r *reader) shutdown(ctx context.Context) error {
	close(r.stopping)
	select {
	case <-r.done:
	case <-ctx.Done():
		return ctx.Err()
	}
	err := r.export(ctx)
	return errors.Join(err, r.exporter.Shutdown(ctx))
}

type instrumentID struct {
	name, description, unit string
	kind                    instrumentKind
	float                   bool
}

// instrumentKind is the kind of an instrument: what it aggregates to.
type instrumentKind int

const (
	kindCounter   instrumentKind = iota + 1 // a monotonic sum
	kindHistogram                           // a histogram
)

type meter struct {
	noop.Meter
	provider *MeterProvider
	scope    Scope

	mu          sync.Mutex
	instruments []*instrument
	byID        map[instrumentID]*instrument
}

// instrument returns the instrument of id, created on first use with one
// stream per reader.
func (m *meter) instrument(id instrumentID, bounds []float64) *instrument {
	m.mu.Lock()
	defer m.mu.Unlock()
	if inst, ok := m.byID[id]; ok {
		return inst
	}
	if !validBounds(bounds) {
		bounds = defaultBounds
	}
	inst := &instrument{id: id, bounds: bounds}
	now := time.Now()
	for _, r := range m.provider.readers {
		inst.streams = append(inst.streams, &stream{
			temporality: r.exporter.Temporality(),
			exponential: id.kind == kindHistogram && r.exporter.ExponentialHistograms(),
			start:       now,
			series:      map[attribute.Distinct]*series{},
		})
	}
	m.byID[id] = inst
	m.instruments = append(m.instruments, inst)
	return inst
}

// defaultBounds are the specification's default histogram boundaries.
var defaultBounds = []float64{0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000}

func validBounds(b []float64) bool {
	if len(b) == 0 {
		return false
	}
	for i, v := range b {
		if math.IsNaN(v) || math.IsInf(v, 0) || i > 0 && v <= b[i-1] {
			return false
		}
	}
	return true
}

func (m *meter) Int64Counter(name string, options ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	cfg := metric.NewInt64CounterConfig(options...)
	inst := m.instrument(instrumentID{name: name, description: cfg.Description(), unit: cfg.Unit(), kind: kindCounter}, nil)
	return int64Counter{inst: inst}, nil
}

func (m *meter) Int64Histogram(name string, options ...metric.Int64HistogramOption) (metric.Int64Histogram, error) {
	cfg := metric.NewInt64HistogramConfig(options...)
	inst := m.instrument(instrumentID{name: name, description: cfg.Description(), unit: cfg.Unit(), kind: kindHistogram}, cfg.ExplicitBucketBoundaries())
	return int64Histogram{inst: inst}, nil
}

func (m *meter) Float64Histogram(name string, options ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	cfg := metric.NewFloat64HistogramConfig(options...)
	inst := m.instrument(instrumentID{name: name, description: cfg.Description(), unit: cfg.Unit(), kind: kindHistogram, float: true}, cfg.ExplicitBucketBoundaries())
	return float64Histogram{inst: inst}, nil
}

type int64Counter struct {
	noop.Int64Counter
	inst *instrument
}

func (c int64Counter) Add(_ context.Context, n int64, options ...metric.AddOption) {
	if n >= 0 {
		c.inst.measure(metric.NewAddConfig(options).Attributes(), float64(n), n)
	}
}

type int64Histogram struct {
	noop.Int64Histogram
	inst *instrument
}

func (h int64Histogram) Record(_ context.Context, n int64, options ...metric.RecordOption) {
	if n >= 0 {
		h.inst.measure(metric.NewRecordConfig(options).Attributes(), float64(n), n)
	}
}

type float64Histogram struct {
	noop.Float64Histogram
	inst *instrument
}

func (h float64Histogram) Record(_ context.Context, v float64, options ...metric.RecordOption) {
	if v >= 0 && !math.IsInf(v, 0) { // also false for NaN
		h.inst.measure(metric.NewRecordConfig(options).Attributes(), v, 0)
	}
}

type instrument struct {
	id      instrumentID
	bounds  []float64
	streams []*stream // one per reader
}

// measure adds a measurement, f as a float and n as an integer.
func (inst *instrument) measure(attrs attribute.Set, f float64, n int64) {
	for _, s := range inst.streams {
		s.measure(inst, attrs, f, n)
	}
}

// stream is what one reader has of an instrument.
type stream struct {
	temporality Temporality
	exponential bool

	mu     sync.Mutex
	start  time.Time
	series map[attribute.Distinct]*series
}

// series aggregates the measurements of one attribute set.
type series struct {
	attrs    attribute.Set
	count    uint64
	sumInt   int64
	sum      float64
	min, max float64
	buckets  []uint64     // explicit
	expo     *expoBuckets // exponential
}

func (s *stream) measure(inst *instrument, attrs attribute.Set, f float64, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := attrs.Equivalent()
	se, ok := s.series[key]
	if !ok {
		if len(s.series) >= cardinalityLimit-1 {
			attrs, key = overflowSet, overflowSet.Equivalent()
			se = s.series[key]
		}
		if se == nil {
			se = &series{attrs: attrs, min: f, max: f}
			if inst.id.kind == kindHistogram {
				if s.exponential {
					se.expo = newExpoBuckets()
				} else {
					se.buckets = make([]uint64, len(inst.bounds)+1)
				}
			}
			s.series[key] = se
		}
	}
	se.count++
	se.sumInt += n
	se.sum += f
	se.min, se.max = min(se.min, f), max(se.max, f)
	switch {
	case se.buckets != nil:
		se.buckets[sort.SearchFloat64s(inst.bounds, f)]++
	case se.expo != nil:
		se.expo.add(f)
	}
}

// collect returns the stream's metric as of now, and false when it has no
// points. A delta stream starts over.
func (s *stream) collect(inst *instrument, now time.Time) (Metric, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.series) == 0 {
		if s.temporality == Delta {
			s.start = now // the next point covers the time since this collection
		}
		return Metric{}, false
	}
	m := Metric{Name: inst.id.name, Description: inst.id.description, Unit: inst.id.unit, Temporality: s.temporality, Integer: !inst.id.float}
	// A stable order, for readers and tests: by the encoded attributes,
	// each encoded once.
	type keyed struct {
		key string
		se  *series
	}
	all := make([]keyed, 0, len(s.series))
	for _, se := range s.series {
		all = append(all, keyed{se.attrs.Encoded(attribute.DefaultEncoder()), se})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].key < all[j].key })
	for _, k := range all {
		se := k.se
		switch {
		case inst.id.kind == kindCounter:
			m.Sum = append(m.Sum, SumPoint{Attributes: se.attrs, Start: s.start, Time: now, Int: se.sumInt, Float: se.sum})
		case se.expo != nil:
			m.ExponentialHistogram = append(m.ExponentialHistogram, se.expo.point(ExponentialPoint{
				Attributes: se.attrs, Start: s.start, Time: now, Count: se.count, Sum: se.sum, Min: se.min, Max: se.max,
			}))
		default:
			m.Histogram = append(m.Histogram, HistogramPoint{
				Attributes: se.attrs, Start: s.start, Time: now, Count: se.count, Sum: se.sum, Min: se.min, Max: se.max,
				Bounds: inst.bounds, BucketCounts: append([]uint64(nil), se.buckets...),
			})
		}
	}
	if s.temporality == Delta {
		s.series = map[attribute.Distinct]*series{}
		s.start = now
	}
	return m, true
}
