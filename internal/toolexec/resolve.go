package toolexec

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/constant"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/llminstr/llminstr/internal/filelock"
	"github.com/llminstr/llminstr/rules"
)

// resolver finds the export data of packages that rewritten code imports but
// the go command did not plan for (the runtime, SDK subpackages), by running
// one child `go list -deps -export` with the parent build's flags. Results
// are memoised in $WORK/llminstr, under a lock, for all of the build's
// processes.
type resolver struct {
	workDir string
}

// resolveEnv marks the child go command, so that its own toolexec calls
// never start another resolution.
const resolveEnv = "LLMINSTR_RESOLVING"

type memo struct {
	Exports map[string]string `json:"exports"`
	// Modules are the modules of the Exports' packages (see
	// archive.Deps.Modules).
	Modules map[string]string `json:"modules,omitempty"`
	// MissingRuntime is go list's word that the runtime module is missing,
	// once a process of the build has reported it: the others fail without
	// asking again or repeating the fix.
	MissingRuntime string `json:"missingRuntime,omitempty"`
	// OldGo is go list's word that the runtime needs a newer Go than the
	// build's, kept likewise.
	OldGo string `json:"oldGo,omitempty"`
	// OldRuntime is the API level of a runtime module too old to have the
	// package the adapters import, kept likewise.
	OldRuntime int64 `json:"oldRuntime,omitempty"`
	// Told is whether a process has reported the failure above: one that
	// resolved the runtime before it was needed leaves that to the first
	// that needs it.
	Told bool `json:"told,omitempty"`
}

// failed reports whether resolving the runtime failed in a way that no
// later attempt in the build can mend.
func (m *memo) failed() bool {
	return m.MissingRuntime != "" || m.OldGo != "" || m.OldRuntime != 0
}

// err is the failure the memo holds, as reported to all but the first to
// tell it.
func (m *memo) err() error {
	switch {
	case m.MissingRuntime != "":
		return &missingRuntimeError{detail: m.MissingRuntime, reported: m.Told}
	case m.OldGo != "":
		return &oldGoError{detail: m.OldGo, reported: m.Told}
	default:
		return &oldRuntimeError{level: m.OldRuntime, reported: m.Told}
	}
}

func (r *resolver) dir() string { return filepath.Join(r.workDir, "llminstr") }

// resolve returns the export files of paths and of all their dependencies.
func (r *resolver) resolve(paths []string) (map[string]string, error) {
	if err := os.MkdirAll(r.dir(), 0o777); err != nil {
		return nil, err
	}
	unlock, err := filelock.Lock(filepath.Join(r.dir(), "resolve.lock"))
	if err != nil {
		return nil, fmt.Errorf("locking resolver memo: %w", err)
	}
	defer unlock()
	return r.resolveLocked(paths, true)
}

// prefetch resolves paths unless the memo has them or another process of
// the build is resolving: a compile that foresees the runtime's need runs
// it beside its own, so that the packages that call an SDK find the
// runtime compiled rather than wait for it. What goes wrong is kept for
// the process that needs the packages, to report.
func (r *resolver) prefetch(paths []string) {
	if os.Getenv(resolveEnv) != "" || r.has(paths) {
		return
	}
	if err := os.MkdirAll(r.dir(), 0o777); err != nil {
		return
	}
	unlock, ok, err := filelock.TryLock(filepath.Join(r.dir(), "resolve.lock"))
	if err != nil || !ok {
		return
	}
	defer unlock()
	_, _ = r.resolveLocked(paths, false)
}

// has reports whether the memo holds paths already, or what went wrong
// resolving the runtime, read without the lock.
func (r *resolver) has(paths []string) bool {
	m := r.readMemo()
	return m.failed() || len(missingFrom(m.Exports, paths)) == 0
}

// missingFrom returns the packages of paths that have no export file in
// exports.
func missingFrom(exports map[string]string, paths []string) []string {
	var missing []string
	for _, p := range paths {
		if exports[p] == "" {
			missing = append(missing, p)
		}
	}
	return missing
}

