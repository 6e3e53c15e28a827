// Finding the call sites, directives and main functions that rules target.

package rewrite

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/token"
	"go/types"
	"slices"
	"strings"

	"github.com/llminstr/llminstr/rules"
)

// findCalls finds the calls of KindCall rules' targets in one file.
func findCalls(cfg *Config, fset *token.FileSet, info *types.Info, fileIdx int, f *ast.File, src []byte) []*match {
	var out []*match
	tf := fset.File(f.Pos())
	base := tf.Base()
	ignored := ignoreDirectives(fset, f, src)
	callFuns := map[ast.Expr]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			callFuns[ast.Unparen(n.Fun)] = true
		case *ast.SelectorExpr:
			// A method value or function value of a target, not called
			// here: calls through it cannot be seen.
			if callFuns[n] {
				return true
			}
			if fn := selectedFunc(info, n); fn != nil {
				if r, _ := ruleFor(cfg.Rules, info, n, fn); r != nil {
					m := &match{rule: r, file: fileIdx, pos: n.Pos(), end: n.End(),
						status: Skipped, reason: "unsupported call shape: " + fn.Name() + " is used as a function value, and calls through it are not instrumented"}
					if ignored(n.Pos()) {
						m.status, m.reason = Ignored, "//llminstr:ignore"
					}
					out = append(out, m)
				}
			}
			return true
		default:
			return true
		}
		call := n.(*ast.CallExpr)
		sel, ok := ast.Unparen(call.Fun).(*ast.SelectorExpr)
		if !ok {
			return true
		}
		fn := selectedFunc(info, sel)
		if fn == nil {
			return true
		}
		r, embedded := ruleFor(cfg.Rules, info, sel, fn)
		if r == nil {
			return true
		}
		m := &match{rule: r, file: fileIdx, pos: call.Pos(), end: call.End(), target: fn.Origin().Pkg().Path(), fn: fn, status: Rewritten}
		out = append(out, m)
		switch {
		case ignored(call.Pos()):
			m.status, m.reason = Ignored, "//llminstr:ignore"
			return true
		case inTargetModule(cfg.ImportPath, r, m.target):
			// The SDK calling itself (a method built on another): the
			// adapter imports the SDK, so it cannot be injected here, and
			// the program's own call of the outer method is the one traced.
			m.status, m.reason = Ignored, "a call inside the SDK's own module, which the adapter imports"
			return true
		case cfg.Disabled[r.Integration]:
			m.status, m.reason = Skipped, "integration "+r.Integration+" is disabled by configuration"
			return true
		case len(call.Args) == 1 && isTuple(info, call.Args[0]):
			m.status, m.reason = Skipped, "unsupported call shape: the arguments are the results of one call, which cannot be passed on with the method; assign them to variables first"
			return true
		}
		funStart := int(call.Fun.Pos()) - base
		lparen := int(call.Lparen) - base
		if s, ok := info.Selections[sel]; ok && s.Kind() == types.MethodExpr {
			m.render = renderMethodExpr(r, call, sel, src, base)
			return true
		}
		sep, del := "", 1
		if len(call.Args) > 0 {
			sep = ", "
			if tf.Line(call.Lparen) != tf.Line(call.Args[0].Pos()) {
				sep = "," // the arguments start on the next line
			}
		}
		m.render = func(adapter string) []edit {
			return []edit{{off: funStart, insert: adapter + "("}, {off: lparen, del: del, insert: sep}}
		}
		if r.Kind == rules.KindReceiverCall {
			// x.M(args) becomes Adapter(x, args): ".M(" gives way to the
			// separator, keeping any line breaks between x and "(" so
			// that every line keeps its number.
			// A receiver of the program's type that embeds the SDK's
			// passes the embedded field: x.Recv() becomes Adapter(x.Stream).
			recvEnd := int(sel.X.End()) - base
			breaks := bytes.Count(src[recvEnd:lparen], []byte("\n"))
			recvSep := embedded
			switch {
			case breaks > 0:
				recvSep += "," + strings.Repeat("\n", breaks)
			case len(call.Args) > 0:
				recvSep += ", "
			}
			m.render = func(adapter string) []edit {
				return []edit{{off: funStart, insert: adapter + "("}, {off: recvEnd, del: lparen + 1 - recvEnd, insert: recvSep}}
			}
		}
		return true
	})
	return out
}

