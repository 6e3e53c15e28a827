package integration

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"

	"github.com/llminstr/llminstr/internal/fakeprovider"
)

// TestBuildModes builds the chat app in every way the go command can, and
// checks that each binary is instrumented and runs.
func TestBuildModes(t *testing.T) {
	llmtest.SkipShort(t)
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
		out, spans := e.Run(t, bin, false, "plain")
		checkPlain(t, out, func() int { return len(llmtest.ChatSpans(spans)) })
	}

	t.Run("race", func(t *testing.T) {
		dir := copyApp(t, "openai")
		runPlain(t, build(t, dir, nil, "-race"))
	})
	t.Run("cover", func(t *testing.T) {
		dir := copyApp(t, "openai")
		runPlain(t, build(t, dir, nil, "-cover"))
	})
	t.Run("trimpath", func(t *testing.T) {
		dir := copyApp(t, "openai")
		bin := build(t, dir, nil, "-trimpath")
		runPlain(t, bin)
		out, _ := e.Run(t, bin, true, "panic")
		want := fmt.Sprintf("example.com/chatapp/main.go:%d", lineOf(t, filepath.Join(dir, "main.go"), "chatapp:panic-line"))
		if !strings.Contains(out, want) {
			t.Errorf("panic does not report %s:\n%s", want, out)
		}
	})
	t.Run("go_test", func(t *testing.T) {
		dir := copyApp(t, "openai")
		e.Receiver.Reset()
		out := llmtest.Run(t, dir, e.Env, "go", "test", tool, "-count=1", "-run", "TestPlain", ".")
		if !strings.Contains(out, "ok") {
			t.Errorf("go test: %s", out)
		}
		if n := len(llmtest.ChatSpans(e.Receiver.Spans())); n != 1 {
			t.Errorf("go test exported %d chat spans, want 1", n)
		}
	})
	// llminstr under a wrapper (a script that runs it, as timing or
	// caching wrappers do): the go command is its grandparent, whose flags
	// the runtime's resolution must still use, or the program's code is
	// compiled against a runtime the link does not have.
	t.Run("wrapper", func(t *testing.T) {
		dir := copyApp(t, "openai")
		wrapper := filepath.Join(t.TempDir(), "wrap.sh")
		script := "#!/bin/sh\n# not exec: the shell stays between go and llminstr\n\"" + llminstrBin + "\" \"$@\"\n"
		if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		bin := filepath.Join(t.TempDir(), "chatapp")
		llmtest.Run(t, dir, nil, "go", "build", "-toolexec="+wrapper, "-o", bin, ".")
		runPlain(t, bin)
	})
	t.Run("go_run", func(t *testing.T) {
		dir := copyApp(t, "openai")
		e.Receiver.Reset()
		out := llmtest.Run(t, dir, e.Env, "go", "run", tool, ".", "plain")
		checkPlain(t, out, func() int { return len(llmtest.ChatSpans(e.Receiver.Spans())) })
	})
	t.Run("vendor", func(t *testing.T) {
		dir := copyApp(t, "openai")
		llmtest.Run(t, dir, nil, "go", "mod", "vendor")
		runPlain(t, build(t, dir, nil, "-mod=vendor"))
	})
	t.Run("workspace", func(t *testing.T) {
		dir := copyApp(t, "openai")
		ws := filepath.Dir(dir)
		llmtest.Run(t, ws, nil, "go", "work", "init", "./"+filepath.Base(dir))
		runPlain(t, build(t, dir, []string{"GOWORK=" + filepath.Join(ws, "go.work")}))
	})
	t.Run("goflags", func(t *testing.T) {
		dir := copyApp(t, "openai")
		bin := filepath.Join(t.TempDir(), "chatapp")
		llmtest.Run(t, dir, []string{"GOFLAGS=" + tool}, "go", "build", "-o", bin, ".")
		runPlain(t, bin)
	})
	t.Run("cache", func(t *testing.T) {
		dir := copyApp(t, "openai")
		build(t, dir, nil)
		// Nothing changed: the second build must compile nothing.
		bin := filepath.Join(t.TempDir(), "chatapp")
		out := llmtest.Run(t, dir, nil, "go", "build", tool, "-x", "-o", bin, ".")
		if compiles := regexp.MustCompile(`(?m)/compile .* -p `).FindAllString(out, -1); len(compiles) > 0 {
			t.Errorf("second build recompiled %d packages:\n%s", len(compiles), strings.Join(compiles, "\n"))
		}
		runPlain(t, bin)
		// A plain build after an instrumented one must not reuse
		// instrumented archives.
		plain := filepath.Join(t.TempDir(), "chatapp-plain")
		llmtest.Run(t, dir, nil, "go", "build", "-o", plain, ".")
		out, spans := e.Run(t, plain, false, "plain")
		if !strings.Contains(out, fakeprovider.Answer) || len(spans) != 0 {
			t.Errorf("plain build: %d spans (want 0), output %s", len(spans), out)
		}
	})
	// An edit of the main package recompiles it alone, and the export
	// files its adapters import but it does not (the runtime's, the SDK's
	// stream package) come from its dependencies' marks: no child go list,
	// which would leave its memo in the build's work directory.
	t.Run("incremental", func(t *testing.T) {
		dir := copyApp(t, "openai")
		build(t, dir, nil)
		appendFile(t, filepath.Join(dir, "main.go"), "\n// edited\n")
		bin := filepath.Join(t.TempDir(), "chatapp")
		out := llmtest.Run(t, dir, nil, "go", "build", tool, "-work", "-o", bin, ".")
		work := regexp.MustCompile(`(?m)^WORK=(.*)$`).FindStringSubmatch(out)
		if work == nil {
			t.Fatalf("no WORK= in the output of go build -work:\n%s", out)
		}
		defer os.RemoveAll(work[1])
		if _, err := os.Stat(filepath.Join(work[1], "llminstr", "resolve.json")); err == nil {
			t.Errorf("the incremental build ran go list to find export files its dependencies' marks should have named")
		}
		runPlain(t, bin)
	})
}

