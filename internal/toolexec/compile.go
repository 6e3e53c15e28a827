package toolexec

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"github.com/llminstr/llminstr/internal/archive"
	"github.com/llminstr/llminstr/internal/config"
	"github.com/llminstr/llminstr/internal/report"
	"github.com/llminstr/llminstr/rewrite"
	"github.com/llminstr/llminstr/rules"
)

// compileCommand is the part of a compile invocation llminstr reads.
type compileCommand struct {
	args      []string
	pkg       string // -p
	importcfg string // -importcfg
	output    string // -o
	lang      string // -lang
	std       bool   // -std
	pack      bool   // -pack
	files     []int  // indexes of .go file arguments
}

// goFiles returns the compile's Go file arguments.
func (c compileCommand) goFiles() []string {
	files := make([]string, len(c.files))
	for i, idx := range c.files {
		files[i] = c.args[idx]
	}
	return files
}

func parseCompile(args []string) compileCommand {
	c := compileCommand{args: args}
	valueFlags := map[string]*string{"-p": &c.pkg, "-importcfg": &c.importcfg, "-o": &c.output, "-lang": &c.lang}
	for i := 1; i < len(args); i++ {
		a := args[i]
		if name, value, ok := strings.Cut(a, "="); ok && valueFlags[name] != nil {
			*valueFlags[name] = value
			continue
		}
		if dst := valueFlags[a]; dst != nil && i+1 < len(args) {
			*dst = args[i+1]
			i++
			continue
		}
		switch {
		case a == "-std":
			c.std = true
		case a == "-pack":
			c.pack = true
		case strings.HasSuffix(a, ".go") && !strings.HasPrefix(a, "-"):
			c.files = append(c.files, i)
		}
	}
	return c
}

