package toolexec

import (
	"fmt"
	"path/filepath"
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
		return execTool(args), nil
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
	return execTool(newArgs), nil
}
