package integration

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/rules"

	"golang.org/x/mod/module"
	modzip "golang.org/x/mod/zip"

	"github.com/llminstr/llminstr/internal/report"
)

// llminstrCmd runs the llminstr command in dir and returns its stdout,
// stderr and exit code.
func llminstrCmd(t *testing.T, dir string, env []string, args ...string) (string, string, int) {
	t.Helper()
	if testing.Short() {
		t.Skip("runs the llminstr binary")
	}
	cmd := exec.Command(llminstrBin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exitErr, ok := err.(*exec.ExitError); ok {
		code = exitErr.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// applyUnified applies a unified diff of one or more files to the files
// under root and returns the resulting contents by path ("b/" removed).
func applyUnified(t *testing.T, root, diff string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.SplitAfter(diff, "\n")
	for i := 0; i < len(lines); {
		if !strings.HasPrefix(lines[i], "--- ") {
			i++
			continue
		}
		oldName := strings.TrimSpace(strings.TrimPrefix(lines[i], "--- "))
		newName := strings.TrimPrefix(strings.TrimSpace(strings.TrimPrefix(lines[i+1], "+++ ")), "b/")
		i += 2
		var old []string
		if oldName != "/dev/null" {
			data, err := os.ReadFile(filepath.Join(root, strings.TrimPrefix(oldName, "a/")))
			if err != nil {
				t.Fatal(err)
			}
			old = strings.SplitAfter(string(data), "\n")
		}
		var result []string
		pos := 0 // next line of old to copy
		for i < len(lines) && strings.HasPrefix(lines[i], "@@") {
			var oldStart int
			fields := strings.Fields(lines[i])
			oldStart, _ = strconv.Atoi(strings.Split(strings.TrimPrefix(fields[1], "-"), ",")[0])
			if oldStart > 0 {
				oldStart--
			}
			result = append(result, old[pos:oldStart]...)
			pos = oldStart
			i++
			for i < len(lines) && len(lines[i]) > 0 && strings.ContainsRune(" +-\\", rune(lines[i][0])) && !strings.HasPrefix(lines[i], "--- ") {
				l := lines[i]
				switch l[0] {
				case ' ':
					result = append(result, old[pos])
					pos++
				case '-':
					pos++
				case '+':
					result = append(result, l[1:])
				case '\\': // "\ No newline at end of file"
					if n := len(result); n > 0 {
						result[n-1] = strings.TrimSuffix(result[n-1], "\n")
					}
				}
				i++
			}
		}
		if pos < len(old) {
			result = append(result, old[pos:]...)
		}
		out[newName] = strings.Join(result, "")
	}
	return out
}

// TestDiffIsWhatTheBuildCompiles builds the app keeping the files handed
// to the compiler, and checks that `llminstr diff` applied to the sources
// gives exactly those bytes; and that the build's LLMINSTR_REPORT records
// are those of `llminstr report`. The build comes after another has put
// every package in the build cache: a build that keeps or reports
// compiles all the same. (One build does both: it compiles every package,
// the standard library's too.)
func TestDiffIsWhatTheBuildCompiles(t *testing.T) {
	dir := copyApp(t, "openai")
	out, stderr, code := llminstrCmd(t, dir, nil, "report", "-json")
	if code != 0 {
		t.Fatalf("report exited %d: %s", code, stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report -json: %v\n%s", err, out)
	}
	var fromReport []string
	for _, r := range rep.Sites {
		fromReport = append(fromReport, r.File+":"+strconv.Itoa(r.Line)+" "+r.Rule+" "+r.Status)
	}
	sort.Strings(fromReport)

	build(t, dir, nil) // every package in the build cache
	keep := t.TempDir()
	jsonl := filepath.Join(t.TempDir(), "report.jsonl")
	build(t, dir, []string{"LLMINSTR_KEEP=" + keep, "LLMINSTR_REPORT=" + jsonl})
	if fromBuild := reportLines(t, jsonl); len(fromBuild) == 0 || strings.Join(fromBuild, "\n") != strings.Join(fromReport, "\n") {
		t.Errorf("LLMINSTR_REPORT on a warm cache:\n%s\nllminstr report:\n%s", strings.Join(fromBuild, "\n"), strings.Join(fromReport, "\n"))
	}

	// The packages the build compiled: the program and its llm package
	// (not cmd/indirect, another program of the module).
	diff, stderr, code := llminstrCmd(t, dir, nil, "diff", "-exit-code", ".", "./llm")
	if code != 1 {
		t.Fatalf("diff -exit-code exited %d, want 1 (there are rewrites)\n%s", code, stderr)
	}
	applied := applyUnified(t, dir, diff)
	// The diff is of the program's packages; the build keeps nothing of
	// the SDK's, which it compiles as they are.
	kept := map[string]string{}
	filepath.Walk(keep, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(keep, path)
		if !strings.HasPrefix(filepath.ToSlash(rel), "example.com/chatapp/") {
			t.Errorf("the build rewrote %s, not the program's", rel)
			return nil
		}
		data, _ := os.ReadFile(path)
		kept[filepath.ToSlash(rel)] = string(data)
		return nil
	})
	// Kept files are under <import path>/, diff paths under the module dir.
	toKept := func(name string) string {
		if strings.HasPrefix(name, "llm/") {
			return "example.com/chatapp/" + name
		}
		return "example.com/chatapp/" + name
	}
	if len(applied) == 0 || len(applied) != len(kept) {
		t.Errorf("diff covers %d files, the build kept %d", len(applied), len(kept))
	}
	for name, content := range applied {
		k, ok := kept[toKept(name)]
		if !ok {
			t.Errorf("diff has %s, the build did not compile it", name)
			continue
		}
		if k != content {
			t.Errorf("%s: diff applied to the source differs from what the build compiled", name)
		}
	}
}

// reportLines reads a LLMINSTR_REPORT file as sorted "file:line rule status"
// lines.
func reportLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r report.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("LLMINSTR_REPORT line %q: %v", sc.Text(), err)
		}
		lines = append(lines, r.File+":"+strconv.Itoa(r.Line)+" "+r.Rule+" "+r.Status)
	}
	sort.Strings(lines)
	return lines
}

