//go:build unix

package toolexec

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

// execTool replaces this process with the real tool: the fast path for
// every invocation llminstr has nothing to do with.
func execTool(args []string) int {
	path, err := exec.LookPath(args[0]) // a C compiler may come by name
	if err == nil {
		err = syscall.Exec(path, args, os.Environ())
	}
	fmt.Fprintf(os.Stderr, "llminstr: exec %s: %v\n", args[0], err)
	return 1
}
