package toolexec

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
)

// isStd reports whether path is a package of the standard library of the
// toolchain running the build. The shape of a path decides nothing: a
// module may be named "app" (go mod init app), and its packages have no dot
// in their first element either. As the go command does, a package is
// standard when its directory is in $GOROOT/src; paths with a dot in their
// first element never are.
func isStd(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	if strings.Contains(first, ".") || path == "" {
		return false
	}
	if v, ok := stdCache.Load(path); ok {
		return v.(bool)
	}
	root := goroot()
	std := false
	if root != "" {
		dir := filepath.Join(root, "src", filepath.FromSlash(path))
		if path == "C" || path == "unsafe" {
			std = true
		} else if fi, err := os.Stat(dir); err == nil && fi.IsDir() && !strings.HasPrefix(path, "cmd/") {
			std = true
		}
	} else {
		// No GOROOT to look in: fall back on the shape, and say so.
		debugf("no GOROOT found; %q taken for a standard package by its shape", path)
		std = true
	}
	stdCache.Store(path, std)
	return std
}

var stdCache sync.Map

// toolPath is the absolute path of the tool this invocation runs; the go
// command's tools live in $GOROOT/pkg/tool/$GOOS_$GOARCH.
var toolPath string

var gorootOnce = sync.OnceValue(func() string {
	if toolPath != "" {
		root := filepath.Dir(filepath.Dir(filepath.Dir(filepath.Dir(toolPath))))
		if isGoroot(root) {
			return root
		}
	}
	if root := os.Getenv("GOROOT"); root != "" && isGoroot(root) {
		return root
	}
	out, err := exec.Command(parentGoCommand().goBin, "env", "GOROOT").Output()
	if err == nil {
		if root := strings.TrimSpace(string(out)); isGoroot(root) {
			return root
		}
	}
	return ""
})

// goroot returns the GOROOT of the toolchain running the build.
func goroot() string { return gorootOnce() }

func isGoroot(dir string) bool {
	fi, err := os.Stat(filepath.Join(dir, "src", "runtime", "runtime.go"))
	return err == nil && !fi.IsDir()
}
