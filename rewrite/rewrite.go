// Package rewrite is llminstr's engine: given the files of one Go package
// and a way to read its dependencies' export data, it type-checks the
// package, finds the calls the rules target by their go/types identity,
// rewrites them to go through adapters, injects the adapter files, and
// type-checks the result before handing it back.
//
// The engine knows nothing of toolexec: the same code serves
// `go build -toolexec=llminstr` and `llminstr diff`.
//
// Call sites are rewritten by splicing bytes at the call's positions:
// recv.M(args) becomes Adapter(recv.M, args) on the same lines, so every
// original line keeps its number and every comment and blank stays as the
// user wrote it. A rewritten file starts with a //line directive naming its
// original path, so positions (panics, coverage, debuggers) point at the
// user's source. Adapter files are rewritten with github.com/dave/dst.
package rewrite

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/dave/dst/decorator"

	"github.com/llminstr/llminstr/rules"
)

// Lookup opens the gc export data of the package with the given import path,
// as importer.ForCompiler expects.
type Lookup func(path string) (io.ReadCloser, error)

// Config describes one package to rewrite.
type Config struct {
	// ImportPath is the package's import path (the compile's -p).
	ImportPath string
	// GoVersion is the language version (the compile's -lang), or "".
	GoVersion string
	// Dir is the directory relative file names are resolved against.
	Dir string
	// Files are the package's Go files, as given to the compiler.
	Files []string
	// Lookup reads dependencies' export data. It must also resolve the
	// packages adapters import that the package itself does not.
	Lookup Lookup
	// Prepare, if set, is called with the imports of the generated adapter
	// files before the rewritten package is type-checked, so that the driver
	// can make their export data available to Lookup in one go.
	Prepare func(imports []string) error
	// AdapterSource reads an adapter file named by a rule; nil means
	// rules.AdapterSource, the adapters built into llminstr.
	AdapterSource func(name string) ([]byte, error)
	// Rules are the rules to apply.
	Rules []rules.Rule
	// Disabled lists integrations (rules.Rule.Integration) to leave alone.
	Disabled map[string]bool
	// Main says the package is a program that reaches an instrumented SDK,
	// so main-package rules (flush at exit) apply when it is package main.
	Main bool
}

// Status is what became of a call site.
type Status string

const (
	Rewritten Status = "rewritten"
	Skipped   Status = "skipped"
	Ignored   Status = "ignored"
)

// Site is one call of a rule's target found in the package.
type Site struct {
	Pos    token.Position // original position of the call
	Rule   *rules.Rule
	Status Status
	Reason string // why it was skipped
}

// File is one output file.
type File struct {
	// Path is the original file path for rewritten files, or the generated
	// file's base name for injected files.
	Path    string
	Content []byte
}

// Result is the outcome for one package.
type Result struct {
	// Rewritten holds the files that changed, Generated the adapter files to
	// add to the package. Both are empty when nothing is rewritten.
	Rewritten []File
	Generated []File
	// Imports are the packages the generated files import.
	Imports []string
	// Sites lists every call site of a rule target, rewritten or not.
	Sites []Site
	// Warnings explain skipped sites in the form "file:line: message".
	Warnings []string
}

// Changed reports whether the package was rewritten.
func (r *Result) Changed() bool { return len(r.Rewritten) > 0 || len(r.Generated) > 0 }

// ErrNotTypeChecked is returned (wrapped) when the original package does not
// type-check; the package must then be compiled as it is, so that the
// compiler reports the user's own errors.
var ErrNotTypeChecked = errors.New("package does not type-check")

type edit struct {
	off     int
	del     int
	insert  string
	siteIdx int
}

type sourceFile struct {
	path    string // as given
	abs     string
	src     []byte
	ast     *ast.File
	hasLine bool // starts with a //line directive of its own
}

