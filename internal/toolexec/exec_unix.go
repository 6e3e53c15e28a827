//go:build unix

package toolexec

import (
	"fmt"
	"os"
	"syscall"
)

// execTool replaces this process with the real tool: the fast path for
// every invocation llminstr has nothing to do with.
func execTool(args []string) int {
	err := syscall.Exec(args[0], args, os.Environ())
	fmt.Fprintf(os.Stderr, "llminstr: exec %s: %v\n", args[0], err)
	return 1
}
