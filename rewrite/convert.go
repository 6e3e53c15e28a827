// Finding the places where an SDK's service escapes the call-site rewrite:
// converted to an interface of the program, or passed as a type argument.

package rewrite

import (
	"go/ast"
	"go/token"
	"go/types"
	"slices"

	"github.com/llminstr/llminstr/rules"
)

// findConversions reports, as skipped sites, the expressions whose value is
// an SDK service (the receiver of a KindCall rule's target, or a pointer to
// it) and that are converted to an interface with the target method, or
// passed as a type argument whose constraint has it: calls through the
// interface or the type parameter are not seen by the rewrite. Interfaces
// that are themselves rule receivers (client.MCPClient) are instrumented,
// and are not reported; nor are arguments of functions a rule wraps
// (langchaingo's chains.Run takes an agent executor as a chains.Chain, and
// its adapter runs it).
func findConversions(cfg *Config, fset *token.FileSet, info *types.Info, fileIdx int, f *ast.File, src []byte) []*match {
	services := map[[2]string][]*rules.Rule{} // {package, type} -> rules on its methods
	ruleIfaces := map[[2]string]bool{}
	for i := range cfg.Rules {
		r := &cfg.Rules[i]
		if (r.Kind != rules.KindCall && r.Kind != rules.KindReceiverCall) || r.Receiver == "" || cfg.Disabled[r.Integration] {
			continue
		}
		for _, p := range r.Packages {
			key := [2]string{p, r.Receiver}
			ruleIfaces[key] = true
			if r.Kind == rules.KindCall {
				services[key] = append(services[key], r)
			}
		}
	}
	if len(services) == 0 {
		return nil
	}
	// A call of a function a rule wraps (chains.Run): a service handed to
	// it is in the hands of its adapter, which knows what to do with it.
	isWrapped := func(fun ast.Expr) bool {
		sel, ok := ast.Unparen(fun).(*ast.SelectorExpr)
		if !ok {
			return false
		}
		fn := selectedFunc(info, sel)
		if fn == nil {
			return false
		}
		r, _ := ruleFor(cfg.Rules, info, sel, fn)
		return r != nil && r.Kind == rules.KindCall && r.Receiver == "" && !cfg.Disabled[r.Integration]
	}
	ignored := ignoreDirectives(fset, f, src)
	var out []*match
	seen := map[ast.Expr]bool{}
	// report records e, of type from, converted to the interface or
	// constraint to, when to has one of the service's target methods.
	report := func(e ast.Expr, from types.Type, to types.Type, what string) {
		if e == nil || from == nil || to == nil || seen[e] {
			return
		}
		if _, ok := from.Underlying().(*types.Interface); ok {
			return // already an interface: not a service value
		}
		pkg, name := namedType(from)
		rs := services[[2]string{pkg, name}]
		if len(rs) == 0 || inTargetModule(cfg.ImportPath, rs[0], pkg) {
			return
		}
		iface, ok := to.Underlying().(*types.Interface)
		if !ok {
			return
		}
		if ipkg, iname := namedType(to); ruleIfaces[[2]string{ipkg, iname}] {
			return
		}
		ms := methods(iface)
		for _, r := range rs {
			if !slices.ContainsFunc(ms, func(m *types.Func) bool { return m.Name() == r.Name }) {
				continue
			}
			seen[e] = true
			m := &match{rule: r, file: fileIdx, pos: e.Pos(), end: e.End(), status: Skipped,
				reason: "unsupported call shape: " + types.TypeString(from, shortQualifier) + " is " + what + " " +
					types.TypeString(to, shortQualifier) + ", and calls of " + r.Name + " through it are not instrumented"}
			if ignored(e.Pos()) {
				m.status, m.reason = Ignored, "//llminstr:ignore"
			}
			out = append(out, m)
			return
		}
	}
	typeOf := func(e ast.Expr) types.Type {
		if tv, ok := info.Types[e]; ok {
			return tv.Type
		}
		return nil
	}
	var results []*types.Tuple // of the enclosing functions
	var visit func(n ast.Node) bool
	visit = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.FuncDecl, *ast.FuncLit:
			var sigType types.Type
			var body *ast.BlockStmt
			if d, ok := n.(*ast.FuncDecl); ok {
				body = d.Body
				if obj := info.Defs[d.Name]; obj != nil {
					sigType = obj.Type()
				}
			} else {
				lit := n.(*ast.FuncLit)
				sigType, body = typeOf(lit), lit.Body
			}
			var res *types.Tuple
			if sig, ok := sigType.(*types.Signature); ok {
				res = sig.Results()
			}
			if body != nil {
				results = append(results, res)
				ast.Inspect(body, visit)
				results = results[:len(results)-1]
			}
			return false
		case *ast.AssignStmt:
			if n.Tok == token.ASSIGN && len(n.Lhs) == len(n.Rhs) {
				for i, rhs := range n.Rhs {
					report(rhs, typeOf(rhs), typeOf(n.Lhs[i]), "assigned to")
				}
			}
		case *ast.ValueSpec:
			if n.Type != nil {
				for _, v := range n.Values {
					report(v, typeOf(v), typeOf(n.Type), "assigned to")
				}
			}
		case *ast.ReturnStmt:
			if len(results) > 0 && results[len(results)-1] != nil {
				res := results[len(results)-1]
				if res.Len() == len(n.Results) {
					for i, e := range n.Results {
						report(e, typeOf(e), res.At(i).Type(), "returned as")
					}
				}
			}
		case *ast.CallExpr:
			if tv, ok := info.Types[n.Fun]; ok && tv.IsType() && len(n.Args) == 1 {
				report(n.Args[0], typeOf(n.Args[0]), tv.Type, "converted to")
				break
			}
			sig, ok := typeOf(n.Fun).(*types.Signature)
			if !ok || isWrapped(n.Fun) {
				break // a builtin, or a function a rule wraps
			}
			for i, a := range n.Args {
				var param types.Type
				switch {
				case sig.Variadic() && i >= sig.Params().Len()-1:
					param = sig.Params().At(sig.Params().Len() - 1).Type()
					if n.Ellipsis == token.NoPos {
						if s, ok := param.(*types.Slice); ok {
							param = s.Elem()
						}
					}
				case i < sig.Params().Len():
					param = sig.Params().At(i).Type()
				}
				report(a, typeOf(a), param, "passed as")
			}
		case *ast.CompositeLit:
			t := typeOf(n)
			if t == nil {
				break
			}
			switch u := t.Underlying().(type) {
			case *types.Struct:
				for i, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						if id, ok := kv.Key.(*ast.Ident); ok {
							for j := range u.NumFields() {
								if u.Field(j).Name() == id.Name {
									report(kv.Value, typeOf(kv.Value), u.Field(j).Type(), "stored as")
								}
							}
						}
					} else if i < u.NumFields() {
						report(el, typeOf(el), u.Field(i).Type(), "stored as")
					}
				}
			case *types.Slice, *types.Array, *types.Map:
				elem := u.(interface{ Elem() types.Type }).Elem()
				for _, el := range n.Elts {
					if kv, ok := el.(*ast.KeyValueExpr); ok {
						el = kv.Value
					}
					report(el, typeOf(el), elem, "stored as")
				}
			}
		case *ast.Ident:
			inst, ok := info.Instances[n]
			if !ok {
				break
			}
			var tparams *types.TypeParamList
			switch obj := info.Uses[n].(type) {
			case *types.Func:
				if sig, ok := obj.Type().(*types.Signature); ok {
					tparams = sig.TypeParams()
				}
			case *types.TypeName:
				if named, ok := obj.Type().(*types.Named); ok {
					tparams = named.TypeParams()
				}
			}
			for i := range inst.TypeArgs.Len() {
				if tparams != nil && i < tparams.Len() {
					report(n, inst.TypeArgs.At(i), tparams.At(i).Constraint(), "a type argument for")
				}
			}
		}
		return true
	}
	ast.Inspect(f, visit)
	return out
}

// methods lists an interface's methods, embedded ones included.
func methods(iface *types.Interface) []*types.Func {
	out := make([]*types.Func, iface.NumMethods())
	for i := range out {
		out[i] = iface.Method(i)
	}
	return out
}

// shortQualifier names packages by their name, as in Go source.
func shortQualifier(p *types.Package) string { return p.Name() }
