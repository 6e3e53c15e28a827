//go:build !unix

package toolexec

// lockFile is a no-op where flock is not available; concurrent resolutions
// then may run twice, which is slower but still correct.
func lockFile(string) (func(), error) { return func() {}, nil }
