package toolexec

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// withParent makes parentGoCommand return pc for the rest of the test.
func withParent(t *testing.T, pc parentCommand) {
	old := parentOnce
	parentOnce = func() parentCommand { return pc }
	t.Cleanup(func() { parentOnce = old })
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o666); err != nil {
		t.Fatal(err)
	}
}

// TestResolveCacheKey: the key changes with everything that can change
// what go list answers, not with what varies between the processes of one
// build, and there is none for a build it cannot describe.
func TestResolveCacheKey(t *testing.T) {
	goBin, err := os.Executable() // any file stands for the go command
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, pc *parentCommand, dir string)
		same   bool // the key stays the same
		none   bool // there is no key
	}{
		{name: "nothing", change: func(*testing.T, *parentCommand, string) {}, same: true},
		{name: "PWD", change: func(t *testing.T, _ *parentCommand, _ string) { t.Setenv("PWD", "/elsewhere") }, same: true},
		{name: "TOOLEXEC_IMPORTPATH", change: func(t *testing.T, _ *parentCommand, _ string) { t.Setenv("TOOLEXEC_IMPORTPATH", "example.com/other") }, same: true},
		{name: "LLMINSTR_REPORT", change: func(t *testing.T, _ *parentCommand, _ string) { t.Setenv("LLMINSTR_REPORT", "r.jsonl") }, same: true},
		{name: "GOFLAGS", change: func(t *testing.T, _ *parentCommand, _ string) { t.Setenv("GOFLAGS", "-tags=x") }},
		{name: "CGO_CFLAGS", change: func(t *testing.T, _ *parentCommand, _ string) { t.Setenv("CGO_CFLAGS", "-O0") }},
		{name: "PATH", change: func(t *testing.T, _ *parentCommand, _ string) { t.Setenv("PATH", "/opt/other/bin") }},
		{name: "build flag", change: func(_ *testing.T, pc *parentCommand, _ string) { pc.buildFlags = []string{"-race"} }},
		{name: "directory", change: func(_ *testing.T, pc *parentCommand, dir string) { pc.dir = filepath.Join(dir, "sub") }},
		{name: "go.mod", change: func(t *testing.T, _ *parentCommand, dir string) {
			writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/app\n\ngo 1.25\n")
		}},
		{name: "go.sum", change: func(t *testing.T, _ *parentCommand, dir string) {
			writeFile(t, filepath.Join(dir, "go.sum"), "example.com/m v1.0.0 h1:x=\n")
		}},
		{name: "go.work", change: func(t *testing.T, _ *parentCommand, dir string) {
			writeFile(t, filepath.Join(dir, "go.work"), "go 1.24\n\nuse .\n")
		}},
		{name: "modfile", change: func(t *testing.T, pc *parentCommand, dir string) {
			writeFile(t, filepath.Join(dir, "other.mod"), "module example.com/app\n\ngo 1.24\n")
			pc.buildFlags = []string{"-modfile=other.mod"}
		}},
		{name: "go command", change: func(t *testing.T, pc *parentCommand, dir string) {
			pc.goBin = filepath.Join(dir, "go")
			writeFile(t, pc.goBin, "another go")
		}},
		{name: "GOENV file", change: func(t *testing.T, _ *parentCommand, dir string) {
			writeFile(t, filepath.Join(dir, "goenv"), "GOFLAGS=-tags=y\n")
			t.Setenv("GOENV", filepath.Join(dir, "goenv"))
		}},
		{name: "vendored", none: true, change: func(t *testing.T, _ *parentCommand, dir string) {
			writeFile(t, filepath.Join(dir, "vendor", "modules.txt"), "")
		}},
		{name: "-mod=vendor", none: true, change: func(_ *testing.T, pc *parentCommand, _ string) { pc.buildFlags = []string{"-mod=vendor"} }},
		{name: "overlay", none: true, change: func(_ *testing.T, pc *parentCommand, _ string) { pc.buildFlags = []string{"-overlay=o.json"} }},
		{name: "-a", none: true, change: func(_ *testing.T, pc *parentCommand, _ string) { pc.forced = true }},
		{name: "no go command found", none: true, change: func(_ *testing.T, pc *parentCommand, _ string) { pc.goBin = "go" }},
		{name: "no build cache", none: true, change: func(t *testing.T, _ *parentCommand, _ string) { t.Setenv("GOCACHE", "off") }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "go.mod"), "module example.com/app\n\ngo 1.24\n")
			t.Setenv("GOCACHE", filepath.Join(dir, "cache"))
			t.Setenv("GOWORK", "")
			t.Setenv("GOENV", "off")
			pc := parentCommand{goBin: goBin, dir: dir, buildFlags: []string{"-tags=a"}}
			withParent(t, pc)
			before, ok := resolveCacheKey()
			if !ok {
				t.Fatal("no key before the change")
			}
			tc.change(t, &pc, dir)
			withParent(t, pc)
			after, ok := resolveCacheKey()
			switch {
			case tc.none && ok:
				t.Errorf("a key after the change, want none")
			case tc.none:
			case !ok:
				t.Errorf("no key after the change")
			case tc.same && after != before:
				t.Errorf("the key changed")
			case !tc.same && after == before:
				t.Errorf("the key did not change")
			}
		})
	}
}