type match struct {
	rule *rules.Rule
	file int
	// render returns the edits that call the given adapter function.
	render func(adapter string) []edit
	// alt indexes the rule's adapter alternatives (rules.Rule.Alternatives).
	alt  int
	pos  token.Pos
	end  token.Pos
	site int
	// target is the package the matched function is declared in.
	target string
	// status and reason are what is known before the rewrite is verified.
	status Status
	reason string
}

// Rewrite rewrites one package. A nil error with an unchanged Result means
// there is nothing to do.
func Rewrite(cfg *Config) (*Result, error) {
	fset := token.NewFileSet()
	files := make([]*sourceFile, 0, len(cfg.Files))
	for _, name := range cfg.Files {
		abs := name
		if !filepath.IsAbs(abs) {
			abs = filepath.Join(cfg.Dir, name)
		}
		src, err := os.ReadFile(abs)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		files = append(files, &sourceFile{path: name, abs: abs, src: src, hasLine: bytes.HasPrefix(src, []byte("//line "))})
	}
	res := &Result{}
	if !mayMatch(cfg, files) {
		return res, nil
	}
	for _, f := range files {
		af, err := parser.ParseFile(fset, f.abs, f.src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotTypeChecked, err)
		}
		f.ast = af
	}
	asts := make([]*ast.File, len(files))
	for i, f := range files {
		asts[i] = f.ast
	}
	info := &types.Info{
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	if _, err := check(fset, cfg, asts, info); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotTypeChecked, err)
	}
	pkgName := asts[0].Name.Name

	var matches []*match
	for i, f := range files {
		matches = append(matches, findCalls(cfg, fset, info, i, f.ast, f.src)...)
		if cfg.Main && pkgName == "main" {
			matches = append(matches, findMain(cfg, fset, i, f.ast)...)
		}
		matches = append(matches, findDirectives(cfg, fset, info, i, f.ast)...)
	}
	if len(matches) == 0 {
		return res, nil
	}
	for _, m := range matches {
		m.site = len(res.Sites)
		res.Sites = append(res.Sites, Site{Pos: fset.Position(m.pos), Rule: m.rule, Status: m.status, Reason: m.reason})
		if m.status == Skipped && !cfg.Disabled[m.rule.Integration] {
			// Disabled sites are the configuration's choice; others are news.
			pos := res.Sites[m.site].Pos
			res.Warnings = append(res.Warnings, fmt.Sprintf("%s:%d: call to %s left uninstrumented: %s", pos.Filename, pos.Line, m.rule.ID, m.reason))
		}
	}

	// Apply, verify, and drop whatever does not type-check, until the result
	// checks or nothing is left.
	for attempt := 0; ; attempt++ {
		active := matches[:0:0]
		for _, m := range matches {
			if res.Sites[m.site].Status == Rewritten {
				active = append(active, m)
			}
		}
		if len(active) == 0 {
			res.Rewritten, res.Generated, res.Imports = nil, nil, nil
			return res, nil
		}
		out, gen, imports, genNames, err := apply(cfg, files, active, pkgName)
		if err != nil {
			return nil, err
		}
		if cfg.Prepare != nil {
			if err := cfg.Prepare(imports); err != nil {
				return nil, err
			}
		}
		checkErr := verify(cfg, out, gen, files)
		if checkErr == nil {
			res.Rewritten, res.Generated, res.Imports = out, gen, imports
			return res, nil
		}
		if attempt > len(matches) {
			return nil, fmt.Errorf("rewrite of %s does not type-check: %v", cfg.ImportPath, checkErr)
		}
		blame(res, active, fset, genNames, checkErr)
	}
}

// mayMatch is a cheap textual pre-filter: no file names any target.
func mayMatch(cfg *Config, files []*sourceFile) bool {
	for _, r := range cfg.Rules {
		var needle []byte
		switch r.Kind {
		case rules.KindMainPrologue:
			if cfg.Main && isPackageMain(files) {
				return true
			}
			continue
		case rules.KindDirective:
			needle = []byte("//" + r.Directive)
		default:
			needle = []byte(r.Name)
		}
		for _, f := range files {
			if bytes.Contains(f.src, needle) {
				return true
			}
		}
	}
	return false
}

