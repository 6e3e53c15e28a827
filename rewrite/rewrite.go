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
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

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
	// FakeImportC type-checks files that import "C" before cgo processed
	// them (go/types' FakeImportC): a preview of a cgo package rewrites the
	// user's own files, which a build compiles after cgo.
	FakeImportC bool
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
	// Unchecked says the result was not type-checked: the package names
	// no target and only gets a main package's prologue. A compile of the
	// result that fails fails for the package's own errors, which the
	// compile of the original files reports as the user expects.
	Unchecked bool
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
	// target is the package the matched function is declared in, fn the
	// function.
	target string
	fn     *types.Func
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
	pkgName := asts[0].Name.Name
	isMain := cfg.Main && pkgName == "main"

	// Type-checking imports the export data of every package the files
	// import, whole: for a package that imports a large SDK, most of the
	// cost of a rewrite. A package whose files cannot name a target is not
	// checked: it has no call site, and a main package's prologue is
	// placed from the syntax alone (the compile of the result is then its
	// check: see Result.Unchecked).
	typed := namesTarget(cfg, files)
	if !typed && !isMain {
		return res, nil
	}
	var (
		info *types.Info
		pkg  *types.Package
		imp  types.Importer
	)
	if typed {
		info = &types.Info{
			Types:      map[ast.Expr]types.TypeAndValue{},
			Defs:       map[*ast.Ident]types.Object{},
			Uses:       map[*ast.Ident]types.Object{},
			Selections: map[*ast.SelectorExpr]*types.Selection{},
			Instances:  map[*ast.Ident]types.Instance{},
		}
		// One importer for the first type check and every verification of
		// a rewrite: importing a large SDK's export data is most of a
		// check's cost, and its packages do not change between them.
		imp = importer.ForCompiler(fset, "gc", importer.Lookup(cfg.Lookup))
		var err error
		if pkg, err = check(fset, cfg, imp, asts, info, nil); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrNotTypeChecked, err)
		}
	}

	var matches []*match
	for i, f := range files {
		if typed {
			matches = append(matches, findCalls(cfg, fset, info, i, f.ast, f.src)...)
			matches = append(matches, findConversions(cfg, fset, info, i, f.ast, f.src)...)
		}
		if isMain {
			matches = append(matches, findMain(cfg, fset, i, f.ast)...)
		}
		if typed {
			matches = append(matches, findDirectives(cfg, fset, info, i, f.ast)...)
		}
	}
	if typed {
		if err := checkUserRules(cfg.Rules, pkg); err != nil {
			return nil, err
		}
	}
	if len(matches) == 0 {
		return res, nil
	}
	cfg, err := withGeneratedAdapters(cfg, pkg, matches)
	if err != nil {
		return nil, err
	}
	if clash := collisions(cfg, asts, matches); len(clash) > 0 {
		for _, m := range matches {
			if m.status == Rewritten {
				m.status, m.reason = Skipped, fmt.Sprintf("the package declares %s, as the code llminstr injects does: names that begin with %q are reserved for it", strings.Join(clash, ", "), injectedPrefix)
			}
		}
	}
	for _, m := range matches {
		m.site = len(res.Sites)
		if m.status == Skipped || m.status == Ignored {
			// The wire-level fallback traces the requests of calls left
			// alone, whatever the reason: a disabled integration, a call
			// inside the SDK's module, //llminstr:ignore.
			m.reason = atTheWire(cfg, m.rule, m.reason)
		}
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
		if !typed {
			res.Rewritten, res.Generated, res.Imports, res.Unchecked = out, gen, imports, true
			return res, nil
		}
		checkErr := verify(cfg, fset, imp, out, gen, files)
		if checkErr == nil {
			res.Rewritten, res.Generated, res.Imports = out, gen, imports
			return res, nil
		}
		if attempt > len(matches) {
			return nil, fmt.Errorf("rewrite of %s does not type-check: %v", cfg.ImportPath, checkErr)
		}
		blame(cfg, res, active, fset, genNames, checkErr)
	}
}

// withGeneratedAdapters returns cfg with the adapters of the matched rules
// that have an Extraction generated for their targets and served by its
// AdapterSource.
func withGeneratedAdapters(cfg *Config, host *types.Package, matches []*match) (*Config, error) {
	generated := map[string][]byte{}
	for _, m := range matches {
		if m.rule.Extract == nil || m.fn == nil || generated[m.rule.AdapterFile] != nil {
			continue
		}
		src, err := generateAdapter(m.rule, m.fn, host)
		if err != nil {
			return nil, err
		}
		generated[m.rule.AdapterFile] = src
	}
	if len(generated) == 0 {
		return cfg, nil
	}
	base := cfg.AdapterSource
	if base == nil {
		base = rules.AdapterSource
	}
	c := *cfg
	c.AdapterSource = func(name string) ([]byte, error) {
		if src, ok := generated[name]; ok {
			return src, nil
		}
		return base(name)
	}
	return &c, nil
}

