package rules

import (
	"fmt"
	"go/types"
	"path"
	"slices"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// TestAdaptersMatchTheirTargets type-checks every integration's adapter
// package, in each of its variants, against the SDK versions this module
// requires, and checks for every rule that the adapter exists and that a
// rewritten call type-checks exactly as the original did: for a call rule
// adapter(x.M, args...) (its first parameter is the method value's type),
// for a receiver rule adapter(x, args...), the same parameters after that
// and the same results as the target.
func TestAdaptersMatchTheirTargets(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the SDKs' packages")
	}
	byDir := map[string][]Rule{}
	for _, r := range All() {
		byDir[path.Dir(r.AdapterFile)] = append(byDir[path.Dir(r.AdapterFile)], r)
	}
	for dir, variants := range Variants() {
		for i, tags := range variants {
			t.Run(fmt.Sprintf("%s/%d", dir, i), func(t *testing.T) {
				cfg := &packages.Config{Mode: packages.NeedName | packages.NeedTypes | packages.NeedImports | packages.NeedDeps}
				if len(tags) > 0 {
					cfg.BuildFlags = []string{"-tags=" + strings.Join(tags, ",")}
				}
				// The targets' packages are loaded with the adapters', so
				// that generic adapters, which need not import them, are
				// checked against the same types.
				adapterPath := "github.com/llminstr/llminstr/rules/" + dir
				patterns := []string{adapterPath}
				if why, ok := targetsNotLoadable[dir]; ok {
					// The adapters alone must type-check; the targets are
					// checked by the integration's program test.
					pkgs, err := packages.Load(cfg, adapterPath)
					if err != nil || packages.PrintErrors(pkgs) > 0 {
						t.Fatalf("%s (tags %v) does not type-check: %v", dir, tags, err)
					}
					t.Logf("%s: targets not checked here: %s", dir, why)
					return
				}
				for _, r := range byDir[dir] {
					if len(r.Packages) > 0 && !slices.Contains(patterns, r.Packages[0]) {
						patterns = append(patterns, r.Packages[0])
					}
				}
				pkgs, err := packages.Load(cfg, patterns...)
				if err != nil {
					t.Fatal(err)
				}
				if packages.PrintErrors(pkgs) > 0 {
					t.Fatalf("%s (tags %v) does not type-check", dir, tags)
				}
				var pkg *packages.Package
				for _, p := range pkgs {
					if p.PkgPath == adapterPath {
						pkg = p
					}
				}
				for _, r := range byDir[dir] {
					if err := checkRule(pkg, pkgs, r); err != nil {
						t.Errorf("%s: %v", r.ID, err)
					}
				}
			})
		}
	}
}

// targetsNotLoadable are the integrations whose targets' packages do not
// build in this module, with the reason; their programs' tests build them.
var targetsNotLoadable = map[string]string{
	"genkit": "Genkit v1.4.0's ai package (through dotprompt) needs invopop/jsonschema v0.13, and anthropic-sdk-go v1.84 and fantasy require v0.14; rules/genkit's TestIntegration builds its program",
}

func checkRule(pkg *packages.Package, loaded []*packages.Package, r Rule) error {
	obj, ok := pkg.Types.Scope().Lookup(r.Adapter).(*types.Func)
	if !ok {
		return fmt.Errorf("%s declares no function %s", pkg.PkgPath, r.Adapter)
	}
	adapter := obj.Type().(*types.Signature)
	params := tuple(adapter.Params())
	results := tuple(adapter.Results())
	switch r.Kind {
	case KindMainPrologue:
		if len(params)+len(results) != 0 {
			return fmt.Errorf("%s must be a func(), is %s", r.Adapter, adapter)
		}
		return nil
	case KindDirective:
		if adapter.String() != "func(ctx context.Context, name string) (context.Context, func(error))" {
			return fmt.Errorf("%s must be func(ctx context.Context, name string) (context.Context, func(error)), is %s", r.Adapter, adapter)
		}
		return nil
	}
	target, err := lookupTarget(loaded, r)
	if err != nil {
		return err
	}
	if len(params) == 0 {
		return fmt.Errorf("%s has no parameters", r.Adapter)
	}
	// A generic adapter matches when its type parameters can stand for
	// the target's types: the call site instantiates it by inference.
	bind := map[*types.TypeParam]types.Type{}
	same := func(pattern, t types.Type) bool { return matchType(pattern, t, bind) }
	identical := func(a, b []types.Type) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if !same(a[i], b[i]) {
				return false
			}
		}
		return true
	}
	switch r.Kind {
	case KindCall:
		value := types.NewSignatureType(nil, nil, nil, target.Params(), target.Results(), target.Variadic())
		if !same(params[0], value) {
			return fmt.Errorf("the first parameter of %s is %s, want the method value's type %s", r.Adapter, params[0], value)
		}
	case KindReceiverCall:
		// The receiver, or an interface it implements (one adapter for
		// the calls on a type and through the SDK's interface of it).
		recv := target.Recv().Type()
		iface, isIface := params[0].Underlying().(*types.Interface)
		if !same(params[0], recv) && !(isIface && types.Implements(recv, iface)) {
			return fmt.Errorf("the first parameter of %s is %s, want the receiver %s or an interface it implements", r.Adapter, params[0], recv)
		}
	}
	if want := tuple(target.Params()); !identical(params[1:], want) || adapter.Variadic() != target.Variadic() {
		return fmt.Errorf("%s takes %s after its first parameter, the target takes %s", r.Adapter, types.NewTuple(vars(params[1:])...), target.Params())
	}
	if !identical(results, tuple(target.Results())) {
		return fmt.Errorf("%s returns %s, the target %s", r.Adapter, adapter.Results(), target.Results())
	}
	return nil
}