// isPackageMain reports whether the files' package clause names main.
func isPackageMain(files []*sourceFile) bool {
	if len(files) == 0 {
		return false
	}
	f, err := parser.ParseFile(token.NewFileSet(), files[0].path, files[0].src, parser.PackageClauseOnly)
	return err == nil && f.Name.Name == "main"
}

func check(fset *token.FileSet, cfg *Config, files []*ast.File, info *types.Info) (*types.Package, error) {
	var errs []error
	conf := types.Config{
		Importer:  importer.ForCompiler(fset, "gc", importer.Lookup(cfg.Lookup)),
		GoVersion: cfg.GoVersion,
		Error: func(err error) {
			if len(errs) < 10 {
				errs = append(errs, err)
			}
		},
	}
	pkg, _ := conf.Check(cfg.ImportPath, fset, files, info)
	return pkg, errors.Join(errs...)
}

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
				if r := ruleFor(cfg.Rules, info, n, fn); r != nil {
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
		r := ruleFor(cfg.Rules, info, sel, fn)
		if r == nil {
			return true
		}
		m := &match{rule: r, file: fileIdx, pos: call.Pos(), end: call.End(), target: fn.Origin().Pkg().Path(), status: Rewritten}
		out = append(out, m)
		switch {
		case ignored(call.Pos()):
			m.status, m.reason = Ignored, "//llminstr:ignore"
			return true
		case cfg.Disabled[r.Integration]:
			m.status, m.reason = Skipped, "integration "+r.Integration+" is disabled by configuration"
			return true
		}
		funStart := int(call.Fun.Pos()) - base
		lparen := int(call.Lparen) - base
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
			recvEnd := int(sel.X.End()) - base
			breaks := bytes.Count(src[recvEnd:lparen], []byte("\n"))
			recvSep := ""
			switch {
			case breaks > 0:
				recvSep = "," + strings.Repeat("\n", breaks)
			case len(call.Args) > 0:
				recvSep = ", "
			}
			m.render = func(adapter string) []edit {
				return []edit{{off: funStart, insert: adapter + "("}, {off: recvEnd, del: lparen + 1 - recvEnd, insert: recvSep}}
			}
		}
		return true
	})
	return out
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

