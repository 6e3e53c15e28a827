// Package llmtest is the shared harness of llminstr's tests: it builds the
// tool once per test binary, copies an integration's test program to a
// temporary module that uses this checkout's runtime, builds it with
// -toolexec=llminstr and runs it, and checks the spans a program exported
// (see [WantAttrs]) or an adapter recorded in process (see [Recorder]).
//
// Each integration's end-to-end test lives in its directory under rules/,
// beside its adapter, its fake server (rules/<dir>/<dir>test) and its
// programs (rules/<dir>/testdata/app, rules/<dir>/testdata/conformance).
package llmtest

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
)

var (
	toolOnce sync.Once
	toolDir  string
	toolPath string
	toolErr  error
)

// Main runs the tests of a package that builds programs and removes the
// tool [Tool] built for them. A package's TestMain calls
// os.Exit(llmtest.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if toolDir != "" {
		os.RemoveAll(toolDir)
	}
	return code
}

// Tool returns the path of llminstr built from this checkout (see
// [BuildTool]). It skips the test in -short mode: only tests that build
// programs need the tool.
func Tool(t testing.TB) string {
	t.Helper()
	SkipShort(t)
	path, err := BuildTool()
	if err != nil {
		t.Fatal(err)
	}
	return path
}

// BuildTool builds llminstr from this checkout into a temporary directory,
// once per test binary, and returns its path; [Main] removes it.
func BuildTool() (string, error) {
	toolOnce.Do(func() {
		toolDir, toolErr = os.MkdirTemp("", "llminstr-bin-")
		if toolErr != nil {
			return
		}
		toolPath = filepath.Join(toolDir, "llminstr")
		var out []byte
		out, toolErr = exec.Command("go", "build", "-o", toolPath, "github.com/llminstr/llminstr/cmd/llminstr").CombinedOutput()
		if toolErr != nil {
			toolErr = fmt.Errorf("building llminstr: %v\n%s", toolErr, out)
		}
	})
	return toolPath, toolErr
}

// SkipShort skips a test that builds programs in -short mode.
func SkipShort(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds programs")
	}
}

// RepoRoot is the root of this checkout.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// localModules are the modules of this checkout that test programs require
// through a replace directive, by module path and directory.
var localModules = map[string]string{
	"github.com/llminstr/llminstr/runtime": "runtime",
	"llminstr.test/replay":                 filepath.Join("internal", "replay"),
}

// CopyApp copies the test program in src (a directory relative to the
// calling test's package, or absolute) to a temporary module whose
// requirements of this checkout's modules point at this checkout.
func CopyApp(t testing.TB, src string) string {
	t.Helper()
	SkipShort(t)
	src, err := filepath.Abs(src)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), filepath.Base(src))
	err = filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if info.IsDir() {
			return os.MkdirAll(target, 0o777)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o666)
	})
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile(filepath.Join(dst, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range slices.Sorted(maps.Keys(localModules)) {
		if !bytes.Contains(gomod, []byte(path+" ")) {
			continue
		}
		dir, _ := filepath.Abs(filepath.Join(RepoRoot(), localModules[path]))
		Run(t, dst, nil, "go", "mod", "edit", "-replace="+path+"="+dir)
	}
	return dst
}

// PrepareApp copies the test program in src and moves it to the given
// module versions (module@version, as go get takes them). It returns the
// copy's directory.
func PrepareApp(t testing.TB, src string, versions ...string) string {
	t.Helper()
	dir := CopyApp(t, src)
	if len(versions) > 0 {
		Run(t, dir, []string{"GOFLAGS=-mod=mod"}, "go", append([]string{"get"}, versions...)...)
		Run(t, dir, []string{"GOFLAGS=-mod=mod"}, "go", "mod", "tidy")
	}
	return dir
}

// Build builds the program in dir with -toolexec=llminstr and returns the
// binary's path. A build that warns fails the test: every site of a test
// program is meant to be instrumented.
func Build(t testing.TB, dir string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(dir))
	out := Run(t, dir, nil, "go", "build", "-toolexec="+Tool(t), "-o", bin, ".")
	if strings.Contains(out, "warning") {
		t.Errorf("build warned:\n%s", out)
	}
	return bin
}

// CopyIntegrationApp copies the test program of an integration
// (rules/<integration>/testdata/app) with [CopyApp].
func CopyIntegrationApp(t testing.TB, integration string) string {
	t.Helper()
	return CopyApp(t, filepath.Join(RepoRoot(), "rules", integration, "testdata", "app"))
}

// BuildWith builds the program in dir with -toolexec=llminstr, env added
// to the environment and the given build flags, and returns the binary's
// path; warnings are the caller's to check.
func BuildWith(t testing.TB, dir string, env []string, flags ...string) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), filepath.Base(dir))
	args := append([]string{"build", "-toolexec=" + Tool(t), "-o", bin}, flags...)
	Run(t, dir, env, "go", append(args, ".")...)
	return bin
}

// MoveImports rewrites the Go files under dir to import the packages under
// from at module instead, and applies fix's literal replacements.
func MoveImports(t testing.TB, dir, from, module string, fix map[string]string) {
	t.Helper()
	err := filepath.Walk(dir, func(path string, info os.FileInfo, err error) error {
		if err != nil || !strings.HasSuffix(path, ".go") {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		s := strings.ReplaceAll(string(b), `"`+from, `"`+module)
		for old, new := range fix {
			s = strings.ReplaceAll(s, old, new)
		}
		return os.WriteFile(path, []byte(s), 0o666)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// BuildApp is [PrepareApp] then [Build].
func BuildApp(t testing.TB, src string, versions ...string) string {
	t.Helper()
	return Build(t, PrepareApp(t, src, versions...))
}

// Run runs a command in dir with env added to the test's environment and
// fails the test on error; it returns stdout and stderr.
func Run(t testing.TB, dir string, env []string, name string, args ...string) string {
	t.Helper()
	out, err := RunErr(dir, env, name, args...)
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// RunErr runs a command as [Run] does and returns its error.
func RunErr(dir string, env []string, name string, args ...string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = append(environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// inProcessOnly are the variables a test binary set for its own, in-process
// tests (see [CaptureContent]); the programs it runs do not inherit them.
var inProcessOnly []string

func environ() []string {
	env := os.Environ()
	if len(inProcessOnly) == 0 {
		return env
	}
	return slices.DeleteFunc(env, func(kv string) bool {
		name, _, _ := strings.Cut(kv, "=")
		return slices.Contains(inProcessOnly, name)
	})
}

// CaptureContent turns content capture on for the adapters a test binary
// calls in process (the runtime reads the setting once per process, so a
// single test cannot set it) unless the binary runs benchmarks, whose
// figures are for capture off. Programs the binary runs do not inherit it.
// Call it from TestMain after flag.Parse.
func CaptureContent() {
	if f := flagValue("test.bench"); f != "" {
		return
	}
	const name = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
	os.Setenv(name, "true")
	inProcessOnly = append(inProcessOnly, name)
}

// Port returns the port of a URL such as an httptest server's.
func Port(t testing.TB, url string) int64 {
	t.Helper()
	var p int64
	if _, err := fmt.Sscanf(url[strings.LastIndex(url, ":")+1:], "%d", &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// ConformanceDir is the recorded provider traffic of one provider
// (../shared/conformance/<provider> beside the checkout); the test is
// skipped when it is not there.
func ConformanceDir(t testing.TB, provider string) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(), "..", "shared", "conformance", provider)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("conformance data not found at %s: skipping the replay of recorded provider traffic", dir)
	}
	return dir
}
