package injected

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/llminstr/llminstr/runtime/pipeline"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// The tests are a program that links the OpenTelemetry API, whose main
// package llminstr would give the runtime the global providers.
var _ = SetGlobalProviders(otel.GetTracerProvider, otel.GetMeterProvider)

// withAppProvider installs an application provider recording in memory.
func withAppProvider(t *testing.T) *spanRecorder {
	t.Helper()
	rec := &spanRecorder{}
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })
	return rec
}

// spanRecorder keeps the spans that end, and can forget them, as
// tracetest.SpanRecorder does only from OpenTelemetry v1.3x on: the
// runtime's tests run on the oldest version it supports.
type spanRecorder struct {
	mu    sync.Mutex
	ended []sdktrace.ReadOnlySpan
}

func (r *spanRecorder) OnStart(context.Context, sdktrace.ReadWriteSpan) {}
func (r *spanRecorder) Shutdown(context.Context) error                  { return nil }
func (r *spanRecorder) ForceFlush(context.Context) error                { return nil }

func (r *spanRecorder) OnEnd(s sdktrace.ReadOnlySpan) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended = append(r.ended, s)
}

// Ended returns the spans ended since the last Reset.
func (r *spanRecorder) Ended() []sdktrace.ReadOnlySpan {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]sdktrace.ReadOnlySpan(nil), r.ended...)
}

// Reset forgets the spans ended so far.
func (r *spanRecorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ended = nil
}

func attrMap(kvs []attribute.KeyValue) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range kvs {
		m[kv.Key] = kv.Value
	}
	return m
}

func TestCallRecordsAndEndsOnce(t *testing.T) {
	rec := withAppProvider(t)
	ctx, c := StartInference(context.Background(), OperationChat, "openai", "gpt-4o-mini")
	c.SetTemperature(0.5)
	c.SetChoiceCount(1) // 1 is the default: not recorded
	c.SetServerURL(&url.URL{Scheme: "https", Host: "api.openai.com", Path: "/v1/chat", User: url.UserPassword("u", "secret")})
	c.SetResponse("id-1", "gpt-4o-mini-2024")
	c.SetFinishReasons("stop")
	c.SetUsage(Usage{InputTokens: 12, OutputTokens: 5})
	c.Chunk()
	c.End(nil)
	c.End(errors.New("second end is ignored"))
	c.SetTopP(1) // after End: ignored

	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("got %d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name() != "chat gpt-4o-mini" || s.SpanKind().String() != "client" || s.Status().Code != codes.Unset {
		t.Errorf("name=%q kind=%v status=%v", s.Name(), s.SpanKind(), s.Status())
	}
	if got := s.SpanContext().SpanID(); got != spanIDFrom(ctx) {
		t.Errorf("returned context does not carry the span")
	}
	a := attrMap(s.Attributes())
	want := map[attribute.Key]any{
		"gen_ai.operation.name":          "chat",
		"gen_ai.provider.name":           "openai",
		"gen_ai.request.model":           "gpt-4o-mini",
		"gen_ai.request.temperature":     0.5,
		"server.address":                 "api.openai.com",
		"server.port":                    int64(443),
		"gen_ai.response.id":             "id-1",
		"gen_ai.response.model":          "gpt-4o-mini-2024",
		"gen_ai.usage.input_tokens":      int64(12),
		"gen_ai.usage.output_tokens":     int64(5),
		"gen_ai.response.finish_reasons": []string{"stop"},
	}
	for k, v := range want {
		got, ok := a[k]
		if !ok {
			t.Errorf("missing %s", k)
			continue
		}
		if gotV := got.AsInterface(); !equal(gotV, v) {
			t.Errorf("%s = %#v, want %#v", k, gotV, v)
		}
	}
	for _, k := range []attribute.Key{"gen_ai.request.choice.count", "gen_ai.request.top_p", "error.type"} {
		if _, ok := a[k]; ok {
			t.Errorf("unexpected %s", k)
		}
	}
	if _, ok := a["gen_ai.response.time_to_first_chunk"]; !ok {
		t.Errorf("missing time_to_first_chunk")
	}
	for _, kv := range s.Attributes() {
		if strings.Contains(kv.Value.Emit(), "secret") {
			t.Errorf("%s records URL user info", kv.Key)
		}
	}
}

