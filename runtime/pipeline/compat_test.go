package pipeline_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/llminstr/llminstr/runtime/pipeline"
)

// recorder is a span exporter that keeps what it is given.
type recorder struct{ spans []*pipeline.SpanData }

func (r *recorder) ExportSpans(_ context.Context, spans []*pipeline.SpanData) error {
	r.spans = append(r.spans, spans...)
	return nil
}
func (r *recorder) Shutdown(context.Context) error { return nil }

// script does to tp's spans what instrumentation does, and more: every
// kind of attribute, limits overrun, duplicate keys, status changes,
// events, links, errors, renames, work after End, parents and new roots.
func script(tp trace.TracerProvider) {
	tr := tp.Tracer("scope", trace.WithInstrumentationVersion("1.2.3"))
	ctx, root := tr.Start(context.Background(), "invoke_agent", trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attribute.String("gen_ai.agent.name", "planner")))
	linked := root.SpanContext()
	// Values longer than the limit are cut. (The SDK does not cut a value
	// that replaces another when the span is at its attribute limit; the
	// specification has it cut. Nor do the SDK's versions agree on
	// whether the limit counts bytes or characters: see
	// TestTruncateCharacters.)
	_, chat := tr.Start(ctx, "chat", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("s", "hello world"), attribute.StringSlice("ss", []string{"abcdef", "ü"})),
		trace.WithLinks(trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{attribute.Int("a", 1), attribute.Int("b", 2), attribute.Int("c", 3)}}))
	for i := range 6 {
		chat.SetAttributes(attribute.Int(fmt.Sprintf("k%d", i), i))
	}
	chat.SetAttributes(attribute.Int("k0", 100), attribute.String("long", "héllo wörld"), attribute.StringSlice("list", []string{"abcdef", "ü"}),
		attribute.KeyValue{}, attribute.Bool("k1", true))
	chat.SetName("chat gpt-4o-mini")
	for i := range 5 {
		chat.AddEvent(fmt.Sprintf("event %d", i), trace.WithAttributes(attribute.Int("x", i), attribute.Int("y", i), attribute.Int("z", i)))
	}
	chat.RecordError(errors.New("429 Too Many Requests"))
	chat.RecordError(nil)
	chat.SetStatus(codes.Error, "rate limited")
	chat.SetStatus(codes.Unset, "")
	chat.End()
	chat.SetAttributes(attribute.String("after", "end"))
	chat.AddEvent("after end")
	chat.SetStatus(codes.Ok, "")
	chat.End()

	_, tool := tr.Start(ctx, "execute_tool", trace.WithSpanKind(trace.SpanKindServer))
	tool.SetStatus(codes.Ok, "ignored")
	tool.SetStatus(codes.Error, "too late")
	tool.End()

	_, other := tr.Start(ctx, "new root", trace.WithNewRoot())
	other.End()
	root.End()
}

