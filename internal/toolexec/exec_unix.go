//go:build unix

package toolexec

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// execTool replaces this process with the real tool: the fast path for
// every invocation llminstr has nothing to do with.
func execTool(args []string) int {
	path, err := args[0], error(nil)
	if !filepath.IsAbs(path) {
		// A C compiler named as $CC names it (see IsToolInvocation).
		path, err = exec.LookPath(path)
	}
	if err == nil {
		err = syscall.Exec(path, args, os.Environ())
	}
	fmt.Fprintf(os.Stderr, "llminstr: exec %s: %v\n", args[0], err)
	return 1
}