func equal(a, b any) bool {
	if as, ok := a.([]string); ok {
		bs, ok := b.([]string)
		return ok && strings.Join(as, "\x00") == strings.Join(bs, "\x00")
	}
	return a == b
}

func TestErrorTypes(t *testing.T) {
	rec := withAppProvider(t)
	cases := []struct {
		name    string
		err     error
		errType string
		want    string
	}{
		{"explicit", errors.New("x"), HTTPErrorType(404), "NotFoundError"},
		{"rate limit", errors.New("x"), HTTPErrorType(429), "RateLimitError"},
		{"canceled", context.Canceled, "", "canceled"},
		{"unknown", errors.New("x"), "", "_OTHER"},
	}
	for _, tc := range cases {
		_, c := StartInference(context.Background(), OperationChat, "openai", tc.name)
		c.EndWithErrorType(tc.err, tc.errType)
	}
	spans := rec.Ended()
	if len(spans) != len(cases) {
		t.Fatalf("got %d spans", len(spans))
	}
	for i, tc := range cases {
		a := attrMap(spans[i].Attributes())
		if got := a["error.type"].AsString(); got != tc.want || spans[i].Status().Code != codes.Error {
			t.Errorf("%s: error.type=%q status=%v, want %q and error", tc.name, got, spans[i].Status().Code, tc.want)
		}
	}
}

func TestApplicationProviderSetLaterWins(t *testing.T) {
	// No application provider yet: the runtime uses its own (here: none).
	t.Setenv("OTEL_TRACES_EXPORTER", "none")
	_, c := StartInference(context.Background(), OperationChat, "openai", "m")
	c.End(nil)
	// The application sets up OpenTelemetry after the first call.
	rec := withAppProvider(t)
	_, c = StartInference(context.Background(), OperationChat, "openai", "m")
	c.End(nil)
	if n := len(rec.Ended()); n != 1 {
		t.Fatalf("application provider got %d spans, want 1", n)
	}
}

func TestConcurrentEndsExactlyOnce(t *testing.T) {
	rec := withAppProvider(t)
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		_, c := StartInference(context.Background(), OperationChat, "openai", "m")
		for j := 0; j < 4; j++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c.Chunk()
				c.SetFinishReasons("stop")
				c.End(nil)
			}()
		}
	}
	wg.Wait()
	if n := len(rec.Ended()); n != 100 {
		t.Fatalf("got %d spans, want 100", n)
	}
}

func TestNilCallIsSafe(t *testing.T) {
	var c *Call
	c.SetTemperature(1)
	c.Chunk()
	c.SetServerURL(&url.URL{Host: "x:1"})
	c.End(errors.New("x"))
	if !c.Ended() {
		t.Error("nil call reports not ended")
	}
}

func TestProviderFromEnv(t *testing.T) {
	cases := []struct {
		env     map[string]string
		wantErr bool
		noop    bool
	}{
		{env: map[string]string{}, noop: true},
		{env: map[string]string{"OTEL_SDK_DISABLED": "true", "OTEL_TRACES_EXPORTER": "console"}, noop: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "none"}, noop: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "console"}},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, wantErr: true, noop: true},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "zipkin,console"}},
		{env: map[string]string{"OTEL_TRACES_EXPORTER": "console,otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1"}},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}},
		{env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:1", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}, wantErr: true, noop: true},
	}
	for _, tc := range cases {
		var console bytes.Buffer
		tp, shutdown, err := providerFromEnv(func(k string) string { return tc.env[k] }, &console)
		if (err != nil) != tc.wantErr {
			t.Errorf("%v: err = %v", tc.env, err)
			continue
		}
		_, recording := tp.(*pipeline.TracerProvider)
		if recording == tc.noop {
			t.Errorf("%v: got %T", tc.env, tp)
		}
		if shutdown != nil {
			shutdown(context.Background())
		}
	}
}

