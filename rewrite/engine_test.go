package rewrite_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"golang.org/x/tools/txtar"

	"github.com/llminstr/llminstr/internal/config"
	"github.com/llminstr/llminstr/rewrite"
	"github.com/llminstr/llminstr/rules"
)

// TestEngine runs the hermetic engine cases of testdata/engine/*.txtar, in
// the style of x/tools' inliner tests: each archive starts with prose
// saying what it shows, then holds a module of standard-library code only
// (a fake SDK and a program that calls it), an integration directory
// (integration/rules.yaml and its adapter files, read by the same loader as
// the built-in ones), the program's expected rewritten files
// (app/NAME.go.golden) and the expected report (report.golden: a line per
// call site, per injected file and per warning). The rewritten program must also build. No network and no
// real SDK are needed. go test -run TestEngine -update rewrites the golden
// files.
func TestEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the go command")
	}
	cases, err := filepath.Glob(filepath.Join("testdata", "engine", "*.txtar"))
	if err != nil || len(cases) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, file := range cases {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) { engineCase(t, file) })
	}
}

func engineCase(t *testing.T, file string) {
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	integration := fstest.MapFS{}
	golden := map[string][]byte{}
	var appFiles []string
	for _, f := range ar.Files {
		switch {
		case strings.HasSuffix(f.Name, ".golden"):
			golden[f.Name] = f.Data
		case strings.HasPrefix(f.Name, "integration/"):
			integration[f.Name] = &fstest.MapFile{Data: f.Data}
		default:
			p := filepath.Join(dir, filepath.FromSlash(f.Name))
			os.MkdirAll(filepath.Dir(p), 0o777)
			if err := os.WriteFile(p, f.Data, 0o666); err != nil {
				t.Fatal(err)
			}
			if path.Dir(f.Name) == "app" && strings.HasSuffix(f.Name, ".go") {
				appFiles = append(appFiles, path.Base(f.Name))
			}
		}
	}
	var rs []rules.Rule
	if len(integration) > 0 {
		if rs, err = rules.Load(integration); err != nil {
			t.Fatal(err)
		}
	}
	// A case's llminstr.yaml adds user-defined rules.
	user, err := config.Load(dir, func(string) string { return "" }, nil)
	if err != nil {
		t.Fatal(err)
	}
	rs = append(rs, user.Rules...)
	listed := []string{"./app"}
	if _, err := os.Stat(filepath.Join(dir, "runtime")); err == nil {
		// A stand-in for the runtime, which generated adapters import.
		listed = append(listed, rules.InjectedPackage)
	}

	// Export data of the program's dependencies: the standard library and
	// the fake SDK, built by the go command without the network.
	out := hermeticGo(t, dir, append([]string{"list", "-deps", "-export", "-f", "{{.ImportPath}}={{.Export}}"}, listed...)...)
	exports := map[string]string{}
	for _, line := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && v != "" {
			exports[k] = v
		}
	}
	modulePath := strings.Fields(string(mustRead(t, filepath.Join(dir, "go.mod"))))[1]
	res, err := rewrite.Rewrite(&rewrite.Config{
		ImportPath: modulePath + "/app",
		Dir:        filepath.Join(dir, "app"),
		Files:      appFiles,
		Lookup: func(p string) (io.ReadCloser, error) {
			if f, ok := exports[p]; ok {
				return os.Open(f)
			}
			return nil, fmt.Errorf("no export data for %s", p)
		},
		AdapterSource: func(name string) ([]byte, error) { return integration.ReadFile(name) },
		Rules:         rs,
		Main:          true,
	})
	if err != nil {
		t.Fatal(err)
	}

	// The //line directives name the files' absolute paths: $DIR stands
	// for the case's directory.
	got := map[string][]byte{}
	for _, f := range res.Rewritten {
		got["app/"+filepath.Base(f.Path)+".golden"] = bytes.ReplaceAll(f.Content, []byte(dir), []byte("$DIR"))
	}
	var report bytes.Buffer
	sort.SliceStable(res.Sites, func(i, j int) bool { return res.Sites[i].Pos.Offset < res.Sites[j].Pos.Offset })
	for _, s := range res.Sites {
		fmt.Fprintf(&report, "%s:%d:%d %s %s", filepath.Base(s.Pos.Filename), s.Pos.Line, s.Pos.Column, s.Rule.ID, s.Status)
		if s.Reason != "" {
			fmt.Fprintf(&report, ": %s", s.Reason)
		}
		report.WriteString("\n")
	}
	for _, f := range res.Generated {
		fmt.Fprintf(&report, "injected %s\n", filepath.Base(f.Path))
		// Adapters generated from the case's rules, and what is left of
		// the case's adapter files for this package.
		got["app/"+filepath.Base(f.Path)+".golden"] = f.Content
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(&report, "warning %s\n", strings.ReplaceAll(w, dir+string(filepath.Separator), ""))
	}
	got["report.golden"] = report.Bytes()

	if *update {
		kept := ar.Files[:0]
		for _, f := range ar.Files {
			if !strings.HasSuffix(f.Name, ".golden") {
				kept = append(kept, f)
			}
		}
		ar.Files = kept
		var names []string
		for name := range got {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			ar.Files = append(ar.Files, txtar.File{Name: name, Data: got[name]})
		}
		if err := os.WriteFile(file, txtar.Format(ar), 0o666); err != nil {
			t.Fatal(err)
		}
		return
	}
	for name, want := range golden {
		if !bytes.Equal(got[name], want) {
			t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", name, got[name], want)
		}
	}
	for name := range got {
		if _, ok := golden[name]; !ok {
			t.Errorf("no %s in %s (run with -update)", name, file)
		}
	}

	// The output builds: the rewritten files over the originals, the
	// adapter files beside them.
	for _, f := range append(res.Rewritten, res.Generated...) {
		if err := os.WriteFile(filepath.Join(dir, "app", filepath.Base(f.Path)), f.Content, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	hermeticGo(t, dir, "build", "-o", os.DevNull, "./app")
}

// hermeticGo runs the go command on a module of standard-library code:
// no proxy, no workspace, no toolchain switch.
func hermeticGo(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-mod=mod")
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out.String()
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
