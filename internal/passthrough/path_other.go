//go:build !unix

package passthrough

import "path/filepath"

func isSeparator(c byte) bool { return c == '/' || c == filepath.Separator }
