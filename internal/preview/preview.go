// Package preview runs the rewrite engine over packages loaded with
// golang.org/x/tools/go/packages, without building anything: it backs
// `llminstr diff` and `llminstr report`. It gives the engine exactly what
// the toolexec path gives it (the compiled Go files, the package's
// directory, its language version), so its output is what a build compiles.
package preview

import (
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"golang.org/x/tools/go/packages"

	"github.com/llminstr/llminstr/rewrite"
	"github.com/llminstr/llminstr/rules"
)

// Options selects what to load.
type Options struct {
	Dir        string   // working directory
	BuildFlags []string // e.g. -tags=x
	Env        []string // nil: the process environment
	Patterns   []string
	Tests      bool // also the packages' tests, as go test -toolexec compiles them
	Rules      []rules.Rule
	Disabled   map[string]bool
}

// Package is one package's outcome.
type Package struct {
	ImportPath string
	Dir        string
	Result     *rewrite.Result
	Originals  map[string][]byte // original content of each rewritten file, by path
}

// LoadError reports packages that failed to load, with go/packages' errors.
// Run returns it with the packages that did load.
type LoadError struct{ Errors []string }

func (e *LoadError) Error() string {
	return "packages failed to load:\n\t" + strings.Join(e.Errors, "\n\t")
}