// selectedFunc returns the function or method a selector expression denotes.
func selectedFunc(info *types.Info, sel *ast.SelectorExpr) *types.Func {
	if s, ok := info.Selections[sel]; ok {
		if s.Kind() != types.MethodVal {
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
// (KindReceiverCall).
func ruleFor(rs []rules.Rule, info *types.Info, sel *ast.SelectorExpr, fn *types.Func) *rules.Rule {
	fn = fn.Origin()
	if fn.Pkg() == nil {
		return nil
	}
	path, recv := fn.Pkg().Path(), receiverName(fn)
	var selPath, selRecv string
	if s, ok := info.Selections[sel]; ok {
		selPath, selRecv = namedType(s.Recv())
	}
	for i := range rs {
		r := &rs[i]
		if r.Name != fn.Name() {
			continue
		}
		var p, rv string
		switch r.Kind {
		case rules.KindCall:
			p, rv = path, recv
		case rules.KindReceiverCall:
			p, rv = selPath, selRecv
		default:
			continue
		}
		if r.Receiver != rv {
			continue
		}
		for _, pkg := range r.Packages {
			if pkg == p {
				return r
			}
		}
	}
	return nil
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
			m.render = func(adapter string) []edit {
				return []edit{{off: off, insert: fmt.Sprintf(" %s, llminstrEnd := %s(%s, %q); defer llminstrEnd();", ctxName, adapter, ctxName, name)}}
			}
		}
	}
	return out
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

// apply produces the rewritten files and the adapter files for the active
// matches.
func apply(cfg *Config, files []*sourceFile, active []*match, pkgName string) (out, gen []File, imports []string, genNames map[string]string, err error) {
	byFile := map[int][]edit{}
	type adapterKey struct{ file, module, target string }
	adapters := map[adapterKey]bool{}
	for _, m := range active {
		alt := m.rule.Alternatives()[m.alt]
		byFile[m.file] = append(byFile[m.file], m.render(alt.Func)...)
		// The matched package's module root: the rule's Packages are
		// packages under Module (or under other major versions of it), at
		// the same path below the module root.
		target := ""
		if m.rule.Module != "" && len(m.rule.Packages) > 0 {
			target = strings.TrimSuffix(m.target, strings.TrimPrefix(m.rule.Packages[0], m.rule.Module))
		}
		for _, file := range alt.Files() {
			adapters[adapterKey{file, m.rule.Module, target}] = true
		}
	}
	fileIdxs := make([]int, 0, len(byFile))
	for i := range byFile {
		fileIdxs = append(fileIdxs, i)
	}
	sort.Ints(fileIdxs)
	for _, i := range fileIdxs {
		out = append(out, File{Path: files[i].path, Content: splice(files[i], byFile[i])})
	}
	keys := make([]adapterKey, 0, len(adapters))
	for k := range adapters {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].file+keys[i].target < keys[j].file+keys[j].target })
	genNames = map[string]string{}
	seenImport := map[string]bool{}
	for _, k := range keys {
		src, imps, err := adapterFile(cfg, k.file, k.module, k.target, pkgName)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		name := "llminstr_" + strings.ReplaceAll(strings.TrimSuffix(k.file, ".go"), "/", "_") + ".go"
		gen = append(gen, File{Path: name, Content: src})
		genNames[name] = k.file
		for _, p := range imps {
			if !seenImport[p] {
				seenImport[p] = true
				imports = append(imports, p)
			}
		}
	}
	sort.Strings(imports)
	return out, gen, imports, genNames, nil
}

// splice applies edits to a file's bytes and marks its origin with //line.
func splice(f *sourceFile, edits []edit) []byte {
	// Apply from the end of the file back, so offsets stay valid. Edits at
	// one offset come from nested calls in the order they were found, outer
	// first; applying them last-first leaves the outer adapter in front.
	sorted := make([]edit, len(edits))
	for i, e := range edits {
		sorted[len(edits)-1-i] = e
	}
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].off > sorted[j].off })
	src := append([]byte(nil), f.src...)
	for _, e := range sorted {
		var b bytes.Buffer
		b.Write(src[:e.off])
		b.WriteString(e.insert)
		b.Write(src[e.off+e.del:])
		src = b.Bytes()
	}
	if f.hasLine {
		return src
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "//line %s:1\n", f.abs)
	b.Write(src)
	return b.Bytes()
}

// adapterFile renders an adapter source for the host package: package clause
// set to pkgName, imports under module moved to target, and a generated-code
// header.
func adapterFile(cfg *Config, name, module, target, pkgName string) ([]byte, []string, error) {
	read := cfg.AdapterSource
	if read == nil {
		read = rules.AdapterSource
	}
	src, err := read(name)
	if err != nil {
		return nil, nil, err
	}
	f, err := decorator.Parse(src)
	if err != nil {
		return nil, nil, fmt.Errorf("parsing adapter %s: %w", name, err)
	}
	f.Name.Name = pkgName
	f.Decs.Start.Replace("// Code generated by llminstr from rules/" + name + ". DO NOT EDIT.")
	var imports []string
	for _, spec := range f.Imports {
		path, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			return nil, nil, fmt.Errorf("adapter %s: bad import %s", name, spec.Path.Value)
		}
		if module != "" && target != "" && (path == module || strings.HasPrefix(path, module+"/")) {
			path = target + strings.TrimPrefix(path, module)
			spec.Path.Value = strconv.Quote(path)
		}
		imports = append(imports, path)
	}
	var b bytes.Buffer
	if err := decorator.Fprint(&b, f); err != nil {
		return nil, nil, fmt.Errorf("printing adapter %s: %w", name, err)
	}
	return b.Bytes(), imports, nil
}

