package view

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The recorded traces (see TestView in internal/integration, which writes
// them with -record-view): testdata/viewapp's agent, which calls a model,
// runs a tool and streams its answer, then a call that fails; with content
// capture on and off.
var recordings = []string{"agent-content.jsonl", "agent-nocontent.jsonl"}

func readRecording(t *testing.T, name string) []*Span {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	spans, err := Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return spans
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o666); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

// TestTerminalGolden: the tree and summary of the recorded traces, with
// content on and off, in colour and not.
func TestTerminalGolden(t *testing.T) {
	for _, tc := range []struct {
		recording, golden string
		opts              TextOptions
	}{
		{"agent-content.jsonl", "agent-content.txt", TextOptions{Content: true}},
		{"agent-nocontent.jsonl", "agent-nocontent.txt", TextOptions{Content: true}},
		{"agent-content.jsonl", "agent-content-nomessages.txt", TextOptions{}},
		{"agent-content.jsonl", "agent-content-color.txt", TextOptions{Content: true, Color: true}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			traces := GroupTraces(readRecording(t, tc.recording))
			var b bytes.Buffer
			if err := WriteTree(&b, traces, tc.opts); err != nil {
				t.Fatal(err)
			}
			b.WriteString("\n")
			if err := WriteSummary(&b, Summarize(traces), tc.opts); err != nil {
				t.Fatal(err)
			}
			golden(t, tc.golden, b.Bytes())
		})
	}
}

// spanKey is what identifies a span's content, for comparing readings.
func spanKeys(spans []*Span) []string {
	var out []string
	for _, s := range spans {
		b, _ := json.Marshal(s)
		out = append(out, string(b))
	}
	return out
}

