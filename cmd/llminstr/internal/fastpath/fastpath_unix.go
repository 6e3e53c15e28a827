//go:build unix

package fastpath

import (
	"os"
	"syscall"

	"github.com/llminstr/llminstr/internal/passthrough"
)

func init() {
	if len(os.Args) > 1 && passthrough.Passes(os.Args[1:]) {
		// On failure, package toolexec execs the tool again and reports
		// the error.
		_ = syscall.Exec(os.Args[1], os.Args[1:], os.Environ())
	}
}
