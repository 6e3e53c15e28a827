//go:build unix

package fastpath

import (
	"os"
	"syscall"

	"github.com/llminstr/llminstr/internal/passthrough"
)

func init() {
	// A tool named by a bare name (a C compiler) is left to package
	// toolexec, which looks it up in PATH.
	if len(os.Args) > 1 && os.Args[1] != "" && os.Args[1][0] == '/' && passthrough.Passes(os.Args[1:]) {
		// On failure, package toolexec execs the tool again and reports
		// the error.
		_ = syscall.Exec(os.Args[1], os.Args[1:], os.Environ())
	}
}