// compile handles one compile invocation.
func compile(args []string) (int, error) {
	c := parseCompile(args)
	if c.std && c.pkg == "net/http" && c.output != "" && len(c.files) > 0 && wireOn() {
		return compileNetHTTP(c), nil
	}
	if c.std || c.importcfg == "" || c.output == "" || len(c.files) == 0 || rules.IsRuntime(c.pkg) {
		return execTool(args), nil
	}
	cfg, err := readImportcfg(c.importcfg)
	if err != nil {
		return execTool(args), nil
	}
	workDir := filepath.Dir(filepath.Dir(c.importcfg))
	index, allRules := loadRuleIndex(workDir)
	reaches, direct, inherited := reachesSDK(cfg, index.sdk)
	wire := ""
	if _, http := cfg.packageFile["net/http"]; http && wireOn() {
		wire = rewrite.WireLiteral(c.pkg, c.goFiles())
	}
	if f, ok := cfg.packageFile[rules.OTelPackage]; ok {
		if f, ok := cachedExport(f, workDir); ok {
			inherited.OTel = f
		}
	}

	// The first package of a build that needs the runtime has it compiled
	// by a child go list, and waits. An SDK's own packages, and those that
	// make requests shaped like an LLM API's, foretell the need: the
	// runtime is resolved while they compile, so that the packages that
	// call the SDK, which come after, find it ready.
	implementation := index.isImplementation(c.pkg, c.goFiles())
	run := execTool
	if wire != "" || implementation {
		done := make(chan struct{})
		go func() {
			defer close(done)
			(&resolver{workDir: workDir}).prefetch([]string{rules.InjectedPackage})
		}()
		defer func() { <-done }()
		run = func(args []string) int { return runTool(args, os.Stderr) }
	}
	if !reaches && wire == "" {
		if inherited.OTel == "" || !c.pack {
			return run(args), nil
		}
		// The package links the OpenTelemetry API: its mark says where,
		// for the program's main package.
		if code := runTool(args, os.Stderr); code != 0 {
			return code, nil
		}
		if err := archive.Append(c.output, archive.Deps{OTel: inherited.OTel}); err != nil {
			return 1, fmt.Errorf("%s: recording link dependencies: %w", c.pkg, err)
		}
		return 0, nil
	}

	if allRules == nil {
		allRules = loadRules()
	}
	// What follows type-checks the package, rewrites it and checks the
	// result: some tens of MB allocated, most of it live until the end of
	// this short process. Collecting as it goes, from the runtime's 4 MB
	// start, costs more than the memory: with a collection every fivefold
	// growth, the rewrite of a real application's main package (mods) takes
	// 0.16 s of CPU instead of 0.22 s, for 5 MB more (44 MB at most). The
	// user's GOGC, if set, is theirs.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}

	// A package that makes requests shaped like an LLM API's is compiled as
	// it is; its mark says so, and the program's main package imports the
	// runtime for it.
	if wire != "" {
		inherited.Wire[importPath(c)] = wire
	}
	wirePkg, wireAt := "", "" // for a main package
	if c.pkg == "main" {
		wirePkg, wireAt = firstWire(inherited.Wire)
	}
	var newArgs, extraImports []string
	var resolved map[string]string
	if reaches || c.pkg == "main" {
		newArgs, extraImports, resolved, err = instrument(c, cfg, allRules, inherited, reaches, implementation, wireAt)
	}
	if err != nil && !direct {
		// The wire-level fallback never fails a build: a package that only
		// makes requests shaped like an LLM API's, or a main package that
		// links one, is compiled as it is. A runtime that is missing, too
		// old or needs a newer Go is still reported, once per build, by
		// whichever package of the build finds it first.
		var missing *missingRuntimeError
		var old *oldGoError
		var oldRT *oldRuntimeError
		switch {
		case errors.As(err, &missing) && !missing.reported,
			errors.As(err, &old) && !old.reported,
			errors.As(err, &oldRT) && !oldRT.reported:
			if wireAt != "" {
				fmt.Fprintf(os.Stderr, "llminstr: warning: %s (%s makes requests shaped like an LLM API's, at %s)\n", err, wirePkg, wireAt)
			} else {
				fmt.Fprintf(os.Stderr, "llminstr: warning: %s compiled without instrumentation: %v\n", c.pkg, err)
			}
		default:
			debugf("%s: not traced at the wire: %v", c.pkg, err)
		}
		err, newArgs = nil, nil
	}
	if err != nil {
		if strict() {
			return 1, fmt.Errorf("%s: %w", c.pkg, err)
		}
		var missing *missingRuntimeError
		var user *userError
		var old *oldGoError
		var oldRT *oldRuntimeError
		switch {
		case errors.As(err, &missing) || errors.As(err, &user):
			return 1, fmt.Errorf("%s: %w", c.pkg, err)
		case errors.As(err, &old):
			if !old.reported {
				fmt.Fprintf(os.Stderr, "llminstr: warning: %v\n", err)
			}
		case errors.As(err, &oldRT):
			if !oldRT.reported {
				fmt.Fprintf(os.Stderr, "llminstr: warning: %v\n", err)
			}
		default:
			fmt.Fprintf(os.Stderr, "llminstr: warning: %s compiled without instrumentation: %v\n", c.pkg, err)
		}
		newArgs = nil
	}
	// The compiler prints its errors on standard output, which the go
	// command merges with standard error: an instrumented compile's are
	// held until it is known whose errors they are.
	if newArgs == nil {
		if code := runTool(args, os.Stderr); code != 0 {
			return code, nil
		}
	} else if code, out := runToolCaptured(newArgs); code == 0 {
		os.Stdout.Write(out)
	} else {
		// The package as it is written: when it does not compile either,
		// its own errors are the news, as without llminstr (a main
		// package that names no SDK gets its prologue without a type
		// check first).
		origCode, orig := runToolCaptured(args)
		if origCode != 0 {
			os.Stdout.Write(orig)
			return origCode, nil
		}
		if strict() {
			os.Stdout.Write(out)
			return code, fmt.Errorf("%s: the instrumented package did not compile", c.pkg)
		}
		os.Stdout.Write(orig)
		fmt.Fprintf(os.Stderr, "llminstr: warning: %s compiled without instrumentation: the instrumented package did not compile:\n%s", c.pkg, indent(string(out)))
		newArgs, extraImports = nil, nil
	}
	if c.pack {
		// Standard packages come with the closure of the others at link time.
		deps := archive.Deps{Reaches: true, Exports: inherited.Exports, Modules: inherited.Modules, Wire: inherited.Wire, OTel: inherited.OTel}
		if newArgs != nil && len(resolved) > 0 {
			deps.Exports = resolved
			deps.Modules = modulesOf(resolved, inherited.Modules, (&resolver{workDir: workDir}).modules())
		}
		// The package's own imports are recorded too: a package that
		// imports this one may inject an adapter that imports one of them
		// (an SDK's stream package), and finds its export file here
		// rather than by running go list.
		for p, f := range cfg.packageFile {
			if _, ok := deps.Exports[p]; ok || f == "" || isStd(p) {
				continue
			}
			if f, ok := cachedExport(f, workDir); ok {
				deps.Exports[p] = f
			}
		}
		for _, p := range append(inherited.Imports, extraImports...) {
			if !isStd(p) {
				deps.Imports = append(deps.Imports, p)
			}
		}
		if err := archive.Append(c.output, deps); err != nil {
			return 1, fmt.Errorf("%s: recording link dependencies: %w", c.pkg, err)
		}
	}
	return 0, nil
}