// injectedPrefix begins every top-level name and import name of the code
// llminstr injects.
const injectedPrefix = "llminstr"

// collisions lists the names of the package that the code injected for
// matches would declare again: its package-level names and import names
// that begin with injectedPrefix, against the adapter files' top-level and
// import names. (Only a package that uses the prefix pays for reading the
// adapters.)
func collisions(cfg *Config, files []*ast.File, matches []*match) []string {
	var pkgLevel, imported []string
	for _, f := range files {
		for _, d := range f.Decls {
			for _, name := range declNames(d) {
				if strings.HasPrefix(name, injectedPrefix) {
					pkgLevel = append(pkgLevel, name)
				}
			}
		}
		for _, imp := range f.Imports {
			if imp.Name != nil && strings.HasPrefix(imp.Name.Name, injectedPrefix) {
				imported = append(imported, imp.Name.Name)
			}
		}
	}
	if len(pkgLevel)+len(imported) == 0 {
		return nil
	}
	read := cfg.AdapterSource
	if read == nil {
		read = rules.AdapterSource
	}
	injectedDecls, injectedImports := map[string]bool{}, map[string]bool{}
	seen := map[string]bool{}
	for _, m := range matches {
		for _, alt := range m.rule.Alternatives() {
			for _, file := range alt.Files() {
				if seen[file] {
					continue
				}
				seen[file] = true
				src, err := read(file)
				if err != nil {
					continue
				}
				af, err := parser.ParseFile(token.NewFileSet(), file, src, parser.SkipObjectResolution)
				if err != nil {
					continue
				}
				for _, imp := range af.Imports {
					if imp.Name != nil {
						injectedImports[imp.Name.Name] = true
					}
				}
				for _, d := range af.Decls {
					for _, name := range declNames(d) {
						injectedDecls[name] = true
					}
				}
			}
		}
	}
	clash := map[string]bool{}
	for _, name := range pkgLevel {
		if injectedDecls[name] || injectedImports[name] {
			clash[name] = true
		}
	}
	for _, name := range imported {
		if injectedDecls[name] {
			clash[name] = true
		}
	}
	return slices.Sorted(maps.Keys(clash))
}

// declNames lists the names a top-level declaration declares.
func declNames(d ast.Decl) []string {
	var out []string
	switch d := d.(type) {
	case *ast.FuncDecl:
		if d.Recv == nil {
			out = append(out, d.Name.Name)
		}
	case *ast.GenDecl:
		for _, spec := range d.Specs {
			switch spec := spec.(type) {
			case *ast.ValueSpec:
				for _, n := range spec.Names {
					out = append(out, n.Name)
				}
			case *ast.TypeSpec:
				out = append(out, spec.Name.Name)
			}
		}
	}
	return out
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
			// A user-defined rule is checked wherever its package is
			// imported, called or not.
			if r.Extract != nil && len(r.Packages) > 0 && bytes.Contains(f.src, []byte(strconv.Quote(r.Packages[0]))) {
				return true
			}
		}
	}
	return false
}

// atTheWire adds to the reason a site is skipped that the call's requests
// are traced at the wire, when they are.
func atTheWire(cfg *Config, r *rules.Rule, reason string) string {
	if !r.Wire || cfg.Disabled[rules.WireIntegration] {
		return reason
	}
	return reason + " (its requests are traced at the wire)"
}

// isPackageMain reports whether the files' package clause names main.
func isPackageMain(files []*sourceFile) bool {
	if len(files) == 0 {
		return false
	}
	f, err := parser.ParseFile(token.NewFileSet(), files[0].path, files[0].src, parser.PackageClauseOnly)
	return err == nil && f.Name.Name == "main"
}

// check type-checks files, recording into info if it is not nil. Errors
// for which ignore reports true are not errors.
func check(fset *token.FileSet, cfg *Config, imp types.Importer, files []*ast.File, info *types.Info, ignore func(types.Error) bool) (*types.Package, error) {
	var errs []error
	conf := types.Config{
		Importer:    imp,
		GoVersion:   cfg.GoVersion,
		FakeImportC: cfg.FakeImportC,
		Error: func(err error) {
			if te, ok := err.(types.Error); ok && ignore != nil && ignore(te) {
				return
			}
			if len(errs) < 10 {
				errs = append(errs, err)
			}
		},
	}
	pkg, _ := conf.Check(cfg.ImportPath, fset, files, info)
	return pkg, errors.Join(errs...)
}
