package injected

import (
	goruntime "runtime"
	"sync"
	"weak"
)

// attachments holds the values adapters attach to objects an SDK owns, such
// as a stream whose methods the user calls long after the call that created
// it returned. It is global because those objects travel freely between
// packages and goroutines; it holds its keys weakly, so it never keeps an
// object alive, and a collected object's entry is removed.
var attachments sync.Map // weak.Pointer[K] → *attachment

type attachment struct {
	value   any
	cleanup goruntime.Cleanup
}

// Attach associates v with the object key points to, until [Detach] is called
// for it or the object becomes unreachable; in the latter case collected(v)
// runs once, on a goroutine of its own. Neither v nor collected may refer to
// the object, or it would never be collected. Attaching to a nil key or
// attaching twice to the same object is a no-op.
func Attach[K, V any](key *K, v *V, collected func(*V)) {
	if key == nil {
		return
	}
	defer recoverAndWarn()
	wp := weak.Make(key)
	// Only the cleanup that wins LoadAndDelete, or Detach, sees the value:
	// it is handed out once.
	cleanup := goruntime.AddCleanup(key, func(wp weak.Pointer[K]) {
		defer recoverAndWarn()
		if a, ok := attachments.LoadAndDelete(wp); ok && collected != nil {
			collected(a.(*attachment).value.(*V))
		}
	}, wp)
	if _, loaded := attachments.LoadOrStore(wp, &attachment{value: v, cleanup: cleanup}); loaded {
		cleanup.Stop()
	}
}

// Attached returns the value attached to the object key points to, or nil.
func Attached[K, V any](key *K) *V {
	if key == nil {
		return nil
	}
	a, ok := attachments.Load(weak.Make(key))
	if !ok {
		return nil
	}
	v, _ := a.(*attachment).value.(*V)
	return v
}

// Detach removes and returns the value attached to the object key points to,
// or nil; the collected function given to [Attach] will not run.
func Detach[K, V any](key *K) *V {
	if key == nil {
		return nil
	}
	a, ok := attachments.LoadAndDelete(weak.Make(key))
	if !ok {
		return nil
	}
	at := a.(*attachment)
	at.cleanup.Stop()
	v, _ := at.value.(*V)
	return v
}

// Named is a value with the name it goes with (a chat's model and its
// configuration), to attach as one. Being the runtime's type, it is the
// same type in every package an adapter file is injected into, as
// [Attached] needs.
type Named[T any] struct {
	Name  string
	Value T
}