func TestReport(t *testing.T) {
	dir := copyApp(t, "openai")

	out, stderr, code := llminstrCmd(t, dir, nil, "report", "-json", "-strict")
	if code != 0 {
		t.Fatalf("report exited %d: %s", code, stderr)
	}
	var rep report.Report
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("report -json: %v\n%s", err, out)
	}
	// Every SDK call in the app is written as x.New(ctx, ...),
	// x.NewStreaming(ctx, ...) or (*T).New(&client..., ctx, ...); tests are
	// not part of ./... for report.
	calls := 0
	for _, f := range []string{"main.go", "llm/llm.go"} {
		data, _ := os.ReadFile(filepath.Join(dir, f))
		calls += len(regexp.MustCompile(`\.(New|NewStreaming)\((ctx|&client)`).FindAll(data, -1))
	}
	if rep.Version != 1 || len(rep.Sites) != calls {
		t.Fatalf("version %d, %d sites; want 1 and %d:\n%s", rep.Version, len(rep.Sites), calls, out)
	}
	for _, s := range rep.Sites {
		if s.Status != "rewritten" {
			t.Errorf("site %s:%d is %s: %s", s.File, s.Line, s.Status, s.Reason)
		}
	}
	first := rep.Sites[0]
	firstLine := 0
	if data, err := os.ReadFile(filepath.Join(dir, "llm", "llm.go")); err == nil {
		firstLine = strings.Count(string(data[:strings.Index(string(data), ".New(ctx")]), "\n") + 1
	}
	if first.File != filepath.Join(dir, "llm", "llm.go") || first.Line != firstLine || first.Rule != "openai.chat.completions.new" ||
		first.Provider != "openai" || first.Operation != "chat" || first.Status != "rewritten" || first.Package != "example.com/chatapp/llm" {
		t.Errorf("first site: %+v", first)
	}

	// A build's LLMINSTR_REPORT records are the same:
	// TestDiffIsWhatTheBuildCompiles.

	// Disabled by configuration: skipped, and -strict fails.
	os.WriteFile(filepath.Join(dir, "llminstr.yaml"), []byte("disable:\n  - openai\n"), 0o666)
	out, _, code = llminstrCmd(t, dir, nil, "report", "-strict")
	if code != 1 || !strings.Contains(out, fmt.Sprintf("%d call sites: 0 rewritten, %d skipped", calls, calls)) || !strings.Contains(out, "integration openai is disabled by configuration") {
		t.Errorf("disabled: exit %d\n%s", code, out)
	}
}