func TestConsoleExporter(t *testing.T) {
	var out bytes.Buffer
	tp := pipeline.NewTracerProvider(&pipeline.Resource{}, pipeline.Sampler{}, pipeline.DefaultLimits,
		pipeline.NewBatchProcessor(newConsoleExporter(&out), pipeline.BatchConfig{}))
	tr := tp.Tracer("test")
	ctx, parent := tr.Start(context.Background(), "agent")
	_, child := tr.Start(ctx, "chat gpt-4o-mini")
	child.SetAttributes(keyProviderName.String("openai"), keyUsageInputTokens.Int(12), keyUsageOutputTokens.Int(5), keyResponseFinish.StringSlice([]string{"stop"}))
	child.End()
	parent.End()
	tp.Shutdown(context.Background())
	got := out.String()
	for _, want := range []string{"chat gpt-4o-mini  provider=openai", "tokens=12 in/5 out", "finish=stop"} {
		if !strings.Contains(got, want) {
			t.Errorf("console output lacks %q:\n%s", want, got)
		}
	}
}

func TestExportersFromEnv(t *testing.T) {
	cases := []struct {
		env      map[string]string
		selector string
		want     string // comma-separated
		wantErr  string
	}{
		{map[string]string{}, "OTEL_METRICS_EXPORTER", "", ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://x"}, "OTEL_METRICS_EXPORTER", "otlp", ""},
		{map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://x"}, "OTEL_TRACES_EXPORTER", "", ""},
		{map[string]string{"OTEL_METRICS_EXPORTER": " Console "}, "OTEL_METRICS_EXPORTER", "console", ""},
		{map[string]string{"OTEL_METRICS_EXPORTER": "console", "OTEL_SDK_DISABLED": "TRUE"}, "OTEL_METRICS_EXPORTER", "", ""},
		{map[string]string{"OTEL_METRICS_EXPORTER": "prometheus"}, "OTEL_METRICS_EXPORTER", "", `"prometheus" not supported`},
		// A list, as the specification has it.
		{map[string]string{"OTEL_TRACES_EXPORTER": "console,otlp"}, "OTEL_TRACES_EXPORTER", "console,otlp", ""},
		{map[string]string{"OTEL_TRACES_EXPORTER": " otlp , console ,otlp,"}, "OTEL_TRACES_EXPORTER", "otlp,console", ""},
		{map[string]string{"OTEL_TRACES_EXPORTER": "none,console"}, "OTEL_TRACES_EXPORTER", "console", ""},
		{map[string]string{"OTEL_TRACES_EXPORTER": "none"}, "OTEL_TRACES_EXPORTER", "", ""},
		{map[string]string{"OTEL_TRACES_EXPORTER": ",,"}, "OTEL_TRACES_EXPORTER", "", ""},
		// An unknown name is reported; the others are still used.
		{map[string]string{"OTEL_TRACES_EXPORTER": "zipkin,console"}, "OTEL_TRACES_EXPORTER", "console", `OTEL_TRACES_EXPORTER: "zipkin" not supported`},
	}
	endpoints := map[string]string{"OTEL_METRICS_EXPORTER": "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", "OTEL_TRACES_EXPORTER": "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"}
	for _, tc := range cases {
		got, err := exportersFromEnv(func(k string) string { return tc.env[k] }, tc.selector, endpoints[tc.selector])
		if strings.Join(got, ",") != tc.want || (err != nil) != (tc.wantErr != "") || (err != nil && !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("%v %s: got %q, %v; want %q (error %q)", tc.env, tc.selector, got, err, tc.want, tc.wantErr)
		}
	}
}

// failingExporter fails every export.
type failingExporter struct{}

func (failingExporter) ExportSpans(context.Context, []*pipeline.SpanData) error {
	return errors.New("collector down")
}
func (failingExporter) Shutdown(context.Context) error { return nil }

// slowExporter takes its time, so that the queue fills.
type slowExporter struct{ pipeline.SpanExporter }

func (e slowExporter) ExportSpans(ctx context.Context, spans []*pipeline.SpanData) error {
	time.Sleep(20 * time.Millisecond)
	return e.SpanExporter.ExportSpans(ctx, spans)
}

// TestLostSpansCounted: spans the batch processor drops or fails to export
// are counted.
func TestLostSpansCounted(t *testing.T) {
	for _, tc := range []struct {
		name     string
		exporter pipeline.SpanExporter
		wantLost int64
	}{
		{"queue_full", slowExporter{newConsoleExporter(io.Discard)}, -1}, // some, depending on how fast the queue drains
		{"export_failed", failingExporter{}, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			processor := pipeline.NewBatchProcessor(tc.exporter, pipeline.BatchConfig{QueueSize: 4, BatchSize: 4, Delay: time.Minute})
			tp := pipeline.NewTracerProvider(&pipeline.Resource{}, pipeline.Sampler{}, pipeline.DefaultLimits, processor)
			tr := tp.Tracer("t")
			for i := 0; i < 100; i++ {
				_, s := tr.Start(context.Background(), "x")
				s.End()
			}
			tp.Shutdown(context.Background())
			lost := processor.Ended() - processor.Exported()
			if processor.Ended() != 100 || (tc.wantLost >= 0 && lost != tc.wantLost) || lost <= 0 || lost >= 100 && tc.wantLost < 0 {
				t.Errorf("ended %d, lost %d; want 100 ended and %d lost (-1: some, not all)", processor.Ended(), lost, tc.wantLost)
			}
		})
	}
}

func TestContextAttributes(t *testing.T) {
	rec := withAppProvider(t)
	ctx := WithConversationID(context.Background(), "conv-1")
	ctx = WithUserID(ctx, "u-7")
	ctx = WithAgentName(ctx, "planner")
	ctx = WithAttributes(ctx, attribute.String("tenant", "acme"), attribute.String("gen_ai.agent.name", "executor"))
	_, c := StartInference(ctx, OperationChat, "openai", "m")
	c.End(nil)
	_, c = StartInference(context.Background(), OperationChat, "openai", "m")
	c.End(nil)
	ended := rec.Ended()
	a := attrMap(ended[0].Attributes())
	for k, want := range map[attribute.Key]string{"gen_ai.conversation.id": "conv-1", "user.id": "u-7", "gen_ai.agent.name": "executor", "tenant": "acme"} {
		if got := a[k].AsString(); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if _, ok := attrMap(ended[1].Attributes())["gen_ai.conversation.id"]; ok {
		t.Error("a context without attributes gave some")
	}
	if WithAttributes(nil, attribute.String("a", "b")) != nil {
		t.Error("nil context")
	}
}

func TestProviderForHost(t *testing.T) {
	for _, tc := range []struct{ provider, host, want string }{
		{"openai", "api.openai.com", "openai"},
		{"openai", "my-res.openai.azure.com", "azure.ai.openai"},
		{"openai", "my-res.cognitiveservices.azure.com", "azure.ai.openai"},
		{"openai", "127.0.0.1", "openai"},
		{"gcp.gemini", "generativelanguage.googleapis.com", "gcp.gemini"},
		{"gcp.gemini", "us-central1-aiplatform.googleapis.com", "gcp.vertex_ai"},
		{"gcp.gemini", "aiplatform.googleapis.com", "gcp.vertex_ai"},
		{"anthropic", "us-east5-aiplatform.googleapis.com", "gcp.vertex_ai"},
		{"anthropic", "bedrock-runtime.us-east-1.amazonaws.com", "aws.bedrock"},
		{"anthropic", "api.anthropic.com", "anthropic"},
		{"ollama", "my-res.openai.azure.com", "ollama"},
	} {
		if got := providerForHost(tc.provider, tc.host); got != tc.want {
			t.Errorf("%s at %s: %s, want %s", tc.provider, tc.host, got, tc.want)
		}
	}
	if Float32(0.9) != 0.9 || Float32(0.7) != 0.7 {
		t.Errorf("Float32 widens to %v, %v", Float32(0.9), Float32(0.7))
	}
}

// TestForeignInferenceSpan: under a recording model-request span that
// another instrumentation started (ADK's generate_content), a call gets no
// span of its own; under another kind of span of theirs, or one that does
// not record, it does.
func TestForeignInferenceSpan(t *testing.T) {
	rec := withAppProvider(t)
	adk := otel.GetTracerProvider().Tracer("gcp.vertex.agent")
	for _, c := range []struct {
		name      string
		operation string
		recording bool
		wantSpan  bool
	}{
		{"generate_content", "generate_content", true, false},
		{"chat", "chat", true, false},
		{"invoke_agent", "invoke_agent", true, true},
		{"no operation", "", true, true},
		{"not recording", "generate_content", false, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			rec.Reset()
			ctx := context.Background()
			var attrs []attribute.KeyValue
			if c.operation != "" {
				attrs = append(attrs, attribute.String("gen_ai.operation.name", c.operation))
			}
			var end func()
			if c.recording {
				var span interface{ End(...trace.SpanEndOption) }
				ctx, span = adk.Start(ctx, "outer", trace.WithAttributes(attrs...))
				end = func() { span.End() }
			} else {
				ctx = trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
					TraceID: trace.TraceID{1}, SpanID: trace.SpanID{1}, TraceFlags: trace.FlagsSampled}))
				end = func() {}
			}
			callCtx, call := StartInference(ctx, "generate_content", "gcp.gemini", "gemini-2.5-flash")
			if (call != nil) != c.wantSpan {
				t.Fatalf("call %v, want a span %v", call, c.wantSpan)
			}
			if call == nil && callCtx != ctx {
				t.Errorf("without a span, the call's context changed")
			}
			call.End(nil)
			end()
			ours := 0
			for _, s := range rec.Ended() {
				if s.InstrumentationScope().Name == instrumentationName {
					ours++
				}
			}
			if want := map[bool]int{true: 1, false: 0}[c.wantSpan]; ours != want {
				t.Errorf("%d spans of the runtime, want %d", ours, want)
			}
		})
	}
}

