package integration

import (
	"bufio"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/internal/view"
	"github.com/llminstr/llminstr/rules/openai/openaitest"
)

var recordView = flag.Bool("record-view", false, "write TestView's trace files to internal/view/testdata, for its golden tests")

// wantViewTraces are the traces one run of testdata/viewapp records, as
// trees: an agent that calls a model, runs a tool and streams its answer,
// then a call that fails.
var wantViewTraces = []string{
	"invoke_agent travel-planner\n  chat gpt-4o-mini\n  execute_tool get_weather\n  chat gpt-4o-mini\n",
	"chat no-such-model!\n",
}

// treeOf renders a trace as span names, indented by depth; "!" marks
// failed spans.
func treeOf(t *view.Trace) string {
	var b strings.Builder
	for _, n := range t.Nodes() {
		b.WriteString(strings.Repeat("  ", n.Depth) + n.Span.Name)
		if n.Span.Failed() {
			b.WriteString("!")
		}
		b.WriteString("\n")
	}
	return b.String()
}

// TestView: an instrumented program records its calls to
// LLMINSTR_TRACE_FILE (two processes appending to one file), and llminstr
// view reads them back; exported over OTLP/HTTP to a running
// `llminstr view -listen`, the same calls appear on its live page, in its
// terminal output and, when it stops, in the report it writes.
func TestView(t *testing.T) {
	bin := llmtest.BuildApp(t, "testdata/viewapp")
	srv := httptest.NewServer(&openaitest.Server{})
	defer srv.Close()
	base := []string{"OPENAI_BASE_URL=" + srv.URL + "/v1/", "OTEL_SERVICE_NAME=viewapp"}
	dir := t.TempDir()

	readFile := func(t *testing.T, path string) []*view.Trace {
		t.Helper()
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		spans, err := view.Read(f)
		if err != nil {
			t.Fatal(err)
		}
		return view.GroupTraces(spans)
	}

	t.Run("file", func(t *testing.T) {
		path := filepath.Join(dir, "calls.jsonl")
		env := append(base, "LLMINSTR_TRACE_FILE="+path, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true")
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				llmtest.Run(t, dir, env, bin)
			}()
		}
		wg.Wait()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), "sk-view-secret") {
			t.Error("the trace file holds the API key")
		}
		var traceLines, metricLines int
		for i, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var req map[string]json.RawMessage
			if err := json.Unmarshal([]byte(line), &req); err != nil {
				t.Fatalf("line %d is not one JSON request (lines mixed?): %v", i+1, err)
			}
			switch {
			case req["resourceSpans"] != nil:
				traceLines++
			case req["resourceMetrics"] != nil:
				metricLines++
			}
		}
		if traceLines < 2 || metricLines != 2 {
			t.Errorf("%d trace lines, %d metric lines; want at least 2 and 2 (one flush of metrics per process)", traceLines, metricLines)
		}
		traces := readFile(t, path)
		if len(traces) != 4 {
			t.Fatalf("got %d traces, want 4", len(traces))
		}
		counts := map[string]int{}
		for _, tr := range traces {
			counts[treeOf(tr)]++
		}
		for _, want := range wantViewTraces {
			if counts[want] != 2 {
				t.Errorf("trace\n%s seen %d times, want 2 (got %v)", want, counts[want], counts)
			}
		}
		sum := view.Summarize(traces)
		if sum.Totals.Calls != 6 || sum.Totals.Errors != 2 || sum.Agents != 2 || sum.ToolRuns != 2 || sum.TTFC.N != 2 {
			t.Errorf("summary: %+v", sum)
		}
		if want := int64(4 * openaitest.PromptTokens); sum.Totals.InputTokens != want {
			t.Errorf("input tokens %d, want %d", sum.Totals.InputTokens, want)
		}
		if in, out := traces[0].Spans[1].Transcript(); len(in) == 0 || len(out) == 0 {
			t.Errorf("content capture on, but the first call has no transcript")
		}
	})

	t.Run("record", func(t *testing.T) {
		// One process each, with and without content: the files of the
		// golden tests of internal/view.
		for _, tc := range []struct{ name, capture string }{{"agent-content.jsonl", "true"}, {"agent-nocontent.jsonl", "false"}} {
			path := filepath.Join(dir, tc.name)
			llmtest.Run(t, dir, append(base, "LLMINSTR_TRACE_FILE="+path, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="+tc.capture), bin)
			traces := readFile(t, path)
			if len(traces) != 2 || treeOf(traces[0]) != wantViewTraces[0] || treeOf(traces[1]) != wantViewTraces[1] {
				t.Fatalf("%s: unexpected traces", tc.name)
			}
			data, _ := os.ReadFile(path)
			if hasContent := strings.Contains(string(data), "gen_ai.input.messages"); hasContent != (tc.capture == "true") {
				t.Errorf("%s: content recorded %v with capture %s", tc.name, hasContent, tc.capture)
			}
			if *recordView {
				if err := os.WriteFile(filepath.Join(llmtest.RepoRoot(), "internal", "view", "testdata", tc.name), data, 0o666); err != nil {
					t.Fatal(err)
				}
			}
		}
	})

	t.Run("live", func(t *testing.T) {
		report := filepath.Join(dir, "live.html")
		cmd := exec.Command(llminstrBin, "view", "-listen", "127.0.0.1:0", "-o", report, "-color", "never")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer cmd.Process.Kill()
		lines := bufio.NewScanner(stdout)
		if !lines.Scan() {
			t.Fatal("llminstr view printed nothing")
		}
		first := lines.Text()
		url := first[strings.LastIndex(first, " ")+1:]
		if !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Fatalf("first line %q: no address", first)
		}
		var out strings.Builder
		outDone := make(chan struct{})
		go func() {
			for lines.Scan() {
				out.WriteString(lines.Text() + "\n")
			}
			close(outDone)
		}()

		// The program exports with the runtime's own OTLP/HTTP exporter
		// (protobuf), gzip-compressed.
		llmtest.Run(t, dir, append(base, "OTEL_EXPORTER_OTLP_ENDPOINT="+url, "OTEL_EXPORTER_OTLP_COMPRESSION=gzip"), bin)

		var data view.PageData
		deadline := time.Now().Add(10 * time.Second)
		for {
			res, err := http.Get(url + "/api/data")
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if err := json.Unmarshal(body, &data); err != nil {
				t.Fatalf("/api/data: %v\n%s", err, body)
			}
			if len(data.Traces) == 2 || time.Now().After(deadline) {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if len(data.Traces) != 2 {
			t.Fatalf("the live page has %d traces, want 2", len(data.Traces))
		}
		if data.Summary.Totals.Calls != 3 || data.Summary.Totals.Errors != 1 || data.Summary.Totals.In != 2*openaitest.PromptTokens {
			t.Errorf("live summary totals %+v", data.Summary.Totals)
		}
		var names []string
		for _, s := range data.Traces[1].Spans { // oldest last
			names = append(names, s.Name)
		}
		if got := strings.Join(names, ","); got != "invoke_agent travel-planner,chat gpt-4o-mini,execute_tool get_weather,chat gpt-4o-mini" {
			t.Errorf("agent trace spans: %s", got)
		}
		res, err := http.Get(url + "/")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(page), `data-live="true"`) {
			t.Errorf("/ is not the live page:\n%.300s", page)
		}

		cmd.Process.Signal(syscall.SIGINT)
		<-outDone
		if err := cmd.Wait(); err != nil {
			t.Fatalf("llminstr view: %v\n%s", err, out.String())
		}
		for _, want := range []string{"invoke_agent travel-planner", "execute_tool get_weather", "ERROR NotFoundError", "wrote " + report} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("view's output lacks %q:\n%s", want, out.String())
			}
		}
		html, err := os.ReadFile(report)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(html), data.Traces[0].ID) {
			t.Error("the report written at exit lacks the received trace")
		}
	})
}