func TestCommandErrors(t *testing.T) {
	dir := copyApp(t, "openai")
	cases := []struct {
		name     string
		args     []string
		env      []string
		yaml     string
		wantCode int
		want     string
	}{
		{name: "unknown flag", args: []string{"report", "-frobnicate"}, wantCode: 2, want: "flag provided but not defined: -frobnicate"},
		{name: "unknown command", args: []string{"frob"}, wantCode: 2, want: `unknown command "frob"`},
		{name: "unknown integration", args: []string{"report"}, env: []string{"LLMINSTR_DISABLE=opneai"}, wantCode: 1, want: `LLMINSTR_DISABLE: unknown integration "opneai"`},
		{name: "malformed yaml", args: []string{"diff"}, yaml: "disable: [openai]\nenable: true\n", wantCode: 1, want: "llminstr.yaml:2: unknown key \"enable\""},
		{name: "packages fail to load", args: []string{"report", "./nosuchdir"}, wantCode: 1, want: "nosuchdir"},
		{name: "view: no such file", args: []string{"view", "nosuch.jsonl"}, wantCode: 1, want: "llminstr view: open nosuch.jsonl: no such file or directory"},
		{name: "view: not OTLP", args: []string{"view", "main.go"}, wantCode: 1, want: "llminstr view: main.go: neither OTLP/JSON nor OTLP protobuf"},
		{name: "view: bad colour", args: []string{"view", "-color=red"}, wantCode: 2, want: `-color="red": want auto, always or never`},
		{name: "view: bad address", args: []string{"view", "-listen", "256.0.0.1:1"}, wantCode: 1, want: "llminstr view: listen tcp"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			os.Remove(filepath.Join(dir, "llminstr.yaml"))
			if tc.yaml != "" {
				os.WriteFile(filepath.Join(dir, "llminstr.yaml"), []byte(tc.yaml), 0o666)
			}
			_, stderr, code := llminstrCmd(t, dir, tc.env, tc.args...)
			if code != tc.wantCode || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant it to contain %q", code, tc.wantCode, stderr, tc.want)
			}
			if strings.Contains(stderr, "goroutine ") {
				t.Errorf("stack trace printed:\n%s", stderr)
			}
		})
	}

	// The build fails with the same clear message for a malformed file.
	os.WriteFile(filepath.Join(dir, "llminstr.yaml"), []byte("disable: [nope]\n"), 0o666)
	out, err := llmtest.RunErr(dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
	if err == nil || !strings.Contains(out, "llminstr.yaml:1: unknown integration \"nope\"") {
		t.Errorf("build with a malformed llminstr.yaml: err=%v\n%s", err, out)
	}
}

