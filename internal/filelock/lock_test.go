package filelock

import (
	"path/filepath"
	"runtime"
	"testing"
)

func TestTryLock(t *testing.T) {
	if runtime.GOOS != "windows" && runtime.GOOS != "linux" && runtime.GOOS != "darwin" && runtime.GOOS != "freebsd" {
		t.Skip("no file locks here")
	}
	path := filepath.Join(t.TempDir(), "lock")
	unlock, err := Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok, err := TryLock(path); err != nil || ok {
		t.Fatalf("TryLock of a held lock: ok %v, err %v; want false, nil", ok, err)
	}
	unlock()
	unlockTry, ok, err := TryLock(path)
	if err != nil || !ok {
		t.Fatalf("TryLock of a free lock: ok %v, err %v; want true, nil", ok, err)
	}
	if _, ok, _ := TryLock(path); ok {
		t.Fatal("TryLock took a lock TryLock holds")
	}
	unlockTry()
	unlock, err = Lock(path)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
}