// verify type-checks the package as it will be compiled.
func verify(cfg *Config, out, gen []File, orig []*sourceFile) error {
	fset := token.NewFileSet()
	replaced := map[string][]byte{}
	for _, f := range out {
		replaced[f.Path] = f.Content
	}
	var asts []*ast.File
	for _, f := range orig {
		src, name := f.src, f.abs
		if r, ok := replaced[f.path]; ok {
			src = r
		}
		af, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		asts = append(asts, af)
	}
	for _, g := range gen {
		af, err := parser.ParseFile(fset, g.Path, g.Content, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		asts = append(asts, af)
	}
	_, err := check(fset, cfg, asts, nil)
	return err
}

// blame marks as skipped the sites a type error points at. An error inside
// an adapter file skips every site that needs that adapter; an error inside
// a user file skips the sites whose call contains it, or, failing that,
// every site in that file.
func blame(res *Result, active []*match, fset *token.FileSet, genNames map[string]string, checkErr error) {
	var errs []error
	if u, ok := checkErr.(interface{ Unwrap() []error }); ok {
		errs = u.Unwrap()
	} else {
		errs = []error{checkErr}
	}
	skip := func(m *match, reason string) {
		s := &res.Sites[m.site]
		if s.Status == Skipped {
			return
		}
		s.Status, s.Reason = Skipped, reason
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s:%d: call to %s left uninstrumented: %s", s.Pos.Filename, s.Pos.Line, m.rule.ID, reason))
	}
	blamed := false
	lines := map[string]bool{} // lines already blamed in this round
	moved := map[string]bool{} // adapter files already given up in this round
	for _, e := range errs {
		te, ok := e.(types.Error)
		if !ok {
			continue
		}
		pos := te.Fset.Position(te.Pos)
		if adapter, ok := genNames[filepath.Base(pos.Filename)]; ok {
			if moved[adapter] {
				continue
			}
			moved[adapter] = true
			for _, m := range active {
				alts := m.rule.Alternatives()
				if !slices.Contains(alts[m.alt].Files(), adapter) {
					continue
				}
				blamed = true
				if m.alt+1 < len(alts) {
					m.alt++ // try the adapter for other SDK versions
					continue
				}
				skip(m, "adapter does not type-check against this SDK version: "+te.Msg)
			}
			continue
		}
		// Skip one site per line, the outermost call on the error's line:
		// an inner call that is fine on its own is retried without it.
		lineKey := fmt.Sprintf("%s:%d", pos.Filename, pos.Line)
		if lines[lineKey] {
			continue
		}
		lines[lineKey] = true
		var inFile []*match
		var outer *match
		for _, m := range active {
			start, end := fset.Position(m.pos), fset.Position(m.end)
			if start.Filename != pos.Filename || res.Sites[m.site].Status == Skipped {
				continue
			}
			inFile = append(inFile, m)
			if pos.Line >= start.Line && pos.Line <= end.Line && (outer == nil || m.pos < outer.pos) {
				outer = m
			}
		}
		switch {
		case outer != nil:
			skip(outer, "rewritten call does not type-check: "+te.Msg)
			blamed = true
		case !blamed:
			for _, m := range inFile {
				skip(m, "rewritten file does not type-check: "+te.Msg)
				blamed = true
			}
		}
	}
	if !blamed {
		for _, m := range active {
			skip(m, "rewritten package does not type-check: "+checkErr.Error())
		}
	}
}