// Run loads the packages matching opts.Patterns and runs the engine on each
// that reaches an instrumented SDK. Packages that fail to load (or whose
// dependencies do) are left out and listed in a *LoadError, returned with
// the others' results.
func Run(opts Options) ([]*Package, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
			packages.NeedDeps | packages.NeedExportFile | packages.NeedModule,
		Dir:        opts.Dir,
		BuildFlags: opts.BuildFlags,
		Env:        opts.Env,
		Tests:      opts.Tests,
	}
	roots, err := packages.Load(cfg, opts.Patterns...)
	if err != nil {
		return nil, fmt.Errorf("loading packages: %w", err)
	}
	// A package is broken when it, or a package it imports, has errors:
	// it cannot be type-checked.
	var loadErrs []string
	broken := map[*packages.Package]bool{}
	packages.Visit(roots, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			loadErrs = append(loadErrs, e.Error())
		}
		bad := len(p.Errors) > 0
		for _, dep := range p.Imports {
			bad = bad || broken[dep]
		}
		broken[p] = bad
	})

	sdk := map[string]bool{}
	for _, p := range rules.SDKPackages(opts.Rules) {
		sdk[p] = true
	}
	// As in a build: a package reaches an SDK when it imports one or a
	// package that reaches one, or when it is wired (it imports net/http
	// and builds an LLM API's URL: the program's main package imports the
	// runtime for it).
	wire := !opts.Disabled[rules.WireIntegration]
	wired := map[*packages.Package]bool{}
	reaches := map[*packages.Package]bool{}
	var reach, depsReach func(p *packages.Package) bool
	depsReach = func(p *packages.Package) bool {
		r := false
		for path, dep := range p.Imports {
			if sdk[path] || reach(dep) {
				r = true
			}
		}
		return r
	}
	reach = func(p *packages.Package) bool {
		if r, ok := reaches[p]; ok {
			return r
		}
		reaches[p] = false
		_, http := p.Imports["net/http"]
		wired[p] = wire && http && !rules.IsRuntime(p.PkgPath) && rewrite.WireLiteral(p.PkgPath, p.CompiledGoFiles) != ""
		r := depsReach(p) || wired[p]
		reaches[p] = r
		return r
	}

	// linksWire reports whether p or a package it imports makes requests
	// shaped like an LLM API's.
	linkedWire := map[*packages.Package]bool{}
	var linksWire func(p *packages.Package) bool
	linksWire = func(p *packages.Package) bool {
		if w, ok := linkedWire[p]; ok {
			return w
		}
		linkedWire[p] = false
		w := reach(p) && wired[p]
		for _, dep := range p.Imports {
			if linksWire(dep) {
				w = true
			}
		}
		linkedWire[p] = w
		return w
	}

	// linksOTel reports whether p imports the OpenTelemetry API's root
	// package, directly or not.
	linkedOTel := map[*packages.Package]bool{}
	var linksOTel func(p *packages.Package) bool
	linksOTel = func(p *packages.Package) bool {
		if l, ok := linkedOTel[p]; ok {
			return l
		}
		linkedOTel[p] = false
		l := p.PkgPath == rules.OTelPackage
		for _, dep := range p.Imports {
			l = l || linksOTel(dep)
		}
		linkedOTel[p] = l
		return l
	}

	exports := map[string]string{}
	packages.Visit(roots, nil, func(p *packages.Package) {
		if p.ExportFile != "" {
			exports[p.PkgPath] = p.ExportFile
		}
	})
	var runtimeExports map[string]string // loaded on first need
	lookup := func(path string) (io.ReadCloser, error) {
		if f, ok := exports[path]; ok {
			return os.Open(f)
		}
		if f, ok := runtimeExports[path]; ok {
			return os.Open(f)
		}
		return nil, fmt.Errorf("no export data for %q", path)
	}
	prepare := func(imports []string) error {
		var missing []string
		for _, p := range imports {
			if exports[p] == "" && runtimeExports[p] == "" {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		extra, err := packages.Load(&packages.Config{
			Mode: packages.NeedName | packages.NeedExportFile | packages.NeedDeps | packages.NeedImports,
			Dir:  opts.Dir, BuildFlags: opts.BuildFlags, Env: opts.Env,
		}, missing...)
		if err != nil {
			return err
		}
		runtimeExports = map[string]string{}
		var errs []string
		packages.Visit(extra, nil, func(p *packages.Package) {
			for _, e := range p.Errors {
				errs = append(errs, e.Error())
			}
			if p.ExportFile != "" {
				runtimeExports[p.PkgPath] = p.ExportFile
			}
		})
		if len(errs) > 0 {
			for _, e := range errs {
				if strings.Contains(e, rules.RuntimePackage) {
					return fmt.Errorf("the module does not require %s: run \"llminstr init\"\n\t(%s)", rules.RuntimePackage, e)
				}
			}
			return fmt.Errorf("loading %s: %s", strings.Join(missing, ", "), strings.Join(errs, "; "))
		}
		return nil
	}

	var out []*Package
	seen := map[string]bool{} // a package's files are also in its test variant
	for _, p := range roots {
		if broken[p] || rules.IsRuntime(p.PkgPath) || !reach(p) || len(p.CompiledGoFiles) == 0 || isTestMain(p) {
			continue
		}
		importPath := p.PkgPath
		if p.Name == "main" {
			importPath = "main" // as the compiler's -p
		}
		lang := ""
		if p.Module != nil && p.Module.GoVersion != "" {
			lang = langVersion(p.Module.GoVersion)
		}
		// A build compiles what cgo made of the files that import "C"; a
		// preview rewrites the user's own files, so that a diff applies
		// to them.
		files, cgo := p.CompiledGoFiles, !slices.Equal(p.CompiledGoFiles, p.GoFiles)
		if cgo {
			files = p.GoFiles
		}
		res, err := &rewrite.Result{}, error(nil)
		if depsReach(p) && !rules.IsSDKImplementation(opts.Rules, p.PkgPath, files) || p.Name == "main" {
			res, err = rewrite.Rewrite(&rewrite.Config{
				ImportPath:  importPath,
				GoVersion:   lang,
				Dir:         p.Dir,
				Files:       files,
				Lookup:      lookup,
				Prepare:     prepare,
				Rules:       opts.Rules,
				Disabled:    opts.Disabled,
				Main:        true,
				FakeImportC: cgo,
			})
		}
		if err != nil { // including rewrite.ErrNotTypeChecked: the user's code has errors
			return nil, fmt.Errorf("%s: %w", p.PkgPath, err)
		}
		// A package that makes requests shaped like an LLM API's is
		// compiled as it is; the program's main package imports the
		// runtime for it.
		if p.Name == "main" && linksWire(p) && !slices.Contains(res.Imports, rules.InjectedPackage) {
			res.Generated = append(res.Generated, rewrite.WireImport(p.Name))
			res.Imports = append(res.Imports, rules.InjectedPackage)
		}
		// A program that links the OpenTelemetry API hands the runtime its
		// global providers.
		if p.Name == "main" && slices.Contains(res.Imports, rules.InjectedPackage) && linksOTel(p) {
			res.Generated = append(res.Generated, rewrite.GlobalProviders(p.Name))
			res.Imports = append(res.Imports, rules.OTelPackage)
		}
		dedupe(res, seen)
		pkg := &Package{ImportPath: p.PkgPath, Dir: p.Dir, Result: res, Originals: map[string][]byte{}}
		for _, f := range res.Rewritten {
			data, err := os.ReadFile(f.Path)
			if err != nil {
				return nil, err
			}
			pkg.Originals[f.Path] = data
		}
		out = append(out, pkg)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ImportPath < out[j].ImportPath })
	if len(loadErrs) > 0 {
		return out, &LoadError{Errors: loadErrs}
	}
	return out, nil
}

// isTestMain reports whether p is the main package go test generates.
func isTestMain(p *packages.Package) bool {
	return p.Name == "main" && strings.HasSuffix(p.PkgPath, ".test")
}

// dedupe drops from res the sites and rewritten files that an earlier
// package's result already has: with tests, a package's files are loaded
// twice (the package, and its variant with its _test.go files).
func dedupe(res *rewrite.Result, seen map[string]bool) {
	sites := res.Sites[:0]
	for _, s := range res.Sites {
		key := fmt.Sprintf("%s:%d %s", s.Pos, s.Pos.Offset, s.Rule.ID)
		if !seen[key] {
			seen[key] = true
			sites = append(sites, s)
		}
	}
	res.Sites = sites
	files := res.Rewritten[:0]
	for _, f := range res.Rewritten {
		if !seen["file "+f.Path] {
			seen["file "+f.Path] = true
			files = append(files, f)
		}
	}
	res.Rewritten = files
}

// langVersion turns a go.mod version ("1.26.0") into a -lang value ("go1.26").
func langVersion(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return "go" + v
	}
	return "go" + parts[0] + "." + parts[1]
}
