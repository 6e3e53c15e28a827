package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/aymanbagabas/go-udiff"

	"github.com/llminstr/llminstr/internal/config"
	"github.com/llminstr/llminstr/internal/preview"
	"github.com/llminstr/llminstr/internal/report"
	"github.com/llminstr/llminstr/rules"
)

// usageError is a command-line mistake: exit status 2, with a hint.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// loadFlags are the flags diff and report share.
type loadFlags struct {
	tags  string
	tests bool
}

func (f *loadFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.tags, "tags", "", "comma-separated build tags, as for go build")
	fs.BoolVar(&f.tests, "test", false, "also the packages' _test.go files, as go test -toolexec=llminstr compiles them")
}

func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return &usageError{msg: fmt.Sprintf("llminstr %s: %v", fs.Name(), err)}
	}
	return nil
}

// runPreview loads the packages named by args and rewrites them in memory.
func runPreview(lf loadFlags, patterns []string) ([]*preview.Package, error) {
	if len(patterns) == 0 {
		patterns = []string{"./..."}
	}
	dir, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	var buildFlags []string
	if lf.tags != "" {
		buildFlags = append(buildFlags, "-tags="+lf.tags)
	}
	all := rules.All()
	cfg, err := config.Load(config.ModuleRoot(dir), os.Getenv, func() []string { return rules.Integrations(all) })
	if err != nil {
		return nil, err
	}
	return preview.Run(preview.Options{
		Dir: dir, BuildFlags: buildFlags, Patterns: patterns, Tests: lf.tests, Rules: append(all, cfg.Rules...), Disabled: cfg.Disabled,
	})
}

// unmatchedUserRules notes on stderr each rule of llminstr.yaml that no
// call site of the packages matched: a misspelt name is never an error of
// the build (the name may be right for other packages), only silent.
func unmatchedUserRules(recs []report.Record) {
	dir, err := os.Getwd()
	if err != nil {
		return
	}
	cfg, err := config.Load(config.ModuleRoot(dir), os.Getenv, rules.IntegrationNames)
	if err != nil {
		return
	}
	matched := map[string]bool{}
	for _, r := range recs {
		matched[r.Rule] = true
	}
	for _, r := range cfg.Rules {
		if !matched[r.ID] {
			fmt.Fprintf(os.Stderr, "llminstr report: %s: rule %s matched no call site in these packages\n", relative(r.Origin), r.ID)
		}
	}
}

// loadFailed reports the packages of a *preview.LoadError on stderr, after
// the output of those that loaded: they make the command fail.
func loadFailed(name string, err error) bool {
	var le *preview.LoadError
	if errors.As(err, &le) {
		fmt.Fprintf(os.Stderr, "llminstr %s: %d packages (or their dependencies) failed to load and are not listed:\n", name, len(le.Errors))
		for _, e := range le.Errors {
			fmt.Fprintf(os.Stderr, "\t%s\n", e)
		}
		return true
	}
	return false
}

// relative shortens a path to be relative to the working directory when it
// is below it.
func relative(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	if rel, err := filepath.Rel(wd, path); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return path
}

func cmdDiff(args []string, stdout io.Writer) (int, error) {
	fs := newFlagSet("diff")
	var lf loadFlags
	lf.register(fs)
	exitCode := fs.Bool("exit-code", false, "exit with status 1 when there is any rewrite")
	if err := parseFlags(fs, args); err != nil {
		return 2, err
	}
	pkgs, loadErr := runPreview(lf, fs.Args())
	if _, ok := loadErr.(*preview.LoadError); loadErr != nil && !ok {
		return 1, loadErr
	}
	changed := false
	printed := map[string]bool{} // a package and its test variant inject the same files
	for _, p := range pkgs {
		for _, f := range p.Result.Rewritten {
			name := relative(f.Path)
			fmt.Fprint(stdout, udiff.Unified("a/"+name, "b/"+name, string(p.Originals[f.Path]), string(f.Content)))
			changed = true
		}
		for _, g := range p.Result.Generated {
			name := relative(filepath.Join(p.Dir, g.Path))
			if printed[name] {
				continue
			}
			printed[name] = true
			fmt.Fprint(stdout, udiff.Unified("/dev/null", "b/"+name, "", string(g.Content)))
			changed = true
		}
	}
	if loadFailed("diff", loadErr) {
		return 1, nil
	}
	if changed && *exitCode {
		return 1, nil
	}
	return 0, nil
}

func cmdReport(args []string, stdout io.Writer) (int, error) {
	fs := newFlagSet("report")
	var lf loadFlags
	lf.register(fs)
	asJSON := fs.Bool("json", false, "print the stable JSON form")
	strict := fs.Bool("strict", false, "exit with status 1 when any known call site is not rewritten")
	if err := parseFlags(fs, args); err != nil {
		return 2, err
	}
	pkgs, loadErr := runPreview(lf, fs.Args())
	if _, ok := loadErr.(*preview.LoadError); loadErr != nil && !ok {
		return 1, loadErr
	}
	var recs []report.Record
	for _, p := range pkgs {
		recs = append(recs, report.Records(p.ImportPath, p.Result)...)
	}
	report.Sort(recs)
	var err error
	if *asJSON {
		err = report.WriteJSON(stdout, recs)
	} else {
		err = report.WriteText(stdout, recs, relative)
	}
	if err != nil {
		return 1, err
	}
	if loadFailed("report", loadErr) {
		return 1, nil
	}
	unmatchedUserRules(recs)
	if *strict {
		// A site the user ignored on purpose is not a failure; one llminstr
		// could not instrument (or that configuration disabled) is.
		failed := 0
		for _, r := range recs {
			if r.Status == "skipped" {
				fmt.Fprintf(os.Stderr, "llminstr report: -strict: %s:%d: %s skipped: %s\n", relative(r.File), r.Line, r.Rule, r.Reason)
				failed++
			}
		}
		if failed > 0 {
			return 1, nil
		}
	}
	return 0, nil
}
