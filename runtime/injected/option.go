package injected

import "reflect"

// ConfigOption returns a function of witness's type, for SDKs whose request
// options are functions of a pointer to a configuration type internal to
// the SDK (func(*requestconfig.RequestConfig) error, as the Stainless SDKs
// have them), that calls apply with that pointer as a reflect.Value and
// returns the zero result. When apply returns false, or the pointer is
// nil, witness runs instead. It returns nil when witness is not such a
// function; a panic in apply is recovered, and witness runs.
//
// The caller converts the result back to the SDK's option type.
func ConfigOption(witness any, apply func(cfg reflect.Value) bool) any {
	w := reflect.ValueOf(witness)
	if !w.IsValid() {
		return nil
	}
	t := w.Type()
	if t.Kind() != reflect.Func || t.NumIn() != 1 || t.In(0).Kind() != reflect.Pointer ||
		t.In(0).Elem().Kind() != reflect.Struct || t.NumOut() != 1 || w.IsNil() {
		return nil
	}
	return reflect.MakeFunc(t, func(args []reflect.Value) []reflect.Value {
		if !args[0].IsNil() && applied(apply, args[0]) {
			return []reflect.Value{reflect.Zero(t.Out(0))}
		}
		return w.Call(args)
	}).Interface()
}

func applied(apply func(reflect.Value) bool, cfg reflect.Value) (ok bool) {
	defer recoverAndWarn()
	return apply(cfg)
}