// TestSpansAsTheSDKRecordsThem: the same operations give the same spans
// through the pipeline as through the OpenTelemetry SDK, limits applied
// alike, save for IDs and times.
func TestSpansAsTheSDKRecordsThem(t *testing.T) {
	sdkLimits := sdktrace.SpanLimits{
		AttributeValueLengthLimit: 4, AttributeCountLimit: 5, EventCountLimit: 3, LinkCountLimit: 2,
		AttributePerEventCountLimit: 2, AttributePerLinkCountLimit: 2,
	}
	want := tracetest.NewInMemoryExporter()
	sdk := sdktrace.NewTracerProvider(sdktrace.WithSyncer(want), sdktrace.WithRawSpanLimits(sdkLimits))
	script(sdk)
	sdkSpans := want.GetSpans() // synchronously exported; Shutdown clears them

	got := &recorder{}
	limits := pipeline.Limits{
		AttributeValueLength: 4, Attributes: 5, Events: 3, Links: 2, AttributesPerEvent: 2, AttributesPerLink: 2,
	}
	tp := pipeline.NewTracerProvider(&pipeline.Resource{}, pipeline.Sampler{}, limits, pipeline.NewBatchProcessor(got, pipeline.BatchConfig{}))
	script(tp)
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	type event struct {
		Name    string
		Attrs   []attribute.KeyValue
		Dropped int
	}
	type span struct {
		Name, Scope      string
		Kind             trace.SpanKind
		ParentIndex      int // -1: a root
		Attrs            []attribute.KeyValue
		DroppedAttrs     int
		Events           []event
		DroppedEvents    int
		Links            []int // index of the linked span, attributes
		LinkAttrs        [][]attribute.KeyValue
		Status           codes.Code
		StatusText       string
		EndsAfterStart   bool
		DroppedLinks     int
		SampledAndLocal  bool
		SameTraceAsRoot0 bool
	}
	normalize := func(n int, id func(i int) (trace.SpanContext, trace.SpanContext), describe func(i int) span) []span {
		out := make([]span, n)
		for i := range out {
			out[i] = describe(i)
			sc, parent := id(i)
			out[i].ParentIndex = -1
			for j := range n {
				if other, _ := id(j); parent.IsValid() && other.SpanID() == parent.SpanID() {
					out[i].ParentIndex = j
				}
			}
			out[i].SampledAndLocal = sc.IsSampled() && !sc.IsRemote()
			root, _ := id(n - 1)
			out[i].SameTraceAsRoot0 = sc.TraceID() == root.TraceID()
		}
		return out
	}
	wantSpans := normalize(len(sdkSpans), func(i int) (trace.SpanContext, trace.SpanContext) {
		return sdkSpans[i].SpanContext, sdkSpans[i].Parent
	}, func(i int) span {
		s := sdkSpans[i]
		d := span{Name: s.Name, Scope: s.InstrumentationLibrary.Name + "@" + s.InstrumentationLibrary.Version, Kind: s.SpanKind,
			Attrs: s.Attributes, DroppedAttrs: s.DroppedAttributes, DroppedEvents: s.DroppedEvents, DroppedLinks: s.DroppedLinks,
			Status: s.Status.Code, StatusText: s.Status.Description, EndsAfterStart: !s.EndTime.Before(s.StartTime)}
		for _, e := range s.Events {
			d.Events = append(d.Events, event{e.Name, e.Attributes, e.DroppedAttributeCount})
		}
		for _, l := range s.Links {
			for j := range sdkSpans {
				if sdkSpans[j].SpanContext.SpanID() == l.SpanContext.SpanID() {
					d.Links = append(d.Links, j)
				}
			}
			d.LinkAttrs = append(d.LinkAttrs, l.Attributes)
		}
		return d
	})
	gotSpans := normalize(len(got.spans), func(i int) (trace.SpanContext, trace.SpanContext) {
		return got.spans[i].SpanContext, got.spans[i].Parent
	}, func(i int) span {
		s := got.spans[i]
		d := span{Name: s.Name, Scope: s.Scope.Name + "@" + s.Scope.Version, Kind: s.Kind,
			Attrs: s.Attributes, DroppedAttrs: s.DroppedAttributes, DroppedEvents: s.DroppedEvents, DroppedLinks: s.DroppedLinks,
			Status: s.Status.Code, StatusText: s.Status.Description, EndsAfterStart: !s.End.Before(s.Start)}
		for _, e := range s.Events {
			d.Events = append(d.Events, event{e.Name, e.Attributes, e.DroppedAttributes})
		}
		for _, l := range s.Links {
			for j := range got.spans {
				if got.spans[j].SpanContext.SpanID() == l.SpanContext.SpanID() {
					d.Links = append(d.Links, j)
				}
			}
			d.LinkAttrs = append(d.LinkAttrs, l.Attributes)
		}
		return d
	})
	if len(gotSpans) != 4 || len(wantSpans) != 4 {
		t.Fatalf("got %d spans, the SDK %d; want 4", len(gotSpans), len(wantSpans))
	}
	for i := range wantSpans {
		if !reflect.DeepEqual(gotSpans[i], wantSpans[i]) {
			t.Errorf("span %d:\n got %+v\nwant %+v", i, gotSpans[i], wantSpans[i])
		}
	}
}

// TestTruncateCharacters: the value length limit counts characters, as
// the specification and the SDK's later versions have it, so that a cut
// value stays valid UTF-8.
func TestTruncateCharacters(t *testing.T) {
	got := &recorder{}
	limits := pipeline.DefaultLimits
	limits.AttributeValueLength = 4
	tp := pipeline.NewTracerProvider(&pipeline.Resource{}, pipeline.Sampler{}, limits, pipeline.NewBatchProcessor(got, pipeline.BatchConfig{}))
	_, s := tp.Tracer("t").Start(context.Background(), "x")
	s.SetAttributes(attribute.String("s", "héllo"), attribute.StringSlice("ss", []string{"✓✓✓✓✓", "ab"}), attribute.String("k", "abcd"))
	s.SetAttributes(attribute.String("k", "wörld"))
	s.End()
	tp.Shutdown(context.Background())
	want := []attribute.KeyValue{attribute.String("s", "héll"), attribute.StringSlice("ss", []string{"✓✓✓✓", "ab"}), attribute.String("k", "wörl")}
	if len(got.spans) != 1 || !reflect.DeepEqual(got.spans[0].Attributes, want) {
		t.Errorf("got %v, want %v", got.spans, want)
	}
}