// isTuple reports whether e is a call with more than one result.
func isTuple(info *types.Info, e ast.Expr) bool {
	t, ok := info.Types[e].Type.(*types.Tuple)
	return ok && t.Len() > 1
}

// renderMethodExpr rewrites a call of a method expression, T.M(x, args),
// as a call of x's method: Adapter((x).M, args) for a KindCall rule, and
// Adapter(x, args) for a KindReceiverCall rule. x is evaluated where it was,
// before the arguments; any line breaks before it are kept, so that every
// line keeps its number.
func renderMethodExpr(r *rules.Rule, call *ast.CallExpr, sel *ast.SelectorExpr, src []byte, base int) func(string) []edit {
	funStart, lparen := int(call.Fun.Pos())-base, int(call.Lparen)-base
	recvStart, recvEnd := int(call.Args[0].Pos())-base, int(call.Args[0].End())-base
	breaks := strings.Repeat("\n", bytes.Count(src[funStart:lparen], []byte("\n")))
	return func(adapter string) []edit {
		if r.Kind == rules.KindReceiverCall {
			return []edit{{off: funStart, del: lparen + 1 - funStart, insert: adapter + "(" + breaks}}
		}
		return []edit{
			{off: funStart, del: lparen + 1 - funStart, insert: adapter + "(" + breaks},
			{off: recvStart, insert: "("},
			{off: recvEnd, insert: ")." + sel.Sel.Name},
		}
	}
}

// ignoreDirective opts a call out of instrumentation when it stands on the
// call's line, alone on the line above it, or in the doc comment of the
// enclosing function.
const ignoreDirective = "//llminstr:ignore"

func ignoreDirectives(fset *token.FileSet, f *ast.File, src []byte) func(token.Pos) bool {
	tf := fset.File(f.Pos())
	onLine := map[int]bool{} // a directive anywhere on the line
	alone := map[int]bool{}  // a directive with nothing before it on its line
	for _, cg := range f.Comments {
		for _, c := range cg.List {
			if !strings.HasPrefix(c.Text, ignoreDirective) {
				continue
			}
			line := tf.Line(c.Pos())
			onLine[line] = true
			start, at := tf.Offset(tf.LineStart(line)), tf.Offset(c.Pos())
			if start <= at && at <= len(src) && len(bytes.TrimSpace(src[start:at])) == 0 {
				alone[line] = true
			}
		}
	}
	type span struct{ pos, end token.Pos }
	var funcs []span
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Doc != nil {
			for _, c := range fd.Doc.List {
				if strings.HasPrefix(c.Text, ignoreDirective) {
					funcs = append(funcs, span{fd.Pos(), fd.End()})
				}
			}
		}
	}
	return func(p token.Pos) bool {
		line := tf.Line(p)
		if onLine[line] || alone[line-1] {
			return true
		}
		for _, s := range funcs {
			if p >= s.pos && p < s.end {
				return true
			}
		}
		return false
	}
}

// selectedFunc returns the function or method a selector expression
// denotes: a method value x.M, a method expression T.M, or a function.
func selectedFunc(info *types.Info, sel *ast.SelectorExpr) *types.Func {
	if s, ok := info.Selections[sel]; ok {
		if s.Kind() != types.MethodVal && s.Kind() != types.MethodExpr {
			return nil
		}
		fn, _ := s.Obj().(*types.Func)
		return fn
	}
	fn, _ := info.Uses[sel.Sel].(*types.Func)
	return fn
}

