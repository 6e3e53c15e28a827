package injected

import (
	goruntime "runtime"
	"sync"
	"unsafe"
	"weak"
)

// attachments holds the values adapters attach to objects an SDK owns, such
// as a stream whose methods the user calls long after the call that created
// it returned. It is global because those objects travel freely between
// packages and goroutines; it holds its keys weakly, so it never keeps an
// object alive, and a collected object's entry is removed.
var attachments sync.Map // attachmentKey → *attachment

// attachmentKey identifies an object by its address, held weakly, and by the
// type an adapter knows it as: a struct and its first field share an
// address.
type attachmentKey struct {
	ptr weak.Pointer[byte]
	typ any // a nil pointer of the key's type
}

type attachment struct {
	value   any
	cleanup goruntime.Cleanup
}

// Attach, Attached and Detach are generic for their callers' sake only:
// they are compiled into every package an adapter is injected into, so
// they convert their arguments and leave the work, with the generic code of
// sync.Map, weak pointers and cleanups it instantiates, to functions
// compiled once, here.

// Attach associates v with the object key points to, until [Detach] is called
// for it or the object becomes unreachable; in the latter case collected(v)
// runs once, on a goroutine of its own. Neither v nor collected may refer to
// the object, or it would never be collected. Attaching to a nil key or
// attaching twice to the same object is a no-op.
func Attach[K, V any](key *K, v *V, collected func(*V)) {
	if key == nil {
		return
	}
	var done func(any)
	if collected != nil {
		done = func(v any) { collected(v.(*V)) }
	}
	attach((*byte)(unsafe.Pointer(key)), (*K)(nil), v, done)
}

// Attached returns the value attached to the object key points to, or nil.
func Attached[K, V any](key *K) *V {
	if key == nil {
		return nil
	}
	v, _ := attached((*byte)(unsafe.Pointer(key)), (*K)(nil)).(*V)
	return v
}

// Detach removes and returns the value attached to the object key points to,
// or nil; the collected function given to [Attach] will not run.
func Detach[K, V any](key *K) *V {
	if key == nil {
		return nil
	}
	v, _ := detach((*byte)(unsafe.Pointer(key)), (*K)(nil)).(*V)
	return v
}

// attach is [Attach] for an object at p known as type typ.
func attach(p *byte, typ, v any, collected func(any)) {
	defer recoverAndWarn()
	key := attachmentKey{ptr: weak.Make(p), typ: typ}
	// Only the cleanup that wins LoadAndDelete, or Detach, sees the value:
	// it is handed out once.
	cleanup := goruntime.AddCleanup(p, func(key attachmentKey) {
		defer recoverAndWarn()
		if a, ok := attachments.LoadAndDelete(key); ok && collected != nil {
			collected(a.(*attachment).value)
		}
	}, key)
	if _, loaded := attachments.LoadOrStore(key, &attachment{value: v, cleanup: cleanup}); loaded {
		cleanup.Stop()
	}
}

// attached is [Attached] for an object at p known as type typ.
func attached(p *byte, typ any) any {
	a, ok := attachments.Load(attachmentKey{ptr: weak.Make(p), typ: typ})
	if !ok {
		return nil
	}
	return a.(*attachment).value
}

// detach is [Detach] for an object at p known as type typ.
func detach(p *byte, typ any) any {
	a, ok := attachments.LoadAndDelete(attachmentKey{ptr: weak.Make(p), typ: typ})
	if !ok {
		return nil
	}
	at := a.(*attachment)
	at.cleanup.Stop()
	return at.value
}

// Named is a value with the name it goes with (a chat's model and its
// configuration), to attach as one. Being the runtime's type, it is the
// same type in every package an adapter file is injected into, as
// [Attached] needs.
type Named[T any] struct {
	Name  string
	Value T
}
