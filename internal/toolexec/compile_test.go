package toolexec

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestCachedExport checks, against the go command itself, that an export
// file compiled earlier in a build is found in the build cache by its
// content, as marks must name it.
func TestCachedExport(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the go command")
	}
	cache, mod := t.TempDir(), t.TempDir()
	t.Setenv("GOCACHE", cache)
	os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module example.com/p\n\ngo 1.24\n"), 0o666)
	os.WriteFile(filepath.Join(mod, "p.go"), []byte("package p\n\nconst Answer = 42\n"), 0o666)
	cmd := exec.Command("go", "list", "-export", "-f", "{{.Export}}", ".")
	cmd.Dir = mod
	cmd.Env = append(os.Environ(), "GOFLAGS=", "GOWORK=off", "GOPROXY=off", "GOTOOLCHAIN=local")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	export := strings.TrimSpace(string(out))
	if !strings.HasPrefix(export, cache) {
		t.Fatalf("export file %s is not in the build cache %s", export, cache)
	}

	// The same file as a compile of the same build names it: in the
	// build's work directory.
	work := t.TempDir()
	inWork := filepath.Join(work, "b042", "_pkg_.a")
	os.MkdirAll(filepath.Dir(inWork), 0o777)
	data, _ := os.ReadFile(export)
	os.WriteFile(inWork, data, 0o666)
	if got, ok := cachedExport(inWork, work); !ok || got != export {
		t.Errorf("cachedExport(file in $WORK) = %q, %v; want %q, true", got, ok, export)
	}
	// A file already in the cache is named as it is.
	if got, ok := cachedExport(export, work); !ok || got != export {
		t.Errorf("cachedExport(cached file) = %q, %v; want it unchanged", got, ok)
	}
	// One the cache does not have is not named at all.
	os.WriteFile(inWork, append(data, 0), 0o666)
	if got, ok := cachedExport(inWork, work); ok {
		t.Errorf("cachedExport(file not in the cache) = %q, true; want false", got)
	}
}
