//go:build !unix && !windows

package filelock

// Lock is a no-op where flock is not available; concurrent resolutions
// then may run twice, which is slower but still correct.
func Lock(string) (func(), error) { return func() {}, nil }

// TryLock always succeeds where flock is not available.
func TryLock(string) (func(), bool, error) { return func() {}, true, nil }