func (r *resolver) readMemo() memo {
	m := memo{Exports: map[string]string{}}
	if data, err := os.ReadFile(filepath.Join(r.dir(), "resolve.json")); err == nil {
		_ = json.Unmarshal(data, &m)
		if m.Exports == nil {
			m.Exports = map[string]string{}
		}
	}
	return m
}

// resolveLocked is resolve under the memo's lock. tell says whether the
// caller reports an error it returns: the first error told is whole, those
// after it say that it was printed above.
func (r *resolver) resolveLocked(paths []string, tell bool) (map[string]string, error) {
	memoPath := filepath.Join(r.dir(), "resolve.json")
	m := r.readMemo()
	missing := missingFrom(m.Exports, paths)
	if len(missing) > 0 && m.failed() {
		err := m.err()
		if tell && !m.Told {
			m.Told = true
			writeMemo(memoPath, m)
		}
		return nil, err
	}
	if len(missing) > 0 {
		if os.Getenv(resolveEnv) != "" {
			return nil, errors.New("nested resolution")
		}
		found, modules, err := listExportsCached(missing)
		var mr *missingRuntimeError
		var old *oldGoError
		switch {
		case errors.As(err, &mr):
			if level, ok := olderRuntime(mr.detail); ok {
				m.OldRuntime = level
				err = &oldRuntimeError{level: level}
			} else {
				m.MissingRuntime = mr.detail
			}
		case errors.As(err, &old):
			m.OldGo = old.detail
		}
		if m.failed() {
			m.Told = tell
			writeMemo(memoPath, m)
		}
		if err != nil {
			return nil, err
		}
		for k, v := range found {
			m.Exports[k] = v
		}
		if m.Modules == nil {
			m.Modules = map[string]string{}
		}
		for k, v := range modules {
			m.Modules[k] = v
		}
		writeMemo(memoPath, m)
	}
	return m.Exports, nil
}

// modules returns the modules of the packages resolved so far in this
// build (see archive.Deps.Modules).
func (r *resolver) modules() map[string]string {
	return r.readMemo().Modules
}

func writeMemo(path string, m memo) {
	data, _ := json.Marshal(m)
	_ = writeFileAtomic(path, data)
}

