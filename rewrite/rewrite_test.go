package rewrite_test

import (
	"bytes"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/rewrite"
	"github.com/llminstr/llminstr/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// setupModule copies testdata/<name> to a temporary module that uses this
// checkout's runtime, and returns its directory and a Lookup over the
// export data of its dependencies.
func setupModule(t testing.TB, name string) (string, rewrite.Lookup) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the go command and modules")
	}
	src := filepath.Join("testdata", name)
	dir := filepath.Join(t.TempDir(), name)
	if err := os.CopyFS(dir, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	runtimeDir, _ := filepath.Abs(filepath.Join("..", "runtime"))
	goCmd(t, dir, "mod", "edit", "-replace=github.com/llminstr/llminstr/runtime="+runtimeDir)
	goCmd(t, dir, "mod", "tidy")
	out := goCmd(t, dir, "list", "-deps", "-export", "-f", "{{.ImportPath}}={{.Export}}", ".", rules.InjectedPackage)
	exports := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && v != "" {
			exports[k] = v
		}
	}
	return dir, func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok {
			return nil, os.ErrNotExist
		}
		return os.Open(f)
	}
}

func goCmd(t testing.TB, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out.String()
}

// TestGolden rewrites testdata/chat, compares each file with its .golden
// copy, and compiles the result.
func TestGolden(t *testing.T) {
	dir, lookup := setupModule(t, "chat")
	res, err := rewrite.Rewrite(&rewrite.Config{
		ImportPath: "main",
		GoVersion:  "go1.26",
		Dir:        dir,
		Files:      []string{"main.go", "goopenai.go", "agent.go"},
		Lookup:     lookup,
		Rules:      rules.All(),
		Main:       true,
	})
	if err != nil {
		t.Fatal(err)
	}
	// One warning for each site left uninstrumented, naming file:line.
	if len(res.Warnings) != 2 || !strings.Contains(res.Warnings[0], "main.go:44: call to openai.chat.completions.new left uninstrumented") ||
		!strings.Contains(res.Warnings[1], "agent.go:24: call to runtime.agent left uninstrumented") {
		t.Errorf("warnings: %q", res.Warnings)
	}
	for _, name := range []string{"main.go", "goopenai.go", "agent.go"} {
		var rewritten []byte
		for _, f := range res.Rewritten {
			if f.Path == name {
				rewritten = bytes.ReplaceAll(f.Content, []byte(dir), []byte("$DIR"))
			}
		}
		golden := filepath.Join("testdata", "chat", name+".golden")
		if *update {
			os.WriteFile(golden, rewritten, 0o666)
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(rewritten, want) {
			t.Errorf("rewritten %s differs from %s (run with -update):\n%s", name, golden, rewritten)
		}

		// Every original line keeps its number: the rewritten file has one
		// more line (the //line directive) and the same line count otherwise.
		orig, _ := os.ReadFile(filepath.Join(dir, name))
		if got, want := bytes.Count(rewritten, []byte("\n")), bytes.Count(orig, []byte("\n"))+1; got != want {
			t.Errorf("rewritten %s has %d lines, want %d", name, got, want)
		}
	}

	counts := map[string]int{}
	for _, s := range res.Sites {
		counts[s.Rule.ID+" "+string(s.Status)]++
		if s.Status == rewrite.Skipped && !strings.Contains(s.Reason, "function value") && !strings.Contains(s.Reason, "context.Context") {
			t.Errorf("%s: %s skipped: %s", s.Pos, s.Rule.ID, s.Reason)
		}
	}
	wantCounts := map[string]int{
		"openai.chat.completions.new rewritten":           4,
		"openai.chat.completions.new ignored":             4, // one a method value
		"openai.chat.completions.new skipped":             1, // the method value
		"openai.chat.completions.new_streaming rewritten": 1,
		"runtime.exit rewritten":                          1,
		"runtime.main rewritten":                          1,
		"go-openai.chat.create_stream rewritten":          2,
		"go-openai.chat.stream.recv rewritten":            3,
		"go-openai.chat.stream.close rewritten":           1,
		"runtime.agent rewritten":                         2,
		"runtime.tool rewritten":                          5,
		"runtime.agent skipped":                           1, // no context
	}
	for id, n := range wantCounts {
		if counts[id] != n {
			t.Errorf("%s: %d sites, want %d (all: %v)", id, counts[id], n, counts)
		}
	}
	if len(counts) != len(wantCounts) {
		t.Errorf("sites: %v, want %v", counts, wantCounts)
	}

	// The output compiles: write it over the module and build it.
	for _, f := range res.Rewritten {
		os.WriteFile(filepath.Join(dir, f.Path), f.Content, 0o666)
	}
	for _, f := range res.Generated {
		os.WriteFile(filepath.Join(dir, f.Path), f.Content, 0o666)
	}
	goCmd(t, dir, "build", "-o", os.DevNull, ".")
}

func ruleByID(t *testing.T, id string) rules.Rule {
	t.Helper()
	for _, r := range rules.All() {
		if r.ID == id {
			return r
		}
	}
	t.Fatalf("no rule %s", id)
	return rules.Rule{}
}

// TestSkipsWhatDoesNotTypeCheck gives the engine a rule whose adapter does
// not fit the target's signature: the call must be left as it was, with a
// warning naming file:line, and the package must still build.
func TestSkipsWhatDoesNotTypeCheck(t *testing.T) {
	dir, lookup := setupModule(t, "chat")
	bad := rules.Rule{
		ID: "test.mismatch", Integration: "test", Kind: rules.KindCall,
		Packages: []string{"fmt"}, Name: "Println",
		Adapter: "llminstrExit", AdapterFile: "exit/exit.go", // func(func(int), int): does not fit fmt.Println
	}
	res, err := rewrite.Rewrite(&rewrite.Config{
		ImportPath: "main", Dir: dir, Files: []string{"main.go"}, Lookup: lookup,
		Rules: []rules.Rule{bad, ruleByID(t, "openai.chat.completions.new")},
	})
	if err != nil {
		t.Fatal(err)
	}
	var skipped, rewritten int
	for _, s := range res.Sites {
		if s.Status == rewrite.Ignored || strings.Contains(s.Reason, "function value") {
			continue
		}
		switch s.Status {
		case rewrite.Skipped:
			skipped++
			if s.Rule.ID != "test.mismatch" || s.Reason == "" {
				t.Errorf("unexpected skip: %+v", s)
			}
		case rewrite.Rewritten:
			rewritten++
		}
	}
	if skipped != 2 || rewritten != 3 {
		t.Errorf("skipped %d, rewritten %d; want 2 and 3", skipped, rewritten)
	}
	var mismatches []string
	for _, w := range res.Warnings {
		if strings.Contains(w, "test.mismatch") {
			mismatches = append(mismatches, w)
		}
	}
	if len(mismatches) != 2 || !slices.ContainsFunc(mismatches, func(w string) bool {
		return strings.Contains(w, "main.go:29: call to test.mismatch left uninstrumented")
	}) {
		t.Errorf("warnings do not name file:line: %q", res.Warnings)
	}
	for _, f := range res.Rewritten {
		if bytes.Contains(f.Content, []byte("llminstrExit(fmt.Println")) {
			t.Errorf("the mismatched call was rewritten anyway")
		}
		os.WriteFile(filepath.Join(dir, f.Path), f.Content, 0o666)
	}
	for _, f := range res.Generated {
		os.WriteFile(filepath.Join(dir, f.Path), f.Content, 0o666)
	}
	goCmd(t, dir, "build", "-o", os.DevNull, ".")
}

func init() { _ = flag.CommandLine }

// TestAdapterFallback gives a rule an adapter that does not type-check
// (as for an SDK version whose API moved) and a fallback that does: the call
// is rewritten with the fallback, without a warning.
func TestAdapterFallback(t *testing.T) {
	dir, lookup := setupModule(t, "chat")
	sources := map[string]string{
		"new/exit.go": "package exit\n\nimport llminstrOS \"os\"\n\nfunc llminstrNewExit(exit func(int), code int) { llminstrOS.NoSuchFunction(); exit(code) }\n",
		"old/exit.go": "package exit\n\nfunc llminstrOldExit(exit func(int), code int) { exit(code) }\n",
	}
	rule := rules.Rule{
		ID: "test.exit", Integration: "test", Packages: []string{"os"}, Name: "Exit",
		Adapter: "llminstrNewExit", AdapterFile: "new/exit.go",
		Fallbacks: []rules.AdapterRef{{Func: "llminstrOldExit", File: "old/exit.go"}},
	}
	res, err := rewrite.Rewrite(&rewrite.Config{
		ImportPath: "main", Dir: dir, Files: []string{"main.go"}, Lookup: lookup, Rules: []rules.Rule{rule},
		AdapterSource: func(name string) ([]byte, error) { return []byte(sources[name]), nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) > 0 || len(res.Sites) != 1 || res.Sites[0].Status != rewrite.Rewritten {
		t.Fatalf("sites %+v, warnings %q", res.Sites, res.Warnings)
	}
	if len(res.Generated) != 1 || res.Generated[0].Path != "llminstr_old_exit.go" {
		t.Errorf("generated %v, want only the fallback adapter", res.Generated)
	}
	if !bytes.Contains(res.Rewritten[0].Content, []byte("llminstrOldExit(os.Exit, 1)")) {
		t.Errorf("call not rewritten to the fallback:\n%s", res.Rewritten[0].Content)
	}
}

// BenchmarkRewrite is the engine's own cost on one package that calls the
// SDKs (testdata/chat, three files): type-checking, finding the sites and
// the conversions, rewriting, and type-checking the result. A build pays it
// once per package that reaches an instrumented SDK.
func BenchmarkRewrite(b *testing.B) {
	dir, lookup := setupModule(b, "chat")
	all := rules.All()
	for b.Loop() {
		if _, err := rewrite.Rewrite(&rewrite.Config{
			ImportPath: "main", GoVersion: "go1.26", Dir: dir,
			Files:  []string{"main.go", "goopenai.go", "agent.go"},
			Lookup: lookup, Rules: all, Main: true,
		}); err != nil {
			b.Fatal(err)
		}
	}
}
