package view

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// chromium returns the path of a Chromium (Debian's chromium package, or
// the browser LLMINSTR_CHROMIUM names), skipping the test when there is
// none.
func chromium(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("LLMINSTR_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no Chromium: install Debian's chromium package (apt-get install chromium), or set LLMINSTR_CHROMIUM, to test the report in a browser")
	return ""
}

// headless runs Chromium headless on url with args, returning its stdout.
func headless(t *testing.T, browser, url string, args ...string) string {
	t.Helper()
	args = append([]string{"--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
		"--no-first-run", "--disable-extensions", "--user-data-dir=" + t.TempDir()}, args...)
	cmd := exec.Command(browser, append(args, url)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.Output(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("%s did not finish in 2 minutes", browser)
	}
	if err != nil {
		t.Fatalf("%s: %v\n%s", browser, err, stderr.String())
	}
	return string(out)
}

// TestReportInChromium opens the HTML report of the recorded traces in
// headless Chromium and checks the page its script renders: the trace
// list with totals, the waterfall of the agent's trace, the detail pane
// of its first call with the transcript; a screenshot of each is written
// to the test's artifact directory (go test -artifacts).
func TestReportInChromium(t *testing.T) {
	browser := chromium(t)
	for _, tc := range []struct {
		recording string
		want      []string
		wantNot   []string
	}{
		{"agent-content.jsonl",
			[]string{
				`<div class="v">2</div><div class="k">traces</div>`,
				`<div class="v">3</div><div class="k">model calls · 1 failed</div>`,
				`<div class="v">24</div><div class="k">tokens in</div>`,
				`<div class="v">9</div><div class="k">tokens out</div>`,
				`<div class="v">$0.000009</div>`,
				`1 stream</div>`,
				"invoke_agent travel-planner", "execute_tool get_weather", "chat no-such-model",
				"2 calls · 24 in / 9 out · $0.000009",
				`<div class="role">system</div><div>You plan trips in one sentence.</div>`,
				`<div class="role">user</div><div>A day in Lisbon?</div>`,
				`<div class="role">assistant · stop</div><div>This is a test.</div>`,
				"gpt-4o-mini-2024-07-18",
				"<span><b>temperature </b>0.2</span>",
			},
			[]string{"Messages were not captured"},
		},
		{"agent-nocontent.jsonl",
			[]string{"invoke_agent travel-planner", "Messages were not captured"},
			[]string{"A day in Lisbon?"},
		},
	} {
		t.Run(tc.recording, func(t *testing.T) {
			traces := GroupTraces(readRecording(t, tc.recording))
			var agent string
			for _, tr := range traces {
				if len(tr.Spans) > 1 {
					agent = tr.ID
				}
			}
			path := filepath.Join(t.TempDir(), "report.html")
			f, err := os.Create(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := WriteHTML(f, "report", traces, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
			f.Close()
			url := "file://" + path + "#trace=" + agent

			dom := headless(t, browser, url, "--dump-dom")
			// What the script rendered, without the script and data.
			dom = dom[:strings.Index(dom, `<script id="data"`)]
			if n := strings.Count(dom, `class="row`); n != 4 {
				t.Errorf("the waterfall has %d rows, want 4 (the agent's spans)", n)
			}
			if !strings.Contains(dom, `class="trace selected" data-trace="`+agent+`"`) {
				t.Errorf("the agent's trace (from the URL) is not selected")
			}
			for _, want := range tc.want {
				if !strings.Contains(dom, want) {
					t.Errorf("the rendered page lacks %q", want)
				}
			}
			for _, bad := range tc.wantNot {
				if strings.Contains(dom, bad) {
					t.Errorf("the rendered page has %q", bad)
				}
			}
			if t.Failed() {
				t.Logf("DOM:\n%s", dom)
			}

			shot := filepath.Join(t.ArtifactDir(), strings.TrimSuffix(tc.recording, ".jsonl")+".png")
			headless(t, browser, url, "--window-size=1400,1000", "--screenshot="+shot)
			if info, err := os.Stat(shot); err != nil || info.Size() < 10000 {
				t.Errorf("screenshot %s: %v", shot, err)
			}
		})
	}
}