// TestResolveCacheEntry: an entry answers while every export file it names
// is in the build cache and the local directories its packages come from
// are as they were; an answer given while such a directory changed is not
// kept.
func TestResolveCacheEntry(t *testing.T) {
	setup := func(t *testing.T) (exports map[string]string, local string) {
		dir := t.TempDir()
		t.Setenv("GOCACHE", filepath.Join(dir, "cache"))
		exports = map[string]string{
			"example.com/rt/injected": filepath.Join(dir, "cache", "aa", "aa11-d"),
			"fmt":                     filepath.Join(dir, "cache", "bb", "bb22-d"),
		}
		for _, f := range exports {
			writeFile(t, f, "export data")
		}
		local = filepath.Join(dir, "rt")
		writeFile(t, filepath.Join(local, "injected", "injected.go"), "package injected\n")
		old := time.Now().Add(-time.Minute)
		for _, p := range []string{local, filepath.Join(local, "injected"), filepath.Join(local, "injected", "injected.go")} {
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
		return exports, local
	}
	answer := func(exports map[string]string) resolveCacheEntry {
		return resolveCacheEntry{Exports: exports, Modules: map[string]string{"example.com/rt/injected": "example.com/rt\tv1.0.0\t"}}
	}

	t.Run("kept and used", func(t *testing.T) {
		exports, local := setup(t)
		storeResolveCache("k", resolveCacheEntry{}, answer(exports), []string{local}, time.Now())
		e, ok := loadResolveCache("k")
		if !ok || len(missingFrom(e.Exports, []string{"example.com/rt/injected", "fmt"})) > 0 || e.Modules["example.com/rt/injected"] == "" {
			t.Fatalf("load = %+v, %v; want the answer", e, ok)
		}
		if len(missingFrom(e.Exports, []string{"example.com/rt/other"})) == 0 {
			t.Errorf("has a package the answer did not name")
		}
		if _, ok := loadResolveCache("other key"); ok {
			t.Errorf("another key answered")
		}
	})
	t.Run("answers add up", func(t *testing.T) {
		exports, local := setup(t)
		storeResolveCache("k", resolveCacheEntry{}, answer(map[string]string{"fmt": exports["fmt"]}), nil, time.Now())
		old, _ := loadResolveCache("k")
		storeResolveCache("k", old, answer(map[string]string{"example.com/rt/injected": exports["example.com/rt/injected"]}), []string{local}, time.Now())
		if e, ok := loadResolveCache("k"); !ok || len(missingFrom(e.Exports, []string{"example.com/rt/injected", "fmt"})) > 0 {
			t.Errorf("load = %+v, %v; want both answers", e, ok)
		}
	})
	t.Run("export file trimmed", func(t *testing.T) {
		exports, local := setup(t)
		storeResolveCache("k", resolveCacheEntry{}, answer(exports), []string{local}, time.Now())
		os.Remove(exports["fmt"])
		if _, ok := loadResolveCache("k"); ok {
			t.Errorf("an entry naming a removed export file answered")
		}
	})
	t.Run("local directory edited", func(t *testing.T) {
		exports, local := setup(t)
		storeResolveCache("k", resolveCacheEntry{}, answer(exports), []string{local}, time.Now())
		writeFile(t, filepath.Join(local, "injected", "injected.go"), "package injected // edited\n")
		if _, ok := loadResolveCache("k"); ok {
			t.Errorf("an entry answered after its local directory changed")
		}
	})
	t.Run("local file added", func(t *testing.T) {
		exports, local := setup(t)
		storeResolveCache("k", resolveCacheEntry{}, answer(exports), []string{local}, time.Now())
		writeFile(t, filepath.Join(local, "injected", "more.go"), "package injected\n")
		if _, ok := loadResolveCache("k"); ok {
			t.Errorf("an entry answered after a file was added to its local directory")
		}
	})
	t.Run("edited while go list ran", func(t *testing.T) {
		exports, local := setup(t)
		start := time.Now()
		writeFile(t, filepath.Join(local, "injected", "injected.go"), "package injected // edited\n")
		storeResolveCache("k", resolveCacheEntry{}, answer(exports), []string{local}, start)
		if _, ok := loadResolveCache("k"); ok {
			t.Errorf("an answer given while its local directory changed was kept")
		}
	})
	t.Run("marked used", func(t *testing.T) {
		exports, local := setup(t)
		storeResolveCache("k", resolveCacheEntry{}, answer(exports), []string{local}, time.Now())
		old := time.Now().Add(-48 * time.Hour)
		if err := os.Chtimes(exports["fmt"], old, old); err != nil {
			t.Fatal(err)
		}
		if _, ok := loadResolveCache("k"); !ok {
			t.Fatal("no answer")
		}
		if fi, err := os.Stat(exports["fmt"]); err != nil || time.Since(fi.ModTime()) > time.Hour {
			t.Errorf("export file not marked used: %v", fi.ModTime())
		}
	})
	t.Run("trimmed after five days", func(t *testing.T) {
		exports, local := setup(t)
		storeResolveCache("old", resolveCacheEntry{}, answer(exports), []string{local}, time.Now())
		path := filepath.Join(resolveCacheDir(), "resolve-old.json")
		long := time.Now().Add(-6 * 24 * time.Hour)
		if err := os.Chtimes(path, long, long); err != nil {
			t.Fatal(err)
		}
		storeResolveCache("new", resolveCacheEntry{}, answer(exports), []string{local}, time.Now())
		if _, err := os.Stat(path); err == nil {
			t.Errorf("an entry unused for six days was kept")
		}
	})
}

// TestForcesRebuild reads -a among a go command's arguments or GOFLAGS.
func TestForcesRebuild(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want bool
	}{
		{[]string{"-a", "./..."}, true},
		{[]string{"-race", "-a=true", "."}, true},
		{[]string{"-o", "bin", "."}, false},
		{[]string{"-run", "x", "--", "-a"}, false},
		{nil, false},
	} {
		if got := forcesRebuild(tc.args); got != tc.want {
			t.Errorf("forcesRebuild(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

// TestLevelCacheFile: the mark that a runtime's export file has the API
// level the adapters need is kept only for files of the build cache, which
// names them by their content, one mark per file; the resolve cache's trim
// removes marks unused for five days.
func TestLevelCacheFile(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("GOCACHE", cache)
	inCache := filepath.Join(cache, "ab", "ab12-d")
	other := filepath.Join(cache, "cd", "cd34-d")
	mark := levelCacheFile(inCache)
	if mark == "" || filepath.Dir(mark) != filepath.Join(cache, "llminstr") {
		t.Fatalf("levelCacheFile(%s) = %q, want a file of %s/llminstr", inCache, mark, cache)
	}
	if levelCacheFile(other) == mark {
		t.Errorf("two export files share the mark %s", mark)
	}
	for _, f := range []string{filepath.Join(t.TempDir(), "b001", "_pkg_.a"), ""} {
		if got := levelCacheFile(f); got != "" {
			t.Errorf("levelCacheFile(%q) = %q, want none outside the build cache", f, got)
		}
	}
	t.Setenv("GOCACHE", "off")
	if got := levelCacheFile(inCache); got != "" {
		t.Errorf("GOCACHE=off: levelCacheFile = %q, want none", got)
	}

	dir := filepath.Dir(mark)
	os.MkdirAll(dir, 0o777)
	stale := filepath.Join(dir, "level-stale")
	for _, f := range []string{mark, stale} {
		if err := os.WriteFile(f, nil, 0o666); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	old := now.Add(-resolveCacheTrim - time.Hour)
	os.Chtimes(stale, old, old)
	trimResolveCache(dir, now)
	if _, err := os.Stat(stale); err == nil {
		t.Errorf("a mark unused for more than five days was kept")
	}
	if _, err := os.Stat(mark); err != nil {
		t.Errorf("a fresh mark was trimmed: %v", err)
	}
}
