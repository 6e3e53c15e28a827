package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/llminstr/llminstr/internal/toolexec"
	"github.com/llminstr/llminstr/rules"
)

// toolsFileName keeps the runtime requirement in go.mod and vendor/ through
// `go mod tidy` and `go mod vendor`, although no source imports it.
const toolsFileName = "llminstr.tools.go"

type goModJSON struct {
	Module  struct{ Path string }
	Require []struct {
		Path     string
		Version  string
		Indirect bool
	}
}

func readGoMod(dir string) (map[string]string, error) {
	out, err := goCommand(dir, "mod", "edit", "-json")
	if err != nil {
		return nil, err
	}
	var m goModJSON
	if err := json.Unmarshal([]byte(out), &m); err != nil {
		return nil, fmt.Errorf("reading go.mod: %w", err)
	}
	reqs := map[string]string{}
	for _, r := range m.Require {
		reqs[r.Path] = r.Version
	}
	return reqs, nil
}

func goCommand(dir string, args ...string) (string, error) {
	cmd := exec.Command("go", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// cmdInit adds the runtime requirement to the current module.
func cmdInit(args []string, stdout io.Writer) (int, error) {
	fs := newFlagSet("init")
	version := fs.String("version", defaultRuntimeVersion(), "runtime version to require")
	if err := parseFlags(fs, args); err != nil {
		return 2, err
	}
	if fs.NArg() > 0 {
		return 2, &usageError{msg: "llminstr init: takes no arguments"}
	}
	dir, err := os.Getwd()
	if err != nil {
		return 1, err
	}
	gomod, err := goCommand(dir, "env", "GOMOD")
	if err != nil {
		return 1, err
	}
	gomod = strings.TrimSpace(gomod)
	if gomod == "" || gomod == os.DevNull {
		return 1, errors.New("llminstr init: the current directory is not inside a Go module; run it where your go.mod is (or create one with: go mod init)")
	}
	modDir := filepath.Dir(gomod)
	before, err := readGoMod(modDir)
	if err != nil {
		return 1, err
	}
	if v, ok := before[rules.RuntimePackage]; ok {
		fmt.Fprintf(stdout, "%s already requires %s %s\n", gomod, rules.RuntimePackage, v)
		// At that version, so that go.mod and go.sum also have what its
		// packages need (its root package imports the one adapters
		// import): a requirement added by hand (go mod edit) leaves out the
		// sums of the modules the runtime imports.
		// Where go get cannot run (offline, say), init goes on as before.
		if _, err := goCommand(modDir, "get", rules.RuntimePackage+"@"+v); err != nil {
			fmt.Fprintf(os.Stderr, "llminstr init: warning: completing go.sum for the runtime: %v\n", err)
		}
	} else if _, err := goCommand(modDir, "get", rules.RuntimePackage+"@"+*version); err != nil {
		return 1, fmt.Errorf("llminstr init: %w", err)
	}
	after, err := readGoMod(modDir)
	if err != nil {
		return 1, err
	}
	printChanges(stdout, gomod, before, after)
	if err := alignOpenTelemetry(modDir, stdout); err != nil {
		return 1, fmt.Errorf("llminstr init: %w", err)
	}
	created, err := writeToolsFile(modDir)
	if err != nil {
		return 1, err
	}
	if created != "" {
		fmt.Fprintf(stdout, "created %s (keeps the runtime in go.mod through go mod tidy)\n", created)
	}
	return 0, nil
}

// alignOpenTelemetry requires the OpenTelemetry SDK modules at the version
// of the newest OpenTelemetry API module the build selects, when they are
// older (see [toolexec.SDKBehindAPI]).
func alignOpenTelemetry(modDir string, stdout io.Writer) error {
	out, err := goCommand(modDir, append([]string{"list", "-m", "-f", toolexec.OpenTelemetryListFormat}, toolexec.OpenTelemetryModules...)...)
	if err != nil {
		return err
	}
	api, behind := toolexec.SDKBehindAPI(out)
	if len(behind) == 0 {
		return nil
	}
	get := []string{"get"}
	for _, m := range behind {
		get = append(get, m.Path+"@"+api.Version)
	}
	before, err := readGoMod(modDir)
	if err != nil {
		return err
	}
	if _, err := goCommand(modDir, get...); err != nil {
		return err
	}
	after, err := readGoMod(modDir)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "the OpenTelemetry SDK now matches the OpenTelemetry API the build already selects (%s):\n", api.Version)
	printChanges(stdout, filepath.Join(modDir, "go.mod"), before, after)
	return nil
}

func printChanges(w io.Writer, gomod string, before, after map[string]string) {
	var lines []string
	for path, v := range after {
		old, had := before[path]
		switch {
		case !had:
			lines = append(lines, fmt.Sprintf("  added    %s %s", path, v))
		case old != v:
			lines = append(lines, fmt.Sprintf("  upgraded %s %s => %s", path, old, v))
		}
	}
	if len(lines) == 0 {
		return
	}
	sort.Strings(lines)
	fmt.Fprintf(w, "updated %s:\n%s\n", gomod, strings.Join(lines, "\n"))
}

// writeToolsFile writes the tools file at the module root, in the root
// package's own package name, unless it exists.
func writeToolsFile(modDir string) (string, error) {
	path := filepath.Join(modDir, toolsFileName)
	if _, err := os.Stat(path); err == nil {
		return "", nil
	}
	pkgName := "tools"
	matches, _ := filepath.Glob(filepath.Join(modDir, "*.go"))
	for _, m := range matches {
		if strings.HasSuffix(m, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(token.NewFileSet(), m, nil, parser.PackageClauseOnly)
		if err == nil {
			pkgName = f.Name.Name
			break
		}
	}
	src := fmt.Sprintf(`//go:build tools

// Code generated by llminstr init. Keep it: no source imports the runtime
// (code rewritten by go build -toolexec=llminstr does), and this import keeps
// it in go.mod and vendor/.

package %s

import _ %q
`, pkgName, rules.RuntimePackage)
	if err := os.WriteFile(path, []byte(src), 0o666); err != nil {
		return "", err
	}
	return path, nil
}

func defaultRuntimeVersion() string {
	if v := toolexec.Version(); v != "(devel)" && !strings.Contains(v, "+") {
		return v
	}
	return "latest"
}
