package toolexec

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/llminstr/llminstr/internal/archive"
)

// link handles one link invocation: when the main package's archive says
// the program holds instrumented code, the packages that code imports (and
// their dependencies) are added to the linker's importcfg.
func link(args []string) (int, error) {
	importcfgPath, mainArchive := "", ""
	importcfgIdx := -1
	for i := 1; i < len(args); i++ {
		switch {
		case args[i] == "-importcfg" && i+1 < len(args):
			importcfgPath, importcfgIdx = args[i+1], i+1
			i++
		case strings.HasPrefix(args[i], "-importcfg="):
			importcfgPath, importcfgIdx = strings.TrimPrefix(args[i], "-importcfg="), i
		}
	}
	// The main package's archive is the last argument: `link [flags] main.a`
	// (a build cache path when the package was cached).
	if last := args[len(args)-1]; len(args) > 1 && !strings.HasPrefix(last, "-") {
		mainArchive = last
	}
	if importcfgPath == "" || mainArchive == "" {
		return execTool(args), nil
	}
	deps, ok, err := archive.Read(mainArchive)
	if err != nil || !ok || len(deps.Imports) == 0 {
		return execTool(args), nil
	}
	cfg, err := readImportcfg(importcfgPath)
	if err != nil {
		return 1, err
	}
	// Only what the go command did not plan for needs resolving: usually
	// just the runtime, whose dependency closure comes with it.
	var missing []string
	for _, p := range deps.Imports {
		if _, ok := cfg.packageFile[p]; !ok {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return linkExplained(args, deps, cfg)
	}
	modules := deps.Modules
	resolved, ok := reuse(deps.Exports, missing)
	if !ok {
		res := &resolver{workDir: filepath.Dir(filepath.Dir(importcfgPath))}
		if resolved, err = res.resolveClosure(missing); err != nil {
			return 1, fmt.Errorf("link: %w", err)
		}
		modules = res.modules()
	}
	// The modules of the packages the go command did not plan for go into
	// the program's build information, as if it had.
	var added []string
	for p := range resolved {
		if _, ok := cfg.packageFile[p]; !ok && modules[p] != "" {
			added = append(added, modules[p])
		}
	}
	sort.Strings(added)
	if err := cfg.addModules(added); err != nil {
		return 1, fmt.Errorf("link: %w", err)
	}
	newPath, err := cfg.withPackages(importcfgPath+".llminstr", resolved)
	if err != nil {
		return 1, err
	}
	newArgs := append([]string(nil), args...)
	if strings.HasPrefix(newArgs[importcfgIdx], "-importcfg=") {
		newArgs[importcfgIdx] = "-importcfg=" + newPath
	} else {
		newArgs[importcfgIdx] = newPath
	}
	return linkExplained(newArgs, deps, cfg)
}

// linkExplained runs the linker. When the main package's instrumented
// code was compiled against packages built otherwise than the ones the
// linker is given (see staleExports), the linker may refuse them; if it
// does, it says why and what fixes it.
func linkExplained(args []string, deps archive.Deps, cfg *importcfg) (int, error) {
	stale := staleExports(deps.Exports, cfg)
	if len(stale) == 0 {
		return execTool(args), nil
	}
	var stderr bytes.Buffer
	code := runTool(args, &stderr)
	os.Stderr.Write(stderr.Bytes())
	if code != 0 && strings.Contains(stderr.String(), "fingerprint mismatch") {
		culprit := stale[0]
		for _, p := range deps.Imports {
			if slices.Contains(stale, p) {
				culprit = p
				break
			}
		}
		return code, fmt.Errorf(`the instrumented code of the main package was compiled against a build of %s other than this build's.
	This happens when llminstr could not read the go command's flags (a wrapper between the go command and llminstr, or a system without /proc), and that compile was cached.
	Fix: run the build with -toolexec=llminstr or GOFLAGS=-toolexec=llminstr, then "go clean -cache" once if the error stays`, culprit)
	}
	return code, nil
}

// staleExports lists the packages whose export files, as the main
// package's instrumented code was compiled against them, differ from the
// ones the linker is given. Export files are named by their content's
// hash, so different names mean different builds of the package.
func staleExports(compiled map[string]string, cfg *importcfg) []string {
	var stale []string
	for p, file := range compiled {
		if linked, ok := cfg.packageFile[p]; ok && linked != file {
			stale = append(stale, p)
		}
	}
	sort.Strings(stale)
	return stale
}
