package injected

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/llminstr/llminstr/runtime/pipeline"
)

// TestBatchConfig: OTEL_BSP_* values that cannot be used as they are (a
// negative queue size panics in make, a huge one exhausts memory, a
// non-positive delay spins) fall back to the default or are clamped, with
// a warning naming the variable.
func TestBatchConfig(t *testing.T) {
	def := pipeline.BatchConfig{QueueSize: 2048, BatchSize: 512, Delay: 5 * time.Second, Timeout: 30 * time.Second}
	for _, tc := range []struct {
		env      map[string]string
		want     pipeline.BatchConfig
		warnings int
	}{
		{map[string]string{}, def, 0},
		{map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "100", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "10", "OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_BSP_EXPORT_TIMEOUT": "1000"},
			pipeline.BatchConfig{QueueSize: 100, BatchSize: 10, Delay: 250 * time.Millisecond, Timeout: time.Second}, 0},
		{map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "-1"}, def, 1},
		{map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "0"}, def, 1},
		{map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "lots"}, def, 1},
		{map[string]string{"OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "-1"}, def, 1},
		{map[string]string{"OTEL_BSP_SCHEDULE_DELAY": "-5"}, def, 1},
		{map[string]string{"OTEL_BSP_EXPORT_TIMEOUT": "0"}, def, 1},
		{map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "99999999999999"},
			pipeline.BatchConfig{QueueSize: maxQueueSizeLimit, BatchSize: 512, Delay: 5 * time.Second, Timeout: 30 * time.Second}, 1},
		// The batch is at most the queue.
		{map[string]string{"OTEL_BSP_MAX_QUEUE_SIZE": "8", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE": "64"},
			pipeline.BatchConfig{QueueSize: 8, BatchSize: 8, Delay: 5 * time.Second, Timeout: 30 * time.Second}, 0},
	} {
		got, warnings := batchConfig(func(k string) string { return tc.env[k] })
		settings := func(c pipeline.BatchConfig) [4]int64 {
			return [4]int64{int64(c.QueueSize), int64(c.BatchSize), int64(c.Delay), int64(c.Timeout)}
		}
		if settings(got) != settings(tc.want) || len(warnings) != tc.warnings {
			t.Errorf("%v: got %+v, warnings %q; want %+v and %d warnings", tc.env, got, warnings, tc.want, tc.warnings)
		}
		for _, w := range warnings {
			if !strings.Contains(w, "OTEL_BSP_") {
				t.Errorf("warning does not name the variable: %q", w)
			}
		}
	}
}

func TestExitTimeout(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want time.Duration
	}{
		{map[string]string{}, time.Second},
		{map[string]string{"OTEL_BSP_EXPORT_TIMEOUT": "250"}, 250 * time.Millisecond},
		{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "3000"}, 3 * time.Second},
		{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "3000", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "2000", "OTEL_BSP_EXPORT_TIMEOUT": "5000"}, 2 * time.Second},
		{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "-1"}, time.Second},
		{map[string]string{"OTEL_EXPORTER_OTLP_TIMEOUT": "soon"}, time.Second},
	} {
		if got := exitTimeout(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("%v: %v, want %v", tc.env, got, tc.want)
		}
	}
}

// TestExporterList: OTEL_TRACES_EXPORTER=console,otlp exports every span to
// both, and the lost-span count stays zero.
func TestExporterList(t *testing.T) {
	var posts atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/traces" {
			io.Copy(io.Discard, r.Body)
			posts.Add(1)
		}
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
	env := map[string]string{"OTEL_TRACES_EXPORTER": "console,otlp", "OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL}
	var console bytes.Buffer
	tp, shutdown, err := providerFromEnv(func(k string) string { return env[k] }, &console)
	if err != nil {
		t.Fatal(err)
	}
	_, span := tp.Tracer("t").Start(context.Background(), "chat gpt-4o-mini")
	span.End()
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(console.String(), "chat gpt-4o-mini") {
		t.Errorf("console exporter got nothing: %q", console.String())
	}
	if posts.Load() != 1 {
		t.Errorf("OTLP receiver got %d exports, want 1", posts.Load())
	}
}

