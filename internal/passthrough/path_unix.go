//go:build unix

package passthrough

func isAbs(path string) bool { return len(path) > 0 && path[0] == '/' }

func isSeparator(c byte) bool { return c == '/' }
