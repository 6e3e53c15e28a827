//go:build !unix

package toolexec

import "os"

// execTool runs the real tool where exec(2) is not available.
func execTool(args []string) int { return runTool(args, os.Stderr) }
