package injected

import (
	goruntime "runtime"
	"sync/atomic"
	"testing"
	"time"
)

type attachKey struct{ buf [64]byte }

type attachValue struct{ n int }

func attachmentCount() int {
	n := 0
	attachments.Range(func(any, any) bool { n++; return true })
	return n
}

func TestAttachDetach(t *testing.T) {
	key := &attachKey{}
	var collected atomic.Int32
	Attach(key, &attachValue{n: 1}, func(*attachValue) { collected.Add(1) })
	Attach(key, &attachValue{n: 2}, func(*attachValue) { collected.Add(1) }) // no-op
	if v := Attached[attachKey, attachValue](key); v == nil || v.n != 1 {
		t.Fatalf("Attached = %v, want n=1", v)
	}
	if v := Detach[attachKey, attachValue](key); v == nil || v.n != 1 {
		t.Fatalf("Detach = %v, want n=1", v)
	}
	if v := Detach[attachKey, attachValue](key); v != nil {
		t.Fatalf("second Detach = %v, want nil", v)
	}
	goruntime.KeepAlive(key)
	key = nil
	goruntime.GC()
	goruntime.GC()
	time.Sleep(10 * time.Millisecond)
	if n := collected.Load(); n != 0 {
		t.Errorf("collected ran %d times after Detach", n)
	}
	Attach[attachKey, attachValue](nil, &attachValue{}, nil) // no panic
}

// TestAttachCollected: an object dropped without Detach has its value handed
// to collected exactly once, and its entry removed.
func TestAttachCollected(t *testing.T) {
	before := attachmentCount()
	var collected atomic.Int32
	const n = 100
	for i := 0; i < n; i++ {
		Attach(&attachKey{}, &attachValue{n: i}, func(*attachValue) { collected.Add(1) })
	}
	deadline := time.Now().Add(10 * time.Second)
	for collected.Load() < n && time.Now().Before(deadline) {
		goruntime.GC()
		time.Sleep(time.Millisecond)
	}
	if got := collected.Load(); got != n {
		t.Fatalf("collected ran %d times, want %d", got, n)
	}
	if after := attachmentCount(); after != before {
		t.Errorf("%d entries left, want %d", after, before)
	}
}

func BenchmarkAttached(b *testing.B) {
	key := &attachKey{}
	Attach(key, &attachValue{}, nil)
	defer Detach[attachKey, attachValue](key)
	for b.Loop() {
		if Attached[attachKey, attachValue](key) == nil {
			b.Fatal("lost")
		}
	}
}
