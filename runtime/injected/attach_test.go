package injected

import (
	"os/exec"
	goruntime "runtime"
	"strings"
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

// TestAttachByType: a struct and its first field share an address; what is
// attached to one is not attached to the other.
func TestAttachByType(t *testing.T) {
	type outer struct {
		inner attachKey
		more  int
	}
	o := &outer{}
	Attach(o, &attachValue{n: 1}, nil)
	Attach(&o.inner, &attachValue{n: 2}, nil)
	if v := Attached[outer, attachValue](o); v == nil || v.n != 1 {
		t.Errorf("Attached(outer) = %v, want n=1", v)
	}
	if v := Detach[attachKey, attachValue](&o.inner); v == nil || v.n != 2 {
		t.Errorf("Detach(inner) = %v, want n=2", v)
	}
	if v := Detach[outer, attachValue](o); v == nil || v.n != 1 {
		t.Errorf("Detach(outer) = %v, want n=1", v)
	}
}

// TestGenericFootprint: the runtime's generic functions are instantiated in
// every package an adapter is injected into, and compiled there. They must
// leave the generic code of the standard library they use (sync.Map, weak
// pointers, cleanups) to the runtime, where it is compiled once: inlined
// into Attach, it made the compiler build some 190 more functions in each
// package that attaches a stream.
func TestGenericFootprint(t *testing.T) {
	goTool, err := exec.LookPath("go") // go test puts its own first on PATH
	if err != nil {
		t.Skipf("no go command: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-export", "-f", "{{.Export}}", "./testdata/attachcaller").Output()
	if err != nil {
		t.Fatalf("go list -export: %v", err)
	}
	archive := strings.TrimSpace(string(out))
	out, err = exec.Command(goTool, "tool", "nm", archive).Output()
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	funcs := 0
	var foreign []string
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) < 3 || (fields[1] != "T" && fields[1] != "t") {
			continue
		}
		name := strings.Join(fields[2:], " ")
		funcs++
		for _, prefix := range []string{"sync.", "sync/atomic.", "internal/sync.", "weak.", "runtime.", "internal/runtime/"} {
			if strings.HasPrefix(name, prefix) {
				foreign = append(foreign, name)
			}
		}
	}
	if funcs == 0 {
		t.Fatalf("no functions in %s", archive)
	}
	if len(foreign) > 0 {
		t.Errorf("the package compiles %d of the standard library's generic functions (of %d functions), e.g. %s", len(foreign), funcs, foreign[0])
	}
}
