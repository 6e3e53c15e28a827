package pipeline

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// SpanExporter sends ended spans somewhere.
type SpanExporter interface {
	ExportSpans(ctx context.Context, spans []*SpanData) error
	Shutdown(ctx context.Context) error
}

// BatchConfig configures a [BatchProcessor]. A zero or negative value
// stands for its [DefaultBatchConfig] one.
type BatchConfig struct {
	QueueSize int           // spans waiting to be exported; more are dropped
	BatchSize int           // spans per export at most
	Delay     time.Duration // longest wait before a partial batch is exported
	Timeout   time.Duration // bound of one export
	// OnError, when not nil, receives the errors of exports.
	OnError func(error)
}

// DefaultBatchConfig is the specification's batching: a queue of 2048,
// batches of 512, a delay of 5 seconds and a timeout of 30.
var DefaultBatchConfig = BatchConfig{QueueSize: 2048, BatchSize: 512, Delay: 5 * time.Second, Timeout: 30 * time.Second}

// BatchProcessor exports ended spans in batches from a goroutine of its
// own, through a bounded queue: ending a span never waits for an export.
type BatchProcessor struct {
	exporter SpanExporter
	cfg      BatchConfig
	queue    chan *SpanData

	ended, exported atomic.Int64

	stopOnce sync.Once
	stopping chan struct{}
	done     chan struct{}
	stopCtx  context.Context // of Shutdown, set before stopping closes
}

// NewBatchProcessor starts a processor exporting to exporter.
func NewBatchProcessor(exporter SpanExporter, cfg BatchConfig) *BatchProcessor {
	def := DefaultBatchConfig
	cfg.QueueSize = orDefault(cfg.QueueSize, def.QueueSize)
	cfg.BatchSize = min(orDefault(cfg.BatchSize, def.BatchSize), cfg.QueueSize)
	cfg.Delay = orDefault(cfg.Delay, def.Delay)
	cfg.Timeout = orDefault(cfg.Timeout, def.Timeout)
	b := &BatchProcessor{
		exporter: exporter, cfg: cfg,
		queue:    make(chan *SpanData, cfg.QueueSize),
		stopping: make(chan struct{}),
		done:     make(chan struct{}),
	}
	go b.run()
	return b
}

// OnEnd queues s for export, or drops it when the queue is full or the
// processor has shut down.
func (b *BatchProcessor) OnEnd(s *SpanData) {
	b.ended.Add(1)
	select {
	case <-b.stopping:
		return
	default:
	}
	select {
	case b.queue <- s:
	default:
	}
}

// Ended is the number of spans ended into the processor; Exported, of
// those the exporter took without error.
func (b *BatchProcessor) Ended() int64    { return b.ended.Load() }
func (b *BatchProcessor) Exported() int64 { return b.exported.Load() }

func (b *BatchProcessor) run() {
	defer close(b.done)
	timer := time.NewTimer(b.cfg.Delay)
	defer timer.Stop()
	batch := make([]*SpanData, 0, b.cfg.BatchSize)
	flush := func(ctx context.Context) {
		if len(batch) > 0 {
			b.export(ctx, batch)
			batch = make([]*SpanData, 0, b.cfg.BatchSize)
		}
	}
	// add queues s in the batch, and exports the batch once it is full.
	add := func(ctx context.Context, s *SpanData) {
		if batch = append(batch, s); len(batch) >= b.cfg.BatchSize {
			flush(ctx)
		}
	}
	for {
		select {
		case s := <-b.queue:
			add(context.Background(), s)
		case <-timer.C:
			flush(context.Background())
			timer.Reset(b.cfg.Delay)
		case <-b.stopping:
			// Export what is queued, within Shutdown's context.
			for len(b.queue) > 0 {
				add(b.stopCtx, <-b.queue)
			}
			flush(b.stopCtx)
			return
		}
	}
}

func (b *BatchProcessor) export(ctx context.Context, batch []*SpanData) {
	if ctx.Err() != nil {
		return // past the deadline of Shutdown: the spans are lost
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	err := b.exporter.ExportSpans(ctx, batch)
	if err == nil {
		b.exported.Add(int64(len(batch)))
	} else if b.cfg.OnError != nil {
		b.cfg.OnError(err)
	}
}

// Shutdown exports the queued spans and shuts the exporter down, within
// ctx. Spans that end later are dropped. It is safe to call more than once.
func (b *BatchProcessor) Shutdown(ctx context.Context) error {
	first := false
	b.stopOnce.Do(func() {
		first = true
		b.stopCtx = ctx
		close(b.stopping)
	})
	if !first {
		return nil
	}
	select {
	case <-b.done:
	case <-ctx.Done():
	}
	return b.exporter.Shutdown(ctx)
}

// orDefault is v, or def when v is not positive.
func orDefault[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
