//go:build !unix

package passthrough

import "path/filepath"

func isAbs(path string) bool { return filepath.IsAbs(path) }

func isSeparator(c byte) bool { return c == '/' || c == filepath.Separator }