// ruleFor returns the rule whose target sel selects: a function or method
// fn (KindCall), or a method of the receiver expression's own type
// (KindReceiverCall). For a receiver of a type that embeds the rule's
// (a struct of the program around an SDK stream), embedded is the path of
// embedded fields that reaches it (".ChatCompletionStream"), and "" when
// the receiver is of the rule's type itself.
func ruleFor(rs []rules.Rule, info *types.Info, sel *ast.SelectorExpr, fn *types.Func) (r *rules.Rule, embedded string) {
	fn = fn.Origin()
	if fn.Pkg() == nil {
		return nil, ""
	}
	path, recv := fn.Pkg().Path(), receiverName(fn)
	// The receiver's own type, then each embedded type on the way to the
	// method, with the field path that reaches it.
	type candidate struct{ pkg, name, path string }
	var recvs []candidate
	if s, ok := info.Selections[sel]; ok {
		t := s.Recv()
		p, n := namedType(t)
		recvs = append(recvs, candidate{p, n, ""})
		if s.Kind() == types.MethodVal {
			fields := ""
			for _, idx := range s.Index()[:len(s.Index())-1] {
				st, ok := derefStruct(t)
				if !ok || idx >= st.NumFields() || !st.Field(idx).Embedded() {
					break
				}
				f := st.Field(idx)
				fields += "." + f.Name()
				t = f.Type()
				p, n := namedType(t)
				recvs = append(recvs, candidate{p, n, fields})
			}
		}
	}
	for i := range rs {
		r := &rs[i]
		if r.Name != fn.Name() {
			continue
		}
		switch r.Kind {
		case rules.KindCall:
			if r.Receiver == recv && slices.Contains(r.Packages, path) {
				return r, ""
			}
		case rules.KindReceiverCall:
			for _, c := range recvs {
				if r.Receiver == c.name && slices.Contains(r.Packages, c.pkg) {
					return r, c.path
				}
			}
		}
	}
	return nil, ""
}

// derefStruct returns the struct type t is, or points to.
func derefStruct(t types.Type) (*types.Struct, bool) {
	if p, ok := t.Underlying().(*types.Pointer); ok {
		t = p.Elem()
	}
	st, ok := t.Underlying().(*types.Struct)
	return st, ok
}

// inTargetModule reports whether the package importPath belongs to the
// module (at the major version) that declares a rule's target package.
func inTargetModule(importPath string, r *rules.Rule, target string) bool {
	if r.Module == "" || len(r.Packages) == 0 {
		return false
	}
	root := strings.TrimSuffix(target, strings.TrimPrefix(r.Packages[0], r.Module))
	return importPath == root || strings.HasPrefix(importPath, root+"/")
}

// namedType returns the package path and name of t, or of what t points to.
func namedType(t types.Type) (pkg, name string) {
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	if !ok || n.Obj().Pkg() == nil {
		return "", ""
	}
	return n.Obj().Pkg().Path(), n.Obj().Name()
}

func receiverName(fn *types.Func) string {
	sig, ok := fn.Type().(*types.Signature)
	if !ok || sig.Recv() == nil {
		return ""
	}
	_, name := namedType(sig.Recv().Type())
	return name
}

// findDirectives finds the functions marked by a KindDirective rule's
// directive, and starts their body with the adapter's call on their
// context parameter.
func findDirectives(cfg *Config, fset *token.FileSet, info *types.Info, fileIdx int, f *ast.File) []*match {
	var out []*match
	base := fset.File(f.Pos()).Base()
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Doc == nil || fd.Body == nil {
			continue
		}
		for i := range cfg.Rules {
			r := &cfg.Rules[i]
			if r.Kind != rules.KindDirective {
				continue
			}
			arg, found := directiveArg(fd.Doc, "//"+r.Directive)
			if !found {
				continue
			}
			m := &match{rule: r, file: fileIdx, pos: fd.Pos(), end: fd.Body.Lbrace + 1, status: Rewritten}
			out = append(out, m)
			ctxName := contextParam(info, fd.Type.Params)
			if ctxName == "" {
				m.status, m.reason = Skipped, "//"+r.Directive+" needs a named context.Context parameter"
				continue
			}
			name := arg
			if name == "" {
				name = fd.Name.Name
				if fd.Recv != nil && len(fd.Recv.List) == 1 {
					if recv := typeName(info, fd.Recv.List[0].Type); recv != nil {
						name = recv.Name() + "." + name
					}
				}
			}
			off := int(fd.Body.Lbrace) - base + 1
			errName, named := errorResult(info, fd.Type.Results, base)
			m.render = func(adapter string) []edit {
				prologue := fmt.Sprintf(" %s, llminstrEnd := %s(%s, %q);", ctxName, adapter, ctxName, name)
				if errName == "" {
					return []edit{{off: off, insert: prologue + " defer llminstrEnd(nil);"}}
				}
				return append(named, edit{off: off, insert: prologue + " defer func() { llminstrEnd(" + errName + ") }();"})
			}
		}
	}
	return out
}

