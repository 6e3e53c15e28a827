//go:build unix

package passthrough

func isSeparator(c byte) bool { return c == '/' }