// fileProxy writes a module proxy directory serving this checkout's runtime
// as version v, and returns a GOPROXY value that falls back to the usual
// proxy for everything else.
func fileProxy(t *testing.T, v string) string {
	t.Helper()
	root := t.TempDir()
	modPath := "github.com/llminstr/llminstr/runtime"
	dir := filepath.Join(root, modPath, "@v")
	os.MkdirAll(dir, 0o777)
	runtimeDir := filepath.Join(llmtest.RepoRoot(), "runtime")
	gomod, _ := os.ReadFile(filepath.Join(runtimeDir, "go.mod"))
	os.WriteFile(filepath.Join(dir, v+".mod"), gomod, 0o666)
	os.WriteFile(filepath.Join(dir, v+".info"), []byte(`{"Version":"`+v+`","Time":"2026-11-01T00:00:00Z"}`), 0o666)
	os.WriteFile(filepath.Join(dir, "list"), []byte(v+"\n"), 0o666)
	zf, err := os.Create(filepath.Join(dir, v+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	if err := modzip.CreateFromDir(zf, module.Version{Path: modPath, Version: v}, runtimeDir); err != nil {
		t.Fatal(err)
	}
	zf.Close()
	upstream, _ := exec.Command("go", "env", "GOPROXY").Output()
	return "GOPROXY=file://" + root + "," + strings.TrimSpace(string(upstream))
}

// runtimeHash is a short hash of the runtime module's files.
func runtimeHash(t *testing.T) string {
	t.Helper()
	h := sha256.New()
	dir := filepath.Join(llmtest.RepoRoot(), "runtime")
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		fmt.Fprintf(h, "%s %d\n", strings.TrimPrefix(path, dir), len(data))
		h.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

func TestInit(t *testing.T) {
	// The version is new for every content of the runtime: a module cache
	// never holds a stale copy of it.
	v := "v0.1.0-test.h" + runtimeHash(t)
	proxy := fileProxy(t, v)
	env := []string{proxy, "GONOSUMDB=github.com/llminstr"}

	// Outside a module.
	_, stderr, code := llminstrCmd(t, t.TempDir(), append(env, "GO111MODULE=on", "GOWORK=off"), "init")
	if code != 1 || !strings.Contains(stderr, "not inside a Go module") {
		t.Errorf("outside a module: exit %d\n%s", code, stderr)
	}

	dir := copyApp(t, "goopenai") // its sources do not import the runtime
	llmtest.Run(t, dir, nil, "go", "mod", "edit", "-dropreplace=github.com/llminstr/llminstr/runtime", "-droprequire=github.com/llminstr/llminstr/runtime")
	os.Remove(filepath.Join(dir, "tools.go"))
	llmtest.Run(t, dir, env, "go", "mod", "tidy")
	before := goModRequires(t, dir)

	// A build without the runtime stops with one clear error.
	out, err := llmtest.RunErr(dir, env, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
	if err == nil || !strings.Contains(out, `Fix: run "llminstr init"`) {
		t.Errorf("build without the runtime: err=%v\n%s", err, out)
	}

	stdout, stderr, code := llminstrCmd(t, dir, env, "init", "-version", v)
	if code != 0 {
		t.Fatalf("init exited %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "added    github.com/llminstr/llminstr/runtime "+v) {
		t.Errorf("init output:\n%s", stdout)
	}
	after := goModRequires(t, dir)
	for path, v := range before {
		if after[path] != v && !strings.HasPrefix(path, "go.opentelemetry.io/") {
			t.Errorf("init changed %s: %s => %s", path, v, after[path])
		}
	}
	if after["github.com/llminstr/llminstr/runtime"] != v {
		t.Errorf("runtime not required: %v", after)
	}
	// Idempotent, and the requirement survives go mod tidy.
	stdout, _, code = llminstrCmd(t, dir, env, "init", "-version", v)
	if code != 0 || !strings.Contains(stdout, "already requires") {
		t.Errorf("second init: exit %d\n%s", code, stdout)
	}
	llmtest.Run(t, dir, env, "go", "mod", "tidy")
	if goModRequires(t, dir)["github.com/llminstr/llminstr/runtime"] != v {
		t.Errorf("go mod tidy dropped the runtime")
	}
	// And the program now builds instrumented.
	llmtest.Run(t, dir, env, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")

	// A requirement without the sums of what the runtime imports (added
	// with go mod edit, say): init supplies them, and the runtime's
	// package loads.
	sums, err := os.ReadFile(filepath.Join(dir, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	var kept []string
	for _, line := range strings.SplitAfter(string(sums), "\n") {
		if !strings.HasPrefix(line, "go.opentelemetry.io/") {
			kept = append(kept, line)
		}
	}
	os.WriteFile(filepath.Join(dir, "go.sum"), []byte(strings.Join(kept, "")), 0o666)
	if out, err := llmtest.RunErr(dir, env, "go", "list", "-deps", rules.InjectedPackage); err == nil || !strings.Contains(out, "missing go.sum entry") {
		t.Fatalf("go list without the runtime's sums: err=%v\n%s", err, out)
	}
	if _, stderr, code := llminstrCmd(t, dir, env, "init"); code != 0 {
		t.Fatalf("init with the runtime's sums missing exited %d: %s", code, stderr)
	}
	llmtest.Run(t, dir, env, "go", "list", "-deps", rules.InjectedPackage)

	// In a go.work workspace, init changes the module it runs in.
	ws := t.TempDir()
	mod := filepath.Join(ws, "svc")
	os.MkdirAll(mod, 0o777)
	os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/svc\n\ngo 1.26\n"), 0o666)
	os.WriteFile(filepath.Join(mod, "main.go"), []byte("package main\n\nfunc main() {}\n"), 0o666)
	llmtest.Run(t, ws, nil, "go", "work", "init", "./svc")
	stdout, stderr, code = llminstrCmd(t, mod, env, "init", "-version", v)
	if code != 0 || goModRequires(t, mod)["github.com/llminstr/llminstr/runtime"] != v {
		t.Errorf("init in a workspace: exit %d\n%s%s", code, stdout, stderr)
	}
	if data, err := os.ReadFile(filepath.Join(mod, "llminstr.tools.go")); err != nil || !strings.Contains(string(data), "package main") {
		t.Errorf("tools file: %v\n%s", err, data)
	}
}

func goModRequires(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := llmtest.Run(t, dir, nil, "go", "mod", "edit", "-json")
	var m struct {
		Require []struct{ Path, Version string }
	}
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		t.Fatal(err)
	}
	reqs := map[string]string{}
	for _, r := range m.Require {
		reqs[r.Path] = r.Version
	}
	return reqs
}

// TestReportTellsTheWholeTruth checks what report and diff say beyond the
// program's plain packages: its tests (with -test, as go test -toolexec
// compiles them), a cgo package (the diff applies to the user's file), a
// package that does not load (the others are still reported, and the
// command fails), and a package whose names collide with injected ones.
func TestReportTellsTheWholeTruth(t *testing.T) {
	dir := copyApp(t, "openai")
	write := func(name, content string) {
		t.Helper()
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o777)
		if err := os.WriteFile(p, []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	const call = `	res, err := c.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "m"})
	if err != nil {
		return "", err
	}
	return res.ID, nil
`
	write("cgollm/cgollm.go", `// Package cgollm calls the SDK from a file that uses cgo.
package cgollm

// #include <stdlib.h>
import "C"

import (
	"context"
	"unsafe"

	"github.com/openai/openai-go/v3"
)

// Ask frees C memory and makes one chat call.
func Ask(ctx context.Context, c *openai.Client) (string, error) {
	p := C.malloc(1)
	defer C.free(unsafe.Pointer(p))
`+call+"}\n")
	write("reserved/reserved.go", `// Package reserved declares a name llminstr reserves.
package reserved

import (
	"context"

	"github.com/openai/openai-go/v3"
)

var llminstrRT = "mine"

func Ask(ctx context.Context, c *openai.Client) (string, error) {
	_ = llminstrRT
`+call+"}\n")

	// Shapes the call-site rewrite cannot follow, against the real SDK.
	write("shapes/shapes.go", `// Package shapes hands the SDK's service to code that calls it unseen.
package shapes

import (
	"context"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

type Chatter interface {
	New(ctx context.Context, body openai.ChatCompletionNewParams, opts ...option.RequestOption) (*openai.ChatCompletion, error)
}

func Generic[T Chatter](ctx context.Context, c T) { c.New(ctx, openai.ChatCompletionNewParams{}) }

func Args() (context.Context, openai.ChatCompletionNewParams) {
	return context.Background(), openai.ChatCompletionNewParams{}
}

func Use(ctx context.Context, c *openai.Client) {
	var ch Chatter = &c.Chat.Completions
	ch.New(ctx, openai.ChatCompletionNewParams{})
	Generic(ctx, &c.Chat.Completions)
	c.Chat.Completions.New(Args())
}
`)
	wantShapes := map[int]string{
		22: "*openai.ChatCompletionService is assigned to shapes.Chatter",
		24: "*openai.ChatCompletionService is a type argument for shapes.Chatter",
		25: "the arguments are the results of one call",
	}

	// Without -test, no _test.go site; with it, main_test.go's once (the
	// package and its test variant share main.go's sites).
	sites := func(t *testing.T, args ...string) map[string]report.Record {
		t.Helper()
		out, stderr, code := llminstrCmd(t, dir, nil, append([]string{"report", "-json"}, args...)...)
		if code != 0 {
			t.Fatalf("report %v exited %d: %s", args, code, stderr)
		}
		var rep report.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatal(err)
		}
		bySite := map[string]report.Record{}
		for _, r := range rep.Sites {
			rel, _ := filepath.Rel(dir, r.File)
			key := fmt.Sprintf("%s:%d", filepath.ToSlash(rel), r.Line)
			if _, dup := bySite[key]; dup {
				t.Errorf("site %s reported twice", key)
			}
			bySite[key] = r
		}
		return bySite
	}
	plain, withTests := sites(t, "./..."), sites(t, "-test", "./...")
	var testSites []string
	for key := range withTests {
		if _, ok := plain[key]; !ok {
			testSites = append(testSites, key)
		}
	}
	if len(testSites) != 1 || !strings.HasPrefix(testSites[0], "main_test.go:") || len(withTests) != len(plain)+1 {
		t.Errorf("-test added %v to %d sites, want main_test.go's one", testSites, len(plain))
	}

	for line, want := range wantShapes {
		r, ok := plain[fmt.Sprintf("shapes/shapes.go:%d", line)]
		if !ok || r.Status != "skipped" || !strings.Contains(r.Reason, want) || r.Rule != "openai.chat.completions.new" ||
			!strings.HasSuffix(r.Reason, "(its requests are traced at the wire)") {
			t.Errorf("shapes.go:%d: %+v, want skipped: %s", line, r, want)
		}
	}

	// The collision is named, on one line.
	for key, r := range plain {
		if !strings.HasPrefix(key, "reserved/") {
			continue
		}
		if r.Status != "skipped" || !strings.Contains(r.Reason, "the package declares llminstrRT, as the code llminstr injects does") || strings.Contains(r.Reason, "\n") {
			t.Errorf("reserved: %s %q", r.Status, r.Reason)
		}
	}

	// The cgo package's diff is of the user's file, and applies to it.
	diff, stderr, code := llminstrCmd(t, dir, nil, "diff", "./cgollm")
	if code != 0 || !strings.Contains(diff, "--- a/cgollm/cgollm.go") {
		t.Fatalf("diff of the cgo package (exit %d, %s):\n%s", code, stderr, diff)
	}
	applied := applyUnified(t, dir, diff)["cgollm/cgollm.go"]
	orig, _ := os.ReadFile(filepath.Join(dir, "cgollm", "cgollm.go"))
	want := strings.Replace(string(orig), "c.Chat.Completions.New(ctx,", "llminstrOpenAIChatNew(c.Chat.Completions.New, ctx,", 1)
	if !strings.HasPrefix(applied, "//line ") || !strings.Contains(applied, strings.SplitN(want, "\n", 2)[1]) {
		t.Errorf("the diff applied to cgollm.go gives:\n%s", applied)
	}

	// A package that does not load: the others are listed, it is named on
	// stderr, and the command fails.
	write("broken/broken.go", "package broken\n\nfunc F() { undefinedName() }\n")
	out, stderr, code := llminstrCmd(t, dir, nil, "report", "./...")
	if code != 1 || !strings.Contains(stderr, "undefinedName") || !strings.Contains(out, fmt.Sprintf("%d call sites", len(plain))) {
		t.Errorf("report with a broken package: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, stderr)
	}
}

// TestToolStartupIsLight checks what every tool invocation of a build pays
// before llminstr looks at its arguments: package initialization. Most
// invocations (the standard library's compiles, asm, cgo) only exec the
// tool: llminstr execs them from the init function of its first package
// (cmd/llminstr/internal/fastpath), before any package outside the
// standard library is initialized, nor the heavy ones of the standard
// library. The others (the other compiles, the link, the question of the
// compiler's version) initialize every package, so whatever the commands
// need (the rules, the help text) is made when they run, not at start-up.
// Loading the rules at init, as the help text once did, costs about 8300
// allocations and a few milliseconds of CPU in each of the hundreds of
// invocations of a clean build.
func TestToolStartupIsLight(t *testing.T) {
	llmtest.SkipShort(t) // needs the llminstr binary TestMain builds
	// Tools that print no inittrace of their own.
	toolDir := t.TempDir()
	tool := func(name string) string {
		path := filepath.Join(toolDir, name)
		if err := os.Symlink("/bin/true", path); err != nil && !os.IsExist(err) {
			t.Skip(err)
		}
		return path
	}
	// init pkg @0.1 ms, 0.01 ms clock, 640 bytes, 5 allocs
	line := regexp.MustCompile(`(?m)^init (\S+) @\S+ ms, \S+ ms clock, (\d+) bytes, (\d+) allocs$`)
	inits := func(args ...string) [][]string {
		cmd := exec.Command(llminstrBin, args...)
		cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("llminstr %q: %v\n%s", args, err, out)
		}
		m := line.FindAllStringSubmatch(string(out), -1)
		if len(m) == 0 {
			t.Fatalf("llminstr %q: no inittrace lines in the output:\n%s", args, out)
		}
		return m
	}

	for _, args := range [][]string{
		{tool("asm"), "-V=full"},
		{tool("compile"), "-o", filepath.Join(t.TempDir(), "fmt.a"), "-p", "fmt", "-std", "-complete"},
	} {
		var pkgs []string
		for _, m := range inits(args...) {
			pkgs = append(pkgs, m[1])
			if first, _, _ := strings.Cut(m[1], "/"); strings.Contains(first, ".") || m[1] == "go/types" || m[1] == "net/http" || m[1] == "html/template" {
				t.Errorf("llminstr %s %s: initialized %s before it passed the invocation on", filepath.Base(args[0]), args[1], m[1])
			}
		}
		t.Logf("%s: %d packages initialized: %s", filepath.Base(args[0]), len(pkgs), strings.Join(pkgs, " "))
	}

	var allocs, bytes int
	var top []string
	for _, m := range inits(tool("compile"), "-V=full") {
		b, _ := strconv.Atoi(m[2])
		n, _ := strconv.Atoi(m[3])
		allocs, bytes = allocs+n, bytes+b
		if n > 200 {
			top = append(top, fmt.Sprintf("%s: %d allocs", m[1], n))
		}
	}
	t.Logf("package initialization: %d allocations, %d bytes", allocs, bytes)
	const limit = 3000
	if allocs > limit {
		t.Errorf("package initialization allocates %d times (%d bytes), more than %d; the largest: %s",
			allocs, bytes, limit, strings.Join(top, ", "))
	}
}