var _ = os.Getenv

// appendFile appends text to the file at path: an edit that changes no
// declaration.
func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
}

// directMain is a main package that calls the SDK itself and imports no
// package of its module that does: no dependency's mark names the runtime's
// export files, so its compile must resolve them.
const directMain = `package main

import (
	"context"
	"fmt"
	"os"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

func main() {
	client := openai.NewClient(option.WithBaseURL(os.Getenv("CHATAPP_BASE_URL")), option.WithAPIKey("sk-test-secret"), option.WithMaxRetries(0))
	res, err := client.Chat.Completions.New(context.Background(), openai.ChatCompletionNewParams{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Say this is a test")},
	})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("answer:", res.Choices[0].Message.Content)
}
`

// TestResolveCacheAcrossBuilds: a rebuild after an edit of a main package
// that calls the SDK itself takes the runtime's export files from the
// resolve cache, without a child go list; an edit of go.mod or another
// environment asks go list again. Every build's program traces its call.
// The child is seen through a -toolexec wrapper around llminstr, which
// the child's own tool invocations pass through, marked LLMINSTR_RESOLVING.
func TestResolveCacheAcrossBuilds(t *testing.T) {
	llmtest.SkipShort(t)
	dir := copyApp(t, "openai")
	main := filepath.Join(dir, "cmd", "direct", "main.go")
	if err := os.MkdirAll(filepath.Dir(main), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(main, []byte(directMain), 0o666); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	log := filepath.Join(tmp, "children.log")
	wrapper := filepath.Join(tmp, "wrapper.sh")
	script := "#!/bin/sh\nif [ -n \"$LLMINSTR_RESOLVING\" ]; then echo \"$*\" >> " + log + "; fi\nexec \"$@\"\n"
	if err := os.WriteFile(wrapper, []byte(script), 0o777); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t)
	for i, step := range []struct {
		name      string
		env       []string
		before    func()
		wantChild bool
	}{
		{name: "first build", wantChild: true},
		{name: "main.go edited"},
		{name: "main.go edited again"},
		{name: "another environment", env: []string{"LLMINSTR_TEST_OTHER=1"}, wantChild: true},
		{name: "back in the first environment"},
		{name: "go.mod edited", before: func() { appendFile(t, filepath.Join(dir, "go.mod"), "\n// edited\n") }, wantChild: true},
		{name: "after go.mod edited"},
	} {
		if step.before != nil {
			step.before()
		}
		appendFile(t, main, fmt.Sprintf("\n// edit %d\n", i))
		os.Remove(log)
		bin := filepath.Join(tmp, fmt.Sprintf("direct%d", i))
		llmtest.Run(t, dir, step.env, "go", "build", "-toolexec="+wrapper+" "+llminstrBin, "-o", bin, "./cmd/direct")
		children, _ := os.ReadFile(log)
		if ran := len(children) > 0; ran != step.wantChild {
			t.Errorf("%s: child go list ran: %v, want %v (its tools: %q)", step.name, ran, step.wantChild, children)
		}
		out, spans := e.Run(t, bin, false)
		if !strings.Contains(out, "answer: "+fakeprovider.Answer) {
			t.Errorf("%s: program output %q", step.name, out)
		}
		if s := llmtest.OneChatSpan(t, spans); s.Name != "chat gpt-4o-mini" {
			t.Errorf("%s: span %q", step.name, s.Name)
		}
	}
}