// TestLibraryProvider: while the global provider is one a library
// installed (Genkit's, without exporters), the runtime records with its
// own, and its spans under the library's are roots; once the application
// sets a provider, that one is used again.
func TestLibraryProvider(t *testing.T) {
	app := withAppProvider(t) // restores the global provider at the end
	libRec := &spanRecorder{}
	lib := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(libRec))
	otel.SetTracerProvider(lib)
	LibraryProvider(lib)
	ctx, libSpan := lib.Tracer("genkit-tracer").Start(context.Background(), "generate")
	callCtx, call := StartInference(ctx, "chat", "openai", "gpt-4o-mini")
	if call == nil {
		t.Fatal("no call")
	}
	if got := trace.SpanFromContext(callCtx); got.TracerProvider() == trace.TracerProvider(lib) {
		t.Errorf("the call's span is the library provider's")
	}
	if cfg := trace.NewSpanStartConfig(parentOption(ctx)); !cfg.NewRoot() {
		t.Errorf("a span under the library's span is not a root")
	}
	otherCtx, otherSpan := sdktrace.NewTracerProvider().Tracer("app").Start(context.Background(), "app")
	if cfg := trace.NewSpanStartConfig(parentOption(otherCtx)); cfg.NewRoot() {
		t.Errorf("a span under another provider's span is a root")
	}
	otherSpan.End()
	call.End(nil)
	libSpan.End()
	for _, s := range libRec.Ended() {
		if s.Name() != "generate" {
			t.Errorf("the library's provider recorded %q", s.Name())
		}
	}

	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(app)))
	app.Reset()
	_, call = StartInference(context.Background(), "chat", "openai", "gpt-4o-mini")
	call.End(nil)
	if n := len(app.Ended()); n != 1 {
		t.Errorf("the application's provider recorded %d spans, want 1", n)
	}
}