// lookupTarget finds the rule's target in the module version the adapter
// package is loaded with.
func lookupTarget(loaded []*packages.Package, r Rule) (*types.Signature, error) {
	var target *packages.Package
	packages.Visit(loaded, nil, func(p *packages.Package) {
		if p.PkgPath == r.Packages[0] {
			target = p
		}
	})
	if target == nil {
		return nil, fmt.Errorf("%s is not loaded with the adapters", r.Packages[0])
	}
	if r.Receiver == "" {
		fn, ok := target.Types.Scope().Lookup(r.Name).(*types.Func)
		if !ok {
			return nil, fmt.Errorf("%s has no function %s", r.Packages[0], r.Name)
		}
		return fn.Type().(*types.Signature), nil
	}
	tn, ok := target.Types.Scope().Lookup(r.Receiver).(*types.TypeName)
	if !ok {
		return nil, fmt.Errorf("%s has no type %s", r.Packages[0], r.Receiver)
	}
	lookIn := types.Type(types.NewPointer(tn.Type()))
	if types.IsInterface(tn.Type()) { // a pointer to an interface has no methods
		lookIn = tn.Type()
	}
	m, _, _ := types.LookupFieldOrMethod(lookIn, true, target.Types, r.Name)
	fn, ok := m.(*types.Func)
	if !ok {
		return nil, fmt.Errorf("%s.%s has no method %s", r.Packages[0], r.Receiver, r.Name)
	}
	sig := fn.Type().(*types.Signature)
	if types.IsInterface(sig.Recv().Type()) || sig.Recv() == nil {
		return sig, nil
	}
	// A method promoted from an embedded field keeps that field's receiver;
	// the call's receiver is the named type (or its pointer).
	recv := tn.Type()
	if _, ptr := sig.Recv().Type().(*types.Pointer); ptr {
		recv = types.NewPointer(recv)
	}
	return types.NewSignatureType(types.NewParam(0, nil, "", recv), nil, nil, sig.Params(), sig.Results(), sig.Variadic()), nil
}

func tuple(t *types.Tuple) []types.Type {
	var out []types.Type
	for i := 0; i < t.Len(); i++ {
		out = append(out, t.At(i).Type())
	}
	return out
}

func vars(ts []types.Type) []*types.Var {
	var out []*types.Var
	for _, t := range ts {
		out = append(out, types.NewParam(0, nil, "", t))
	}
	return out
}

// matchType reports whether t is pattern with its type parameters bound
// (consistently, in bind) to types of t's.
func matchType(pattern, t types.Type, bind map[*types.TypeParam]types.Type) bool {
	switch p := pattern.(type) {
	case *types.TypeParam:
		if b, ok := bind[p]; ok {
			return types.Identical(b, t)
		}
		bind[p] = t
		return true
	case *types.Signature:
		s, ok := t.(*types.Signature)
		if !ok || p.Variadic() != s.Variadic() || p.Params().Len() != s.Params().Len() || p.Results().Len() != s.Results().Len() {
			return false
		}
		for _, pair := range [][2]*types.Tuple{{p.Params(), s.Params()}, {p.Results(), s.Results()}} {
			for i := 0; i < pair[0].Len(); i++ {
				if !matchType(pair[0].At(i).Type(), pair[1].At(i).Type(), bind) {
					return false
				}
			}
		}
		return true
	case *types.Slice:
		s, ok := t.(*types.Slice)
		return ok && matchType(p.Elem(), s.Elem(), bind)
	case *types.Pointer:
		s, ok := t.(*types.Pointer)
		return ok && matchType(p.Elem(), s.Elem(), bind)
	}
	return types.Identical(pattern, t)
}
