package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/fakeprovider"
)

// TestBuildModes builds the chat app in every way the go command can, and
// checks that each binary is instrumented and runs.
func TestBuildModes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	e := newEnv(t)
	tool := "-toolexec=" + llminstrBin

	checkPlain := func(t *testing.T, out string, spansFrom func() int) {
		t.Helper()
		if !strings.Contains(out, fakeprovider.Answer) {
			t.Errorf("program output: %s", out)
		}
		if n := spansFrom(); n != 1 {
			t.Errorf("got %d chat spans, want 1", n)
		}
	}
	runPlain := func(t *testing.T, bin string) {
		t.Helper()
		out, spans := e.runApp(t, bin, "plain", false)
		checkPlain(t, out, func() int { return len(chatSpans(spans)) })
	}

	t.Run("race", func(t *testing.T) {
		dir := copyApp(t, "chatapp")
		runPlain(t, build(t, dir, nil, "-race"))
	})
	t.Run("cover", func(t *testing.T) {
		dir := copyApp(t, "chatapp")
		runPlain(t, build(t, dir, nil, "-cover"))
	})
	t.Run("trimpath", func(t *testing.T) {
		dir := copyApp(t, "chatapp")
		bin := build(t, dir, nil, "-trimpath")
		runPlain(t, bin)
		out, _ := e.runApp(t, bin, "panic", true)
		want := fmt.Sprintf("example.com/chatapp/main.go:%d", lineOf(t, filepath.Join(dir, "main.go"), "chatapp:panic-line"))
		if !strings.Contains(out, want) {
			t.Errorf("panic does not report %s:\n%s", want, out)
		}
	})
	t.Run("go_test", func(t *testing.T) {
		dir := copyApp(t, "chatapp")
		e.receiver.Reset()
		out := run(t, dir, e.vars(), "go", "test", tool, "-count=1", "-run", "TestPlain", ".")
		if !strings.Contains(out, "ok") {
			t.Errorf("go test: %s", out)
		}
		if n := len(chatSpans(e.receiver.Spans())); n != 1 {
			t.Errorf("go test exported %d chat spans, want 1", n)
		}
	})
	t.Run("go_run", func(t *testing.T) {
		dir := copyApp(t, "chatapp")
		e.receiver.Reset()
		out := run(t, dir, e.vars(), "go", "run", tool, ".", "plain")
		checkPlain(t, out, func() int { return len(chatSpans(e.receiver.Spans())) })
	})
	t.Run("vendor", func(t *testing.T) {
		dir := copyApp(t, "chatapp")
		run(t, dir, nil, "go", "mod", "vendor")
		runPlain(t, build(t, dir, nil, "-mod=vendor"))
	})
	t.Run("workspace", func(t *testing.T) {
		dir := copyApp(t, "chatapp")
		ws := filepath.Dir(dir)
		run(t, ws, nil, "go", "work", "init", "./chatapp")
		runPlain(t, build(t, dir, []string{"GOWORK=" + filepath.Join(ws, "go.work")}))
	})
	t.Run("goflags", func(t *testing.T) {
		dir := copyApp(t, "chatapp")
		bin := filepath.Join(t.TempDir(), "chatapp")
		run(t, dir, []string{"GOFLAGS=" + tool}, "go", "build", "-o", bin, ".")
		runPlain(t, bin)
	})
	t.Run("cache", func(t *testing.T) {
		dir := copyApp(t, "chatapp")
		build(t, dir, nil)
		// Nothing changed: the second build must compile nothing.
		bin := filepath.Join(t.TempDir(), "chatapp")
		out := run(t, dir, nil, "go", "build", tool, "-x", "-o", bin, ".")
		if compiles := regexp.MustCompile(`(?m)/compile .* -p `).FindAllString(out, -1); len(compiles) > 0 {
			t.Errorf("second build recompiled %d packages:\n%s", len(compiles), strings.Join(compiles, "\n"))
		}
		runPlain(t, bin)
		// A plain build after an instrumented one must not reuse
		// instrumented archives.
		plain := filepath.Join(t.TempDir(), "chatapp-plain")
		run(t, dir, nil, "go", "build", "-o", plain, ".")
		out, spans := e.runApp(t, plain, "plain", false)
		if !strings.Contains(out, fakeprovider.Answer) || len(spans) != 0 {
			t.Errorf("plain build: %d spans (want 0), output %s", len(spans), out)
		}
	})
}

var _ = os.Getenv