// TestEndUnfinished: at exit, a call in flight and a stream neither drained
// nor closed are ended, with what the stream gathered, and marked; ended
// calls are not touched again.
func TestEndUnfinished(t *testing.T) {
	rec := withAppProvider(t)
	ctx := context.Background()
	_, done := StartInference(ctx, "chat", "openai", "m")
	done.End(nil)
	_, inFlight := StartInference(ctx, "chat", "openai", "m")
	_, streaming := StartInference(ctx, "chat", "openai", "m")
	s := NewStream(nil, streaming, nil)
	s.Chunk("resp-1", "m-2024")
	s.SetUsage(Usage{InputTokens: 3, OutputTokens: 1})
	_, endAgent := StartAgent(ctx, "planner")
	_ = endAgent

	endUnfinished()
	endUnfinished() // nothing left

	spans := rec.Ended()
	if len(spans) != 4 {
		t.Fatalf("%d spans ended, want 4", len(spans))
	}
	if _, marked := attrMap(spans[0].Attributes())[keyUnfinished]; marked {
		t.Errorf("a finished call is marked unfinished")
	}
	for _, sp := range spans[1:] {
		a := attrMap(sp.Attributes())
		if !a[keyUnfinished].AsBool() {
			t.Errorf("%s: not marked unfinished: %v", sp.Name(), a)
		}
		if sp.Status().Code != 0 {
			t.Errorf("%s: status %v, want unset", sp.Name(), sp.Status())
		}
	}
	found := false
	for _, sp := range spans {
		a := attrMap(sp.Attributes())
		found = found || a[keyResponseID].AsString() == "resp-1" && a[keyUsageInputTokens].AsInt64() == 3
	}
	if !found {
		t.Errorf("the stream's data is lost")
	}
	if !inFlight.Ended() || !streaming.Ended() {
		t.Errorf("calls not ended")
	}
}

// TestTraceFile: with LLMINSTR_TRACE_FILE set, spans and metrics are
// appended to the file as OTLP/JSON lines, one request per line, besides
// the other exporters; two providers (as two processes would) append to
// the same file without mixing their lines.
func TestTraceFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "calls.jsonl")
	env := map[string]string{TraceFileEnv: path}
	getenv := func(k string) string { return env[k] }
	for i := range 2 {
		tp, shutdown, err := providerFromEnv(getenv, io.Discard)
		if err != nil || shutdown == nil {
			t.Fatalf("providerFromEnv: %v (shutdown %v)", err, shutdown != nil)
		}
		_, span := tp.Tracer("t").Start(context.Background(), fmt.Sprintf("chat m%d", i))
		span.End()
		if err := shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	mp, shutdown, err := meterProviderFromEnv(getenv, io.Discard)
	if err != nil || shutdown == nil {
		t.Fatalf("meterProviderFromEnv: %v", err)
	}
	counter, _ := mp.Meter("t").Int64Counter("calls")
	counter.Add(context.Background(), 3)
	if err := shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}

	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 3 {
		t.Fatalf("got %d lines, want 3:\n%s", len(lines), data)
	}
	for i, want := range []string{"chat m0", "chat m1"} {
		var req struct {
			ResourceSpans []struct {
				ScopeSpans []struct {
					Spans []struct {
						TraceID string `json:"traceId"`
						Name    string `json:"name"`
					} `json:"spans"`
				} `json:"scopeSpans"`
			} `json:"resourceSpans"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &req); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		s := req.ResourceSpans[0].ScopeSpans[0].Spans[0]
		if s.Name != want || len(s.TraceID) != 32 {
			t.Errorf("line %d: span %q, trace id %q; want %q with a hex id", i+1, s.Name, s.TraceID, want)
		}
	}
	if !strings.Contains(lines[2], `"resourceMetrics"`) || !strings.Contains(lines[2], `"name":"calls"`) || !strings.Contains(lines[2], `"asInt":"3"`) {
		t.Errorf("metrics line: %s", lines[2])
	}

	// Disabled SDK: no file.
	env["OTEL_SDK_DISABLED"] = "true"
	if f := fileFromEnv(getenv); f != nil {
		t.Error("OTEL_SDK_DISABLED=true: got a trace file")
	}
}