// writeFileAtomic writes data to path through a file of this process's own
// that it renames, so that a reader, in this build or another, finds the
// old content or the new, never a part.
func writeFileAtomic(path string, data []byte) error {
	tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
	if err := os.WriteFile(tmp, data, 0o666); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// resolveClosure resolves paths, naming only the non-standard ones on the
// child's command line: standard packages come from their dependency
// closure. Build flags such as -cover and -gcflags apply to the packages
// named on the command line, so naming a standard package would build a
// variant of it that differs from the parent build's, and the link would
// fail with a fingerprint mismatch.
func (r *resolver) resolveClosure(paths []string) (map[string]string, error) {
	var named, std []string
	for _, p := range paths {
		if isStd(p) {
			std = append(std, p)
		} else {
			named = append(named, p)
		}
	}
	exports := map[string]string{}
	if len(named) > 0 {
		var err error
		if exports, err = r.resolve(named); err != nil {
			return nil, err
		}
	}
	var stillMissing []string
	for _, p := range std {
		if exports[p] == "" {
			stillMissing = append(stillMissing, p)
		}
	}
	if len(stillMissing) > 0 {
		return r.resolve(stillMissing)
	}
	return exports, nil
}

// goList runs `go list` with flags, the parent go command's build flags
// and paths, in the parent's directory, marked as llminstr's child.
func goList(flags, paths []string) (stdout, stderr string, err error) {
	parent := parentGoCommand()
	args := append(append(append([]string{"list"}, flags...), parent.buildFlags...), "--")
	cmd := exec.Command(parent.goBin, append(args, paths...)...)
	cmd.Dir = parent.dir
	cmd.Env = childEnv()
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

// listFormat prints a package's import path and export file, then, on a
// line of its own, its module as go version -m lists one: path, version and
// sum, then =>, path, version and sum of its replacement; then, for a module
// whose files are a local directory rather than a version, that directory.
const listFormat = "{{.ImportPath}}={{.Export}}\n" +
	"{{with .Module}}module {{$.ImportPath}}={{.Path}}\t{{.Version}}\t{{.Sum}}" +
	"{{with .Replace}}\t=>\t{{.Path}}\t{{.Version}}\t{{.Sum}}{{end}}{{end}}\n" +
	"{{with .Module}}{{if .Replace}}{{if not .Replace.Version}}local {{.Dir}}{{end}}" +
	"{{else if not .Version}}local {{.Dir}}{{end}}{{end}}"

// listExportsCached is goListExports, answered from the resolve cache when
// an earlier build in the same circumstances (see resolveCacheKey) resolved
// every package of paths, and adding go list's answer to it otherwise.
func listExportsCached(paths []string) (exports, modules map[string]string, err error) {
	key, cacheable := resolveCacheKey()
	var cached resolveCacheEntry
	if cacheable {
		var ok bool
		if cached, ok = loadResolveCache(key); ok && len(missingFrom(cached.Exports, paths)) == 0 {
			debugf("resolve cache has %s", strings.Join(paths, " "))
			return cached.Exports, cached.Modules, nil
		}
	}
	debugf("running go list -deps -export %s", strings.Join(paths, " "))
	start := time.Now()
	exports, modules, localDirs, err := goListExports(paths)
	if err == nil && cacheable {
		storeResolveCache(key, cached, resolveCacheEntry{Exports: exports, Modules: modules}, localDirs, start)
	}
	return exports, modules, err
}

// goListExports runs `go list -deps -export` in the parent go command's
// directory with its build flags. It returns the export files of the
// packages, the modules of those that belong to one, and the directories
// of the modules that are local (a replacement by a directory, a workspace
// or main module).
func goListExports(paths []string) (exports, modules map[string]string, localDirs []string, err error) {
	stdout, stderr, err := goList([]string{"-deps", "-export", "-f", listFormat}, paths)
	if err != nil {
		return nil, nil, nil, explainListError(paths, stderr, err)
	}
	exports, modules = map[string]string{}, map[string]string{}
	for _, line := range strings.Split(stdout, "\n") {
		// An import path has no space; a module or local line begins with a
		// word and a space.
		if m, ok := strings.CutPrefix(line, "module "); ok {
			if pkg, mod, ok := strings.Cut(m, "="); ok {
				modules[pkg] = mod
			}
		} else if dir, ok := strings.CutPrefix(line, "local "); ok {
			if !slices.Contains(localDirs, dir) {
				localDirs = append(localDirs, dir)
			}
		} else if pkg, file, ok := strings.Cut(line, "="); ok && file != "" {
			exports[pkg] = file
		}
	}
	for _, p := range paths {
		if exports[p] == "" {
			return nil, nil, nil, fmt.Errorf("go list gave no export data for %s", p)
		}
	}
	return exports, modules, localDirs, nil
}

// missingRuntimeError is the one error a user without the runtime
// requirement sees.
type missingRuntimeError struct {
	detail   string
	reported bool // by another process of the same build
}

func (e *missingRuntimeError) Error() string {
	what := "which this module does not require"
	fix := fmt.Sprintf("go get %s@%s),\n\tthen \"go mod vendor\" if the module vendors its dependencies.", rules.RuntimePackage, runtimeVersionQuery())
	if strings.Contains(e.detail, "missing go.sum entry") {
		what = "and this module's go.sum lacks entries for it or for the modules it needs"
		fix = fmt.Sprintf("go get %s@<the version go.mod requires>).", rules.RuntimePackage)
	}
	if e.reported {
		return fmt.Sprintf("instrumented code needs the module %s, %s (the fix is printed above)", rules.RuntimePackage, what)
	}
	return fmt.Sprintf("instrumented code needs the module %s, %s.\n\tFix: run \"llminstr init\" in the module (it runs: %s\n\t(go list said: %s)", rules.RuntimePackage, what, fix, e.detail)
}

// oldGoError says that the build's Go is older than the runtime module
// needs (Go 1.24): the build goes on uninstrumented, with one warning.
type oldGoError struct {
	detail   string
	reported bool // by another process of the same build
}

func (e *oldGoError) Error() string {
	if e.reported {
		return "the runtime needs a newer Go (the warning is printed above)"
	}
	need, running := runtimeMinGo, "an older release"
	if m := goVersionNeeds.FindStringSubmatch(e.detail); m != nil {
		need, running = m[1], "go"+m[2]
	}
	return fmt.Sprintf(`this build is not instrumented: %s needs Go %s or later, and this build uses %s.
	Fix: build with Go %s or later (for this module: go get toolchain@go%s).
	(go list said: %s)`, rules.RuntimePackage, need, running, need, need, e.detail)
}

// oldRuntimeError says that the runtime module the build uses is older than
// the adapters of this llminstr need: the build goes on uninstrumented,
// with one warning.
type oldRuntimeError struct {
	level    int64
	reported bool // by another process of the same build
}

func (e *oldRuntimeError) Error() string {
	if e.reported {
		return "the runtime is older than this llminstr (the warning is printed above)"
	}
	return fmt.Sprintf(`this build is not instrumented: the module's %s (API level %d) is older than this llminstr needs (level %d).
	Fix: run "llminstr init" in the module (it runs: go get %s@%s).`,
		rules.RuntimePackage, e.level, rules.RuntimeAPILevel, rules.RuntimePackage, runtimeVersionQuery())
}

// olderRuntime reports whether go list's word that the package the
// adapters import is missing comes from a runtime module that is there but
// older than that package (runtimes before API level 3), and the level of
// that runtime: its package's APILevel, 1 if it has none.
func olderRuntime(detail string) (level int64, ok bool) {
	if !namesInjectedMissing(detail) {
		return 0, false
	}
	out, _, err := goList([]string{"-f", "{{.Dir}}"}, []string{rules.RuntimePackage})
	dir := strings.TrimSpace(out)
	if err != nil || dir == "" {
		return 0, false
	}
	return runtimeLevel(dir), true
}

// namesInjectedMissing reports whether go list's word is about the package
// the adapters import itself, rather than about a package it imports (a
// missing go.sum entry of OpenTelemetry's names the runtime's package as
// the importer: the runtime is there, its dependencies' sums are not).
func namesInjectedMissing(detail string) bool {
	return strings.Contains(detail, rules.InjectedPackage) && !strings.Contains(detail, "imported by "+rules.InjectedPackage)
}

// runtimeLevel reads the APILevel constant declared by the Go files in dir,
// 1 if none does.
func runtimeLevel(dir string) int64 {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		file, err := parser.ParseFile(token.NewFileSet(), filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			continue
		}
		for _, decl := range file.Decls {
			gen, ok := decl.(*ast.GenDecl)
			if !ok || gen.Tok != token.CONST {
				continue
			}
			for _, spec := range gen.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if name.Name != "APILevel" || i >= len(vs.Values) {
						continue
					}
					if lit, ok := vs.Values[i].(*ast.BasicLit); ok {
						if v, err := strconv.ParseInt(lit.Value, 10, 64); err == nil {
							return v
						}
					}
				}
			}
		}
	}
	return 1
}