// firstWire returns, of the packages that make requests shaped like an LLM
// API's, the first by import path and where it does.
func firstWire(wire map[string]string) (pkg, at string) {
	if len(wire) == 0 {
		return "", ""
	}
	pkg = slices.Min(slices.Collect(maps.Keys(wire)))
	return pkg, wire[pkg]
}

// reachesSDK reports whether a package whose direct imports are in cfg can
// reach an instrumented SDK, one of sdk: it imports one (direct), or
// imports a package whose mark says it reaches one. It also returns what
// its dependencies' marks recorded: their link-time imports, the export
// files they were compiled against, where they make requests shaped like
// an LLM API's and the OpenTelemetry API they link.
func reachesSDK(cfg *importcfg, sdk map[string]bool) (reaches, direct bool, inherited archive.Deps) {
	inherited = archive.Deps{Exports: map[string]string{}, Modules: map[string]string{}, Wire: map[string]string{}}
	for path, file := range cfg.packageFile {
		if sdk[path] {
			reaches, direct = true, true
		}
		if isStd(path) || rules.IsRuntime(path) {
			continue
		}
		deps, ok, err := archive.Read(file)
		if err != nil || !ok {
			continue
		}
		if deps.OTel != "" {
			inherited.OTel = deps.OTel
		}
		if !deps.Reaches {
			continue
		}
		reaches = true
		inherited.Imports = append(inherited.Imports, deps.Imports...)
		for p, f := range deps.Exports {
			if _, ok := inherited.Exports[p]; !ok {
				inherited.Exports[p] = f
			}
		}
		for p, m := range deps.Modules {
			inherited.Modules[p] = m
		}
		for p, w := range deps.Wire {
			inherited.Wire[p] = w
		}
	}
	return reaches, direct, inherited
}

// cachedExport returns where the build cache keeps the export file f of
// a package. A package compiled earlier in the same build is named by its
// file in the build's work directory, which is removed at its end; the go
// command has by then put the file in the build cache, named by the
// SHA-256 of its content, and a mark must name that copy to be of use to
// later builds.
func cachedExport(f, workDir string) (string, bool) {
	if !strings.HasPrefix(f, workDir+string(filepath.Separator)) {
		return f, true
	}
	dir := os.Getenv("GOCACHE")
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return "", false
		}
		dir = filepath.Join(base, "go-build")
	}
	file, err := os.Open(f)
	if err != nil {
		return "", false
	}
	defer file.Close()
	h := sha256.New()
	if _, err := io.Copy(h, file); err != nil {
		return "", false
	}
	sum := hex.EncodeToString(h.Sum(nil))
	cached := filepath.Join(dir, sum[:2], sum+"-d")
	if _, err := os.Stat(cached); err != nil {
		return "", false
	}
	return cached, true
}

