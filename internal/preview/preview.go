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
type LoadError struct{ Errors []string }

func (e *LoadError) Error() string {
	return "packages failed to load:\n\t" + strings.Join(e.Errors, "\n\t")
}

// Run loads the packages matching opts.Patterns and runs the engine on each
// that reaches an instrumented SDK.
func Run(opts Options) ([]*Package, error) {
	cfg := &packages.Config{
		Mode: packages.NeedName | packages.NeedFiles | packages.NeedCompiledGoFiles | packages.NeedImports |
			packages.NeedDeps | packages.NeedExportFile | packages.NeedModule,
		Dir:        opts.Dir,
		BuildFlags: opts.BuildFlags,
		Env:        opts.Env,
	}
	roots, err := packages.Load(cfg, opts.Patterns...)
	if err != nil {
		return nil, fmt.Errorf("loading packages: %w", err)
	}
	var loadErrs []string
	packages.Visit(roots, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			loadErrs = append(loadErrs, e.Error())
		}
	})
	if len(loadErrs) > 0 {
		return nil, &LoadError{Errors: loadErrs}
	}

	sdk := map[string]bool{}
	for _, p := range rules.SDKPackages(opts.Rules) {
		sdk[p] = true
	}
	reaches := map[*packages.Package]bool{}
	var reach func(p *packages.Package) bool
	reach = func(p *packages.Package) bool {
		if r, ok := reaches[p]; ok {
			return r
		}
		reaches[p] = false
		r := false
		for path, dep := range p.Imports {
			if sdk[path] || reach(dep) {
				r = true
			}
		}
		reaches[p] = r
		return r
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
	for _, p := range roots {
		if rules.IsRuntime(p.PkgPath) || !reach(p) || len(p.CompiledGoFiles) == 0 {
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
		res, err := rewrite.Rewrite(&rewrite.Config{
			ImportPath: importPath,
			GoVersion:  lang,
			Dir:        p.Dir,
			Files:      p.CompiledGoFiles,
			Lookup:     lookup,
			Prepare:    prepare,
			Rules:      opts.Rules,
			Disabled:   opts.Disabled,
			Main:       true,
		})
		if err != nil { // including rewrite.ErrNotTypeChecked: the user's code has errors
			return nil, fmt.Errorf("%s: %w", p.PkgPath, err)
		}
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
	return out, nil
}

// langVersion turns a go.mod version ("1.26.0") into a -lang value ("go1.26").
func langVersion(v string) string {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return "go" + v
	}
	return "go" + parts[0] + "." + parts[1]
}