// checkRuntimeLevel reads injected.APILevel from the export data of the
// runtime's package for adapters (file) when imports need it, and fails
// with an oldRuntimeError, once per build, when it is lower than the
// adapters need.
func checkRuntimeLevel(r *resolver, imports []string, lookup func(string) (io.ReadCloser, error), file string) error {
	needed := false
	for _, p := range imports {
		needed = needed || p == rules.InjectedPackage
	}
	if !needed {
		return nil
	}
	// One compile of the build reads the level; the others find its word.
	ok := filepath.Join(r.dir(), "runtime-level-ok")
	if _, err := os.Stat(ok); err == nil {
		return nil
	}
	// The build cache names its files by their content: a file found good
	// once is good in every build (reading it costs the compile of a main
	// package, which waits for it, about 15 ms).
	known := levelCacheFile(file)
	if known != "" {
		if fi, err := os.Stat(known); err == nil {
			markUsed(known, fi.ModTime(), time.Now())
			return nil
		}
	}
	pkg, err := importer.ForCompiler(token.NewFileSet(), "gc", lookup).Import(rules.InjectedPackage)
	if err != nil {
		return nil // the type check that follows reports it
	}
	level := int64(1)
	if c, ok := pkg.Scope().Lookup("APILevel").(*types.Const); ok {
		if v, exact := constant.Int64Val(c.Val()); exact {
			level = v
		}
	}
	if level >= rules.RuntimeAPILevel {
		_ = os.MkdirAll(r.dir(), 0o777)
		_ = os.WriteFile(ok, nil, 0o666)
		if known != "" && os.MkdirAll(filepath.Dir(known), 0o777) == nil {
			_ = os.WriteFile(known, nil, 0o666)
		}
		return nil
	}
	// The first compile of the build to find it says so.
	_ = os.MkdirAll(r.dir(), 0o777)
	f, err := os.OpenFile(filepath.Join(r.dir(), "old-runtime"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o666)
	if err == nil {
		f.Close()
	}
	return &oldRuntimeError{level: level, reported: err != nil}
}

// levelCacheFile returns the file whose existence says that the export
// file of the runtime's package for adapters has the API level this
// llminstr needs: beside the resolve cache, for an export file of the build
// cache only ("" otherwise).
func levelCacheFile(export string) string {
	dir := resolveCacheDir()
	if dir == "" || export == "" || !strings.HasPrefix(export, filepath.Dir(dir)+string(filepath.Separator)) {
		return ""
	}
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\n%d", export, rules.RuntimeAPILevel)))
	return filepath.Join(dir, "level-"+hex.EncodeToString(sum[:12]))
}

// runtimeMinGo is the Go release the runtime module's go.mod requires.
const runtimeMinGo = "1.24.0"

// goVersionNeeds reads the go command's "requires go >= 1.24.0 (running go
// 1.23.12; GOTOOLCHAIN=local)".
var goVersionNeeds = regexp.MustCompile(`requires go >= (\S+) \(running go ([^;)\s]+)`)

// missingModuleMessages are the go command's ways (Go 1.24 to 1.26) of
// saying that the main module does not provide a package: not required, only
// replaced, not vendored, no checksum, or no module at all.
var missingModuleMessages = []string{
	"no required module provides",
	"is replaced but not required",
	"cannot find module providing",
	"missing go.sum entry",
	"is not in std",
	"is not in GOROOT",
	"not in vendor",
	"vendor/modules.txt",
	"import lookup disabled",
	"module lookup disabled",
	"go.mod file not found",
	"cannot find main module",
}

// missingRuntime reports whether go list's message says that the runtime
// module is missing from the build (rather than, say, failing to compile).
func missingRuntime(msg string) bool {
	if !strings.Contains(msg, rules.RuntimePackage) {
		return false
	}
	for _, m := range missingModuleMessages {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}

func explainListError(paths []string, stderr string, err error) error {
	msg := strings.TrimSpace(stderr)
	if msg == "" {
		msg = err.Error()
	}
	if missingRuntime(msg) {
		first, _, _ := strings.Cut(msg, "\n")
		return &missingRuntimeError{detail: first}
	}
	if strings.Contains(msg, "requires go >= ") {
		first, _, _ := strings.Cut(msg, "\n")
		return &oldGoError{detail: strings.TrimPrefix(first, "go: ")}
	}
	sort.Strings(paths)
	return fmt.Errorf("resolving %s: %s", strings.Join(paths, ", "), msg)
}