// errorResult returns the name of a function's error result, when its last
// result is an error, and the edits that name its results if they have no
// names (or name a blank error result): names are not part of a function's
// type, and a result the function returns is in its named result when its
// deferred functions run, so the directive's deferred end sees the error
// the function returns. The edits only insert, on the results' own lines.
func errorResult(info *types.Info, results *ast.FieldList, base int) (name string, edits []edit) {
	if results == nil || len(results.List) == 0 {
		return "", nil
	}
	last := results.List[len(results.List)-1]
	if t := info.TypeOf(last.Type); t == nil || !types.Identical(t, types.Universe.Lookup("error").Type()) {
		return "", nil
	}
	const errName = "llminstrErr"
	if len(last.Names) > 0 {
		n := last.Names[len(last.Names)-1]
		if n.Name != "_" {
			return n.Name, nil
		}
		return errName, []edit{{off: int(n.Pos()) - base, del: 1, insert: errName}}
	}
	if !results.Opening.IsValid() { // func f() error: parenthesized, to be named
		return errName, []edit{{off: int(last.Type.Pos()) - base, insert: "(" + errName + " "}, {off: int(last.Type.End()) - base, insert: ")"}}
	}
	// Unnamed results: each gets a name, the error llminstrErr.
	for i, field := range results.List {
		n := fmt.Sprintf("llminstrResult%d", i)
		if field == last {
			n = errName
		}
		edits = append(edits, edit{off: int(field.Type.Pos()) - base, insert: n + " "})
	}
	return errName, edits
}

// directiveArg looks for a line "//directive [arg]" in doc.
func directiveArg(doc *ast.CommentGroup, directive string) (arg string, found bool) {
	for _, c := range doc.List {
		rest, ok := strings.CutPrefix(c.Text, directive)
		if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
			continue
		}
		return strings.TrimSpace(rest), true
	}
	return "", false
}

// contextParam returns the name of the first context.Context parameter, or
// "" when there is none with a usable name.
func contextParam(info *types.Info, params *ast.FieldList) string {
	for _, field := range params.List {
		if obj := typeName(info, field.Type); obj == nil || obj.Pkg() == nil || obj.Pkg().Path() != "context" || obj.Name() != "Context" {
			continue
		}
		for _, n := range field.Names {
			if n.Name != "_" {
				return n.Name
			}
		}
	}
	return ""
}

// typeName returns the named type a type expression denotes, through
// pointers and type arguments: context.Context, *T, T[K].
func typeName(info *types.Info, expr ast.Expr) *types.TypeName {
	switch e := ast.Unparen(expr).(type) {
	case *ast.StarExpr:
		return typeName(info, e.X)
	case *ast.IndexExpr:
		return typeName(info, e.X)
	case *ast.IndexListExpr:
		return typeName(info, e.X)
	case *ast.SelectorExpr:
		obj, _ := info.Uses[e.Sel].(*types.TypeName)
		return obj
	case *ast.Ident:
		obj, _ := info.Uses[e].(*types.TypeName)
		return obj
	}
	return nil
}

// findMain finds func main for main-prologue rules.
func findMain(cfg *Config, fset *token.FileSet, fileIdx int, f *ast.File) []*match {
	var out []*match
	base := fset.File(f.Pos()).Base()
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || fd.Name.Name != "main" || fd.Body == nil || fd.Type.TypeParams != nil {
			continue
		}
		for i := range cfg.Rules {
			r := &cfg.Rules[i]
			if r.Kind != rules.KindMainPrologue {
				continue
			}
			off := int(fd.Body.Lbrace) - base + 1
			out = append(out, &match{
				rule: r, file: fileIdx, pos: fd.Pos(), end: fd.Body.Lbrace + 1, status: Rewritten,
				render: func(adapter string) []edit { return []edit{{off: off, insert: " defer " + adapter + "();"}} },
			})
		}
	}
	return out
}
