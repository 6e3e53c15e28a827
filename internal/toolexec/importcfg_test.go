package toolexec

import (
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
)

func TestAddDeps(t *testing.T) {
	const info = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\n" +
		"dep\tgithub.com/a/a\tv1.0.0\th1:a=\n" +
		"dep\tgithub.com/z/z\tv0.1.0\t\n=>\t../z\t(devel)\t\n" +
		"build\t-compiler=gc\nbuild\tGOOS=linux\n"
	for _, tc := range []struct {
		name    string
		modules []string
		want    string
	}{
		{"nothing new", []string{"github.com/a/a\tv1.0.0\th1:a="}, info},
		{"sorted in", []string{"go.opentelemetry.io/otel\tv1.38.0\th1:o=", "github.com/m/m\tv2.0.0\th1:m="},
			"path\texample.com/app\nmod\texample.com/app\t(devel)\t\n" +
				"dep\tgithub.com/a/a\tv1.0.0\th1:a=\n" +
				"dep\tgithub.com/m/m\tv2.0.0\th1:m=\n" +
				"dep\tgithub.com/z/z\tv0.1.0\t\n=>\t../z\t(devel)\t\n" +
				"dep\tgo.opentelemetry.io/otel\tv1.38.0\th1:o=\n" +
				"build\t-compiler=gc\nbuild\tGOOS=linux\n"},
		{"replaced by a directory", []string{"github.com/llminstr/llminstr/runtime\tv0.0.0-00010101000000-000000000000\t\t=>\t/src/runtime\t\t"},
			"path\texample.com/app\nmod\texample.com/app\t(devel)\t\n" +
				"dep\tgithub.com/a/a\tv1.0.0\th1:a=\n" +
				"dep\tgithub.com/llminstr/llminstr/runtime\tv0.0.0-00010101000000-000000000000\t\n=>\t/src/runtime\t(devel)\t\n" +
				"dep\tgithub.com/z/z\tv0.1.0\t\n=>\t../z\t(devel)\t\n" +
				"build\t-compiler=gc\nbuild\tGOOS=linux\n"},
		{"the main module", []string{"example.com/app\t\t"}, info},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := addDeps(info, tc.modules)
			if got != tc.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tc.want)
			}
			if _, err := debug.ParseBuildInfo(got); err != nil {
				t.Errorf("debug.ParseBuildInfo: %v", err)
			}
		})
	}
	// No dep yet: the deps go before the build lines.
	got := addDeps("path\tapp\nmod\tapp\t(devel)\t\nbuild\tGOOS=linux\n", []string{"b.org/b\tv1.0.0\th1:b="})
	if want := "path\tapp\nmod\tapp\t(devel)\t\ndep\tb.org/b\tv1.0.0\th1:b=\nbuild\tGOOS=linux\n"; got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

// TestAddModules edits an importcfg's modinfo line: the markers around the
// build information stay, and what is between them parses with the module
// added. (TestBuildInfo, internal/integration/trust, links real programs.)
func TestAddModules(t *testing.T) {
	cfg := &importcfg{lines: []string{"packagefile runtime=/x",
		"modinfo " + strconv.Quote(strings.Repeat("\x00", 16)+"path\texample.com/hello\nmod\texample.com/hello\t(devel)\t\nbuild\tGOOS=linux\n"+strings.Repeat("\x01", 16))}}
	if err := cfg.addModules([]string{"go.opentelemetry.io/otel\tv1.38.0\th1:o="}); err != nil {
		t.Fatal(err)
	}
	quoted, _ := strings.CutPrefix(cfg.lines[1], "modinfo ")
	data, err := strconv.Unquote(quoted)
	if err != nil {
		t.Fatal(err)
	}
	if data[:16] != strings.Repeat("\x00", 16) || data[len(data)-16:] != strings.Repeat("\x01", 16) {
		t.Errorf("the markers moved: %q", data)
	}
	info, err := debug.ParseBuildInfo(data[16 : len(data)-16])
	if err != nil || len(info.Deps) != 1 || info.Deps[0].Path != "go.opentelemetry.io/otel" || info.Deps[0].Sum != "h1:o=" {
		t.Errorf("build information %+v, %v", info, err)
	}
}
