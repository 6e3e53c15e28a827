package integration

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/fakeprovider"
)

// TestDotlessModule builds the chat app as a module without a dot in its
// path (`go mod init app`), including a main package that reaches the SDK
// only through one of the module's own packages: paths like app/llm must not
// be taken for the standard library.
func TestDotlessModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	dir := copyApp(t, "chatapp")
	run(t, dir, nil, "go", "mod", "edit", "-module=app")
	moveImports(t, dir, "example.com/chatapp", "app", nil)
	e := newEnv(t)
	for _, tc := range []struct{ pkg, mode string }{
		{"./cmd/indirect", ""},
		{".", "via"},
	} {
		t.Run(strings.Trim(tc.pkg, "./"), func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "app")
			out := run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, tc.pkg)
			if strings.Contains(out, "warning") {
				t.Errorf("build warned:\n%s", out)
			}
			out, spans := e.runApp(t, bin, tc.mode, false)
			if tc.mode == "" && !strings.Contains(out, "answer: "+fakeprovider.Answer) {
				t.Errorf("program output changed: %s", out)
			}
			wantAttrs(t, oneChatSpan(t, spans), map[string]any{
				"gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.id": fakeprovider.ResponseID,
			})
		})
	}
}

// TestRuntimeReplacedNotRequired: a replace of the runtime with no require
// (what go mod tidy leaves when no tools file keeps it) stops the build with
// the one message that names the fix, printed once.
func TestRuntimeReplacedNotRequired(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	dir := copyApp(t, "goopenaiapp") // its sources do not import the runtime
	run(t, dir, nil, "go", "mod", "edit", "-droprequire=github.com/llminstr/llminstr/runtime")
	os.Remove(filepath.Join(dir, "tools.go"))
	report := filepath.Join(t.TempDir(), "report.jsonl")
	out, err := runErr(dir, []string{"LLMINSTR_REPORT=" + report}, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, "./...")
	if err == nil {
		t.Fatalf("the build succeeded without the runtime:\n%s", out)
	}
	if n := strings.Count(out, `Fix: run "llminstr init"`); n != 1 {
		t.Errorf("the fix is printed %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "replaced but not required") {
		t.Errorf("go list's reason is not shown:\n%s", out)
	}
	if strings.Contains(out, "compiled without instrumentation") {
		t.Errorf("packages compiled uninstrumented:\n%s", out)
	}
}

// TestStrictIsAGate: LLMINSTR_STRICT=1 fails on every call site left
// uninstrumented (here a method used as a function value), also when a
// lenient build has already put the packages in the build cache.
func TestStrictIsAGate(t *testing.T) {
	if testing.Short() {
		t.Skip("builds programs")
	}
	dir := copyApp(t, "goopenaiapp") // a small SDK: the strict build recompiles all
	src := "package llm\n\nimport \"github.com/sashabaranov/go-openai\"\n\n" +
		"// NewFunc hands out the method as a function value.\n" +
		"func NewFunc(c *openai.Client) any { return c.CreateChatCompletion }\n"
	if err := os.WriteFile(filepath.Join(dir, "llm", "funcvalue.go"), []byte(src), 0o666); err != nil {
		t.Fatal(err)
	}
	site := "llm/funcvalue.go:6"

	// Lenient: builds, and the warning names the site.
	out := run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
	if !strings.Contains(out, site) || !strings.Contains(out, "function value") {
		t.Errorf("lenient build does not warn about %s:\n%s", site, out)
	}
	// Strict, with the lenient build's packages in the cache: fails.
	for i := 0; i < 2; i++ {
		out, err := runErr(dir, []string{"LLMINSTR_STRICT=1"}, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
		if err == nil || !strings.Contains(out, "LLMINSTR_STRICT=1") || !strings.Contains(out, site) {
			t.Errorf("strict build %d: err=%v, want a failure naming %s:\n%s", i+1, err, site, out)
		}
	}
	// An ignored site is the user's choice: strict passes.
	src = strings.Replace(src, "func NewFunc", "//llminstr:ignore\nfunc NewFunc", 1)
	os.WriteFile(filepath.Join(dir, "llm", "funcvalue.go"), []byte(src), 0o666)
	run(t, dir, []string{"LLMINSTR_STRICT=1"}, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
}