// TestSamplersAsTheSDKs: for the same parents and trace IDs, each sampler
// decides as the SDK's sampler of the same name.
func TestSamplersAsTheSDKs(t *testing.T) {
	for _, tc := range []struct {
		env map[string]string
		sdk sdktrace.Sampler
	}{
		{map[string]string{}, sdktrace.ParentBased(sdktrace.AlwaysSample())},
		{map[string]string{"OTEL_TRACES_SAMPLER": "always_on"}, sdktrace.AlwaysSample()},
		{map[string]string{"OTEL_TRACES_SAMPLER": "always_off"}, sdktrace.NeverSample()},
		{map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_always_off"}, sdktrace.ParentBased(sdktrace.NeverSample())},
		{map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"}, sdktrace.TraceIDRatioBased(0.25)},
		{map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.5"}, sdktrace.ParentBased(sdktrace.TraceIDRatioBased(0.5))},
		{map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"}, sdktrace.TraceIDRatioBased(0)},
	} {
		sampler, warning := pipeline.SamplerFromEnv(func(k string) string { return tc.env[k] })
		if warning != "" {
			t.Errorf("%v: %s", tc.env, warning)
		}
		got := &recorder{}
		tp := pipeline.NewTracerProvider(&pipeline.Resource{}, sampler, pipeline.DefaultLimits, pipeline.NewBatchProcessor(got, pipeline.BatchConfig{}))
		tr := tp.Tracer("t")
		differ := 0
		for i := range 2000 {
			var id trace.TraceID
			for j := range id {
				id[j] = byte(rand.Uint32())
			}
			// A remote parent, sampled or not, gives the trace ID; the
			// samplers that are not parent-based decide by it alone.
			parent := trace.NewSpanContext(trace.SpanContextConfig{
				TraceID: id, SpanID: trace.SpanID{1}, TraceFlags: trace.TraceFlags(i % 2), Remote: true,
			})
			ctx := trace.ContextWithRemoteSpanContext(context.Background(), parent)
			_, s := tr.Start(ctx, "x")
			want := tc.sdk.ShouldSample(sdktrace.SamplingParameters{ParentContext: ctx, TraceID: id, Name: "x"}).Decision == sdktrace.RecordAndSample
			if s.SpanContext().IsSampled() != want || s.IsRecording() != want {
				differ++
			}
			s.End()
		}
		tp.Shutdown(context.Background())
		if differ > 0 {
			t.Errorf("%v: %d of 2000 decisions differ from the SDK's", tc.env, differ)
		}
	}
	if _, warning := pipeline.SamplerFromEnv(func(k string) string {
		return map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "2"}[k]
	}); warning == "" {
		t.Error("a ratio of 2 is not reported")
	}
}

// TestBatchProcessorExportsOnDelay: a partial batch is exported after the
// delay, without a shutdown; after Shutdown the goroutine is gone and
// ended spans are dropped.
func TestBatchProcessorExportsOnDelay(t *testing.T) {
	got := make(chan int, 10)
	exporter := exportFunc(func(spans []*pipeline.SpanData) { got <- len(spans) })
	p := pipeline.NewBatchProcessor(exporter, pipeline.BatchConfig{QueueSize: 10, BatchSize: 5, Delay: 20 * time.Millisecond})
	tp := pipeline.NewTracerProvider(&pipeline.Resource{}, pipeline.Sampler{}, pipeline.DefaultLimits, p)
	for range 7 {
		_, s := tp.Tracer("t").Start(context.Background(), "x")
		s.End()
	}
	if n := <-got; n != 5 {
		t.Errorf("first batch: %d spans, want 5", n)
	}
	select {
	case n := <-got:
		if n != 2 {
			t.Errorf("second batch: %d spans, want 2", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the partial batch was not exported after the delay")
	}
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, s := tp.Tracer("t").Start(context.Background(), "late")
	s.End()
	if s.SpanContext().IsSampled() || p.Ended() != 7 || p.Exported() != 7 {
		t.Errorf("after shutdown: sampled %v, ended %d, exported %d", s.SpanContext().IsSampled(), p.Ended(), p.Exported())
	}
}

type exportFunc func([]*pipeline.SpanData)

func (f exportFunc) ExportSpans(_ context.Context, spans []*pipeline.SpanData) error {
	f(spans)
	return nil
}
func (exportFunc) Shutdown(context.Context) error { return nil }