// TestReadFormats: the same requests read alike as JSON lines, as one
// pretty-printed JSON document, as the Collector's length-prefixed
// protobuf file and as a single protobuf request.
func TestReadFormats(t *testing.T) {
	lines, err := os.ReadFile(filepath.Join("testdata", "agent-content.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	want := readRecording(t, "agent-content.jsonl")
	if len(want) != 5 {
		t.Fatalf("recording has %d spans, want 5", len(want))
	}

	var pretty, framed bytes.Buffer
	var reqs []*coltracepb.ExportTraceServiceRequest
	for _, line := range bytes.Split(bytes.TrimSpace(lines), []byte("\n")) {
		var v any
		json.Unmarshal(line, &v)
		b, _ := json.MarshalIndent(v, "", "  ")
		pretty.Write(b)
		pretty.WriteString("\n")
		if !bytes.Contains(line, []byte(`"resourceSpans"`)) {
			continue
		}
		// OTLP/JSON to protobuf: protojson reads ids as base64.
		base64IDs(v)
		b, _ = json.Marshal(v)
		req := &coltracepb.ExportTraceServiceRequest{}
		if err := protojson.Unmarshal(b, req); err != nil {
			t.Fatal(err)
		}
		reqs = append(reqs, req)
		pb, _ := proto.Marshal(req)
		framed.Write(binary.BigEndian.AppendUint32(nil, uint32(len(pb))))
		framed.Write(pb)
	}
	merged := &coltracepb.ExportTraceServiceRequest{}
	for _, r := range reqs {
		merged.ResourceSpans = append(merged.ResourceSpans, r.ResourceSpans...)
	}
	single, _ := proto.Marshal(merged)

	for name, input := range map[string][]byte{
		"pretty JSON":          pretty.Bytes(),
		"length-prefixed":      framed.Bytes(),
		"one protobuf":         single,
		"JSON with blank line": append([]byte("\n\n"), lines...),
	} {
		got, err := Read(bytes.NewReader(input))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !reflect.DeepEqual(spanKeys(got), spanKeys(want)) {
			t.Errorf("%s: read %d spans unlike the JSON lines' %d", name, len(got), len(want))
		}
	}

	for name, input := range map[string]string{
		"truncated JSON": string(lines[:len(lines)/2]),
		"not OTLP":       "\x00\x01garbage that is no protobuf\xff",
	} {
		if _, err := Read(strings.NewReader(input)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if spans, err := Read(strings.NewReader("")); err != nil || len(spans) != 0 {
		t.Errorf("empty input: %v, %d spans", err, len(spans))
	}
}

func base64IDs(v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			switch k {
			case "traceId", "spanId", "parentSpanId":
				b, _ := hex.DecodeString(e.(string))
				v[k] = base64.StdEncoding.EncodeToString(b)
			default:
				base64IDs(e)
			}
		}
	case []any:
		for _, e := range v {
			base64IDs(e)
		}
	}
}

// TestReceiver: OTLP/HTTP as the specification has it, protobuf and JSON,
// gzip or not; repeated spans are kept once; the page's data follows.
func TestReceiver(t *testing.T) {
	set := NewSet()
	var announced int
	srv := httptest.NewServer(&Receiver{Set: set, Title: "t", OnSpans: func(s []*Span) { announced += len(s) }})
	defer srv.Close()

	lines, _ := os.ReadFile(filepath.Join("testdata", "agent-nocontent.jsonl"))
	var jsonReq []byte
	for _, line := range bytes.Split(lines, []byte("\n")) {
		if bytes.Contains(line, []byte(`"resourceSpans"`)) {
			jsonReq = line
		}
	}
	var v any
	json.Unmarshal(jsonReq, &v)
	base64IDs(v)
	b, _ := json.Marshal(v)
	req := &coltracepb.ExportTraceServiceRequest{}
	if err := protojson.Unmarshal(b, req); err != nil {
		t.Fatal(err)
	}
	pb, _ := proto.Marshal(req)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(pb)
	zw.Close()

	post := func(path, ctype, encoding string, body []byte) (int, string) {
		r, _ := http.NewRequest(http.MethodPost, srv.URL+path, bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
		if encoding != "" {
			r.Header.Set("Content-Encoding", encoding)
		}
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header.Get("Content-Type") + " " + string(out)
	}
	for _, tc := range []struct {
		name, path, ctype, encoding string
		body                        []byte
		status                      int
		resp                        string
	}{
		{"protobuf gzip", "/v1/traces", "application/x-protobuf", "gzip", gz.Bytes(), 200, "application/x-protobuf "},
		{"JSON, same spans", "/v1/traces", "application/json", "", jsonReq, 200, "application/json {}"},
		{"metrics", "/v1/metrics", "application/x-protobuf", "", nil, 200, "application/x-protobuf "},
		{"bad protobuf", "/v1/traces", "application/x-protobuf", "", []byte{0xff, 0xff}, 400, ""},
		{"bad gzip", "/v1/traces", "application/x-protobuf", "gzip", pb, 400, ""},
		{"bad type", "/v1/traces", "text/plain", "", jsonReq, 415, ""},
	} {
		status, resp := post(tc.path, tc.ctype, tc.encoding, tc.body)
		if status != tc.status || (tc.resp != "" && resp != tc.resp) {
			t.Errorf("%s: %d %q, want %d %q", tc.name, status, resp, tc.status, tc.resp)
		}
	}
	if res, _ := http.Get(srv.URL + "/v1/traces"); res.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /v1/traces: %d", res.StatusCode)
	}
	if set.Len() != 5 || announced != 5 {
		t.Errorf("received %d spans, announced %d; want 5 (the JSON request repeats the protobuf one)", set.Len(), announced)
	}
	res, err := http.Get(srv.URL + "/api/data")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var data PageData
	if err := json.NewDecoder(res.Body).Decode(&data); err != nil {
		t.Fatal(err)
	}
	if len(data.Traces) != 2 || data.Summary.Totals.Calls != 3 || data.Summary.Totals.Errors != 1 || data.Summary.Agents != 1 {
		t.Errorf("page data: %d traces, %+v", len(data.Traces), data.Summary)
	}
}

// TestPercentiles: nearest rank.
func TestPercentiles(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var out []time.Duration
		for _, n := range ns {
			out = append(out, time.Duration(n)*time.Millisecond)
		}
		return out
	}
	for _, tc := range []struct {
		in       []time.Duration
		p50, p95 time.Duration
	}{
		{ms(5), 5 * time.Millisecond, 5 * time.Millisecond},
		{ms(4, 1, 3, 2), 2 * time.Millisecond, 4 * time.Millisecond},
		{ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20), 10 * time.Millisecond, 19 * time.Millisecond},
	} {
		p := percentiles(tc.in)
		if p.P50 != tc.p50 || p.P95 != tc.p95 {
			t.Errorf("%v: p50 %v p95 %v, want %v %v", tc.in, p.P50, p.P95, tc.p50, tc.p95)
		}
	}
}