// modulesOf returns the modules of the packages of exports that belong to
// one, as the first of sources that knows each names it.
func modulesOf(exports map[string]string, sources ...map[string]string) map[string]string {
	out := map[string]string{}
	for p := range exports {
		for _, src := range sources {
			if m, ok := src[p]; ok {
				out[p] = m
				break
			}
		}
	}
	return out
}

// reuse returns known when it has an existing export file for every path:
// the marks of dependencies record the export files they were compiled
// against, which stay valid while the build cache keeps them.
func reuse(known map[string]string, paths []string) (map[string]string, bool) {
	if len(known) == 0 || len(missingFrom(known, paths)) > 0 {
		return nil, false
	}
	for _, f := range known {
		if _, err := os.Stat(f); err != nil {
			return nil, false // trimmed from the build cache
		}
	}
	return known, true
}

// mergeExports returns the export files of known and resolved, resolved's
// where both have a package.
func mergeExports(known, resolved map[string]string) map[string]string {
	out := maps.Clone(known)
	maps.Copy(out, resolved)
	return out
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

// instrument rewrites the package and returns the compile arguments to use,
// the packages the rewritten code imports and the export files resolved for
// them. A nil args means there is nothing to change. implementation says
// the package is an SDK's own code (see [rules.IsSDKImplementation]),
// which is compiled as it is unless it is a main package.
func instrument(c compileCommand, cfg *importcfg, rs []rules.Rule, inherited archive.Deps, reaches, implementation bool, wire string) (args, imports []string, resolved map[string]string, err error) {
	known := inherited.Exports
	workDir := filepath.Dir(filepath.Dir(c.importcfg))
	res := &resolver{workDir: workDir}
	resolved = map[string]string{}
	lookup := func(path string) (io.ReadCloser, error) {
		if mapped, ok := cfg.importMap[path]; ok {
			path = mapped
		}
		file, ok := cfg.packageFile[path]
		if !ok {
			file, ok = resolved[path]
		}
		if !ok || file == "" {
			return nil, fmt.Errorf("no export data for %q", path)
		}
		return os.Open(file)
	}
	exportOf := func(path string) string {
		if f, ok := cfg.packageFile[path]; ok {
			return f
		}
		return resolved[path]
	}
	prepare := func(imports []string) error {
		var missing []string
		for _, p := range imports {
			if _, ok := cfg.packageFile[p]; !ok && resolved[p] == "" {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if r, ok := reuse(known, missing); ok {
			resolved = r
			return checkRuntimeLevel(res, imports, lookup, exportOf(rules.InjectedPackage))
		}
		// The marks name the SDK's packages an adapter imports, but not the
		// runtime when the SDK's packages were compiled as they are: that
		// comes from the build's resolver, which has most often resolved it
		// already, beside an SDK's compile.
		var unknown []string
		for _, p := range missing {
			if f, ok := known[p]; !ok || !fileExists(f) {
				unknown = append(unknown, p)
			}
		}
		debugf("%s: resolving %s", c.pkg, strings.Join(unknown, " "))
		r, err := res.resolveClosure(unknown)
		if err != nil {
			return err
		}
		if len(unknown) < len(missing) {
			r = mergeExports(known, r)
		}
		resolved = r
		return checkRuntimeLevel(res, imports, lookup, exportOf(rules.InjectedPackage))
	}
	dir, _ := os.Getwd()
	files := c.goFiles()
	userCfg, err := loadConfig()
	if err != nil {
		return nil, nil, nil, &userError{err}
	}
	pkgName, err := packageName(files[0])
	if err != nil {
		// Leave the user's own errors to the compiler.
		debugf("%s: not instrumented: %v", c.pkg, err)
		return nil, nil, nil, nil
	}
	result := &rewrite.Result{}
	// The engine runs where the package reaches an SDK, and in a program's
	// main package (for the flush at exit), which also imports the runtime
	// for the packages that make requests shaped like an LLM API's; an
	// SDK's own code (not its tests) is compiled as it is.
	if reaches && !implementation || pkgName == "main" {
		result, err = rewrite.Rewrite(&rewrite.Config{
			ImportPath: c.pkg,
			GoVersion:  c.lang,
			Dir:        dir,
			Files:      files,
			Lookup:     lookup,
			Prepare:    prepare,
			Rules:      rs,
			Disabled:   userCfg.Disabled,
			Main:       true,
		})
	}
	if err != nil {
		var missing *missingRuntimeError
		var old *oldGoError
		var oldRT *oldRuntimeError
		if errors.As(err, &missing) || errors.As(err, &old) || errors.As(err, &oldRT) {
			return nil, nil, nil, err
		}
		var ruleErr *rewrite.RuleError
		if errors.As(err, &ruleErr) {
			return nil, nil, nil, &userError{err}
		}
		if errors.Is(err, rewrite.ErrNotTypeChecked) {
			// Leave the user's own errors to the compiler.
			debugf("%s: not instrumented: %v", c.pkg, err)
			return nil, nil, nil, nil
		}
		return nil, nil, nil, err
	}
	if wire != "" && pkgName == "main" && !slices.Contains(result.Imports, rules.InjectedPackage) {
		if err := prepare([]string{rules.InjectedPackage}); err != nil {
			return nil, nil, nil, err
		}
		result.Generated = append(result.Generated, rewrite.WireImport(pkgName))
		result.Imports = append(result.Imports, rules.InjectedPackage)
	}
	// A program that links the OpenTelemetry API hands the runtime its
	// global providers. The export file a mark names is in the build
	// cache: main compiles after every package the program links, each
	// compiled or found there.
	if pkgName == "main" && inherited.OTel != "" && slices.Contains(result.Imports, rules.InjectedPackage) {
		result.Generated = append(result.Generated, rewrite.GlobalProviders(pkgName))
		result.Imports = append(result.Imports, rules.OTelPackage)
		if _, ok := cfg.packageFile[rules.OTelPackage]; !ok {
			resolved = maps.Clone(resolved)
			if resolved == nil {
				resolved = map[string]string{}
			}
			resolved[rules.OTelPackage] = inherited.OTel
		}
	}
	for _, w := range result.Warnings {
		fmt.Fprintf(os.Stderr, "llminstr: warning: %s\n", w)
	}
	if path := os.Getenv("LLMINSTR_REPORT"); path != "" {
		if err := report.Append(path, report.Records(importPath(c), result)); err != nil {
			fmt.Fprintf(os.Stderr, "llminstr: warning: LLMINSTR_REPORT: %v\n", err)
		}
	}
	if strict() {
		// The same sites fail `llminstr report -strict`: every site not
		// rewritten, but for those the user marked //llminstr:ignore.
		var skipped []string
		for _, s := range result.Sites {
			if s.Status == rewrite.Skipped && s.Rule.Integration != rules.RuntimeIntegration {
				skipped = append(skipped, fmt.Sprintf("%s:%d: %s: %s", s.Pos.Filename, s.Pos.Line, s.Rule.ID, s.Reason))
			}
		}
		if len(skipped) > 0 {
			return nil, nil, nil, fmt.Errorf("LLMINSTR_STRICT=1: %d call site(s) left uninstrumented:\n\t%s", len(skipped), strings.Join(skipped, "\n\t"))
		}
	}
	if !result.Changed() {
		return nil, nil, nil, nil
	}

	outDir := filepath.Join(filepath.Dir(c.output), "llminstr")
	if err := os.MkdirAll(outDir, 0o777); err != nil {
		return nil, nil, nil, err
	}
	args = append([]string(nil), c.args...)
	replaced := map[string]string{}
	for _, f := range result.Rewritten {
		dst := filepath.Join(outDir, filepath.Base(f.Path))
		if err := os.WriteFile(dst, f.Content, 0o666); err != nil {
			return nil, nil, nil, err
		}
		replaced[f.Path] = dst
	}
	for _, idx := range c.files {
		if dst, ok := replaced[args[idx]]; ok {
			args[idx] = dst
		}
	}
	for _, g := range result.Generated {
		dst := filepath.Join(outDir, g.Path)
		if err := os.WriteFile(dst, g.Content, 0o666); err != nil {
			return nil, nil, nil, err
		}
		args = append(args, dst)
	}
	if dir := os.Getenv("LLMINSTR_KEEP"); dir != "" {
		if err := keep(dir, importPath(c), result); err != nil {
			fmt.Fprintf(os.Stderr, "llminstr: warning: LLMINSTR_KEEP: %v\n", err)
		}
	}

	add := map[string]string{}
	for _, p := range result.Imports {
		if _, ok := cfg.packageFile[p]; ok {
			continue
		}
		add[p] = resolved[p]
		if add[p] == "" {
			return nil, nil, nil, fmt.Errorf("no export data for %q", p)
		}
	}
	newCfg, err := cfg.withPackages(filepath.Join(outDir, "importcfg"), add)
	if err != nil {
		return nil, nil, nil, err
	}
	for i := 1; i < len(args); i++ {
		if args[i] == "-importcfg" && i+1 < len(args) {
			args[i+1] = newCfg
		} else if strings.HasPrefix(args[i], "-importcfg=") {
			args[i] = "-importcfg=" + newCfg
		}
	}
	return args, result.Imports, resolved, nil
}

// keep copies the rewritten and generated files to dir/<import path>/ for
// inspection (LLMINSTR_KEEP).
func keep(dir, pkg string, res *rewrite.Result) error {
	d := filepath.Join(dir, filepath.FromSlash(pkg))
	if err := os.MkdirAll(d, 0o777); err != nil {
		return err
	}
	for _, f := range res.Rewritten {
		if err := os.WriteFile(filepath.Join(d, filepath.Base(f.Path)), f.Content, 0o666); err != nil {
			return err
		}
	}
	for _, f := range res.Generated {
		if err := os.WriteFile(filepath.Join(d, f.Path), f.Content, 0o666); err != nil {
			return err
		}
	}
	return nil
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "\t" + strings.Join(lines, "\n\t") + "\n"
}

// debugf prints a diagnostic when LLMINSTR_DEBUG is on.
func debugf(format string, args ...any) {
	if debugOn() {
		fmt.Fprintf(os.Stderr, "llminstr: debug: "+format+"\n", args...)
	}
}

// importPath is the package's full import path: TOOLEXEC_IMPORTPATH, which
// unlike -p names main packages and test variants exactly.
func importPath(c compileCommand) string {
	if p := os.Getenv("TOOLEXEC_IMPORTPATH"); p != "" {
		return p
	}
	return c.pkg
}

// loadConfig reads llminstr.yaml at the root of the module being built (the
// parent go command's) and LLMINSTR_DISABLE.
func loadConfig() (*config.Config, error) {
	return config.Load(config.ModuleRoot(parentGoCommand().dir), os.Getenv, rules.IntegrationNames)
}

// userError is a mistake in the user's configuration: it fails the build,
// since building without what the user configured would mislead.
type userError struct{ err error }

func (e *userError) Error() string { return e.err.Error() }
func (e *userError) Unwrap() error { return e.err }
