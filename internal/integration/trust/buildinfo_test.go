package trust

import (
	"debug/buildinfo"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/internal/llmtest"
	"github.com/llminstr/llminstr/rules"
)

// TestBuildInfo: the build information of an instrumented program (what go
// version -m, govulncheck -mode=binary and SBOM tools read) lists every
// module llminstr linked in, with the version and sum the module graph
// gives it, beside the program's own modules, unchanged; on a warm build
// cache too.
func TestBuildInfo(t *testing.T) {
	llmtest.SkipShort(t)
	dir := llmtest.CopyApp(t, filepath.Join("testdata", "wireapp"))
	plainBin := filepath.Join(t.TempDir(), "plain")
	llmtest.Run(t, dir, nil, "go", "build", "-o", plainBin, ".")
	plain := readDeps(t, plainBin)
	if _, ok := plain[rules.RuntimePackage]; ok {
		t.Fatalf("the plain build links %s: the test proves nothing", rules.RuntimePackage)
	}

	// What the runtime brings, as the module graph has it.
	want := map[string]string{}
	out := llmtest.Run(t, dir, nil, "go", "list", "-deps", "-f",
		"{{with .Module}}{{.Path}} {{.Version}} {{.Sum}}{{with .Replace}} => {{.Path}}{{end}}{{end}}", rules.InjectedPackage)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if path, rest, ok := strings.Cut(line, " "); ok {
			want[path] = strings.TrimSpace(rest)
		}
	}
	if len(want) < 5 {
		t.Fatalf("go list found %d modules under the runtime", len(want))
	}

	for _, cache := range []string{"cold", "warm"} {
		t.Run(cache, func(t *testing.T) {
			bin := build(t, dir, nil)
			got := readDeps(t, bin)
			for path, mod := range plain {
				if got[path] != mod {
					t.Errorf("%s: %q, the plain build's is %q", path, got[path], mod)
				}
			}
			for path, mod := range want {
				if g, ok := got[path]; !ok {
					t.Errorf("%s (%s) is linked in but not listed", path, mod)
				} else if _, isPlain := plain[path]; !isPlain && g != mod {
					t.Errorf("%s: listed as %q, go list says %q", path, g, mod)
				}
			}
			version := llmtest.Run(t, dir, nil, "go", "version", "-m", bin)
			if !strings.Contains(version, "\tdep\tgo.opentelemetry.io/otel/trace\t") {
				t.Errorf("go version -m does not list the OpenTelemetry trace API:\n%s", version)
			}
		})
	}
}

// readDeps returns the dependencies a binary's build information lists, as
// "version sum" (and " => path" of a replacement).
func readDeps(t *testing.T, bin string) map[string]string {
	t.Helper()
	info, err := buildinfo.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	deps := map[string]string{}
	for _, d := range info.Deps {
		deps[d.Path] = depString(d)
	}
	return deps
}

func depString(d *debug.Module) string {
	s := d.Version + " " + d.Sum
	if d.Replace != nil {
		s = d.Version + "  => " + d.Replace.Path
	}
	return s
}

// TestGovulncheck installs govulncheck from the module proxy and scans an
// instrumented program, and the same program built plain, in binary mode
// against a local vulnerability database with one entry: a vulnerability
// in a method of the OpenTelemetry trace API that the runtime calls,
// which only the instrumented program links. It must be found there, and
// only there. (make test-slow)
func TestGovulncheck(t *testing.T) {
	llmtest.SkipShort(t)
	gobin := t.TempDir()
	if out, err := llmtest.RunErr("", []string{"GOBIN=" + gobin}, "go", "install", "golang.org/x/vuln/cmd/govulncheck@v1.1.4"); err != nil {
		t.Skipf("govulncheck could not be installed from the module proxy: %v\n%s", err, out)
	}
	db := t.TempDir()
	const id = "GO-2026-9999"
	files := map[string]string{
		"index/db.json":      `{"modified":"2026-01-01T00:00:00Z"}`,
		"index/modules.json": `[{"path":"go.opentelemetry.io/otel/trace","vulns":[{"id":"` + id + `","modified":"2026-01-01T00:00:00Z","fixed":"1.99.0"}]}]`,
		"ID/" + id + ".json": `{"schema_version":"1.3.1","id":"` + id + `","modified":"2026-01-01T00:00:00Z","published":"2026-01-01T00:00:00Z",` +
			`"summary":"A test vulnerability in the OpenTelemetry trace API","details":"test",` +
			`"affected":[{"package":{"name":"go.opentelemetry.io/otel/trace","ecosystem":"Go"},` +
			`"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.99.0"}]}],` +
			`"ecosystem_specific":{"imports":[{"path":"go.opentelemetry.io/otel/trace","symbols":["TraceState.String"]}]}}],` +
			`"database_specific":{"url":"https://pkg.go.dev/vuln/` + id + `"}}`,
	}
	for name, content := range files {
		os.MkdirAll(filepath.Join(db, filepath.Dir(name)), 0o777)
		if err := os.WriteFile(filepath.Join(db, name), []byte(content), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	dir := llmtest.CopyApp(t, filepath.Join("testdata", "wireapp"))
	plainBin := filepath.Join(t.TempDir(), "plain")
	llmtest.Run(t, dir, nil, "go", "build", "-o", plainBin, ".")
	scan := func(bin string) string {
		// govulncheck exits 3 when it finds a vulnerability.
		out, _ := llmtest.RunErr("", nil, filepath.Join(gobin, "govulncheck"), "-db", "file://"+db, "-mode=binary", bin)
		return out
	}
	if out := scan(build(t, dir, nil)); !strings.Contains(out, id) || !strings.Contains(out, "go.opentelemetry.io/otel/trace@") {
		t.Errorf("govulncheck does not see the OpenTelemetry API llminstr linked in:\n%s", out)
	}
	if out := scan(plainBin); !strings.Contains(out, "No vulnerabilities found") {
		t.Errorf("the plain program:\n%s", out)
	}
}
