// Package toolexec is the `go build -toolexec=llminstr` side of llminstr: it
// receives every tool invocation of a build, hands all but compile and link
// straight to the real tool, and for compiles of packages that reach an
// instrumented SDK runs the rewrite engine and points the compiler at the
// rewritten files.
package toolexec

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/llminstr/llminstr/internal/config"
	"github.com/llminstr/llminstr/internal/passthrough"
	"github.com/llminstr/llminstr/rules"
)

// IsToolInvocation reports whether args (without the program name) are a
// toolexec invocation. The go command passes a Go tool's absolute path,
// followed by the tool's arguments. To learn a C compiler's version for the
// cache keys of cgo packages it passes the compiler as $CC names it, often
// a bare name such as gcc, followed by -### (cmd/go's gccToolID): that is
// a tool invocation too, or the keys would lose the compiler's version and
// a changed compiler would leave stale cgo packages in the cache.
func IsToolInvocation(args []string) bool {
	if len(args) == 0 {
		return false
	}
	return filepath.IsAbs(args[0]) || len(args) > 1 && args[1] == "-###"
}

// Run runs one tool invocation and returns the exit code.
func Run(args []string) int {
	toolPath = args[0]
	if passthrough.Passes(args) {
		return execTool(args)
	}
	tool := passthrough.ToolName(args[0])
	for _, a := range args[1:] {
		if a == "-V=full" || a == "-V" {
			return printVersion(args)
		}
	}
	var err error
	var code int
	if tool == "compile" {
		code, err = compile(args)
	} else {
		code, err = link(args)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "llminstr: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// runTool runs a tool as a child process with the given arguments.
func runTool(args []string, stderr io.Writer) int {
	return runToolTo(args, os.Stdout, stderr)
}

// runToolCaptured runs the tool as runTool does, and returns its exit code
// and what it printed on standard output and standard error, together as
// the go command reads them.
func runToolCaptured(args []string) (int, []byte) {
	var out bytes.Buffer
	code := runToolTo(args, &out, &out)
	return code, out.Bytes()
}

// runToolTo runs a tool with its output going to stdout and stderr; a
// tool that cannot be started is reported on llminstr's standard error.
func runToolTo(args []string, stdout, stderr io.Writer) int {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	if err := cmd.Run(); err != nil {
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return exitErr.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "llminstr: running %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

// printVersion answers the go command's -V=full question with the real
// tool's answer plus llminstr's fingerprint, so instrumented and plain builds
// never share build cache entries. The tool answers while llminstr checks
// the build's configuration and computes the fingerprint: the go command
// waits for this answer before it plans anything, in every build.
func printVersion(args []string) int {
	var out bytes.Buffer
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	started := cmd.Start()
	if os.Getenv(resolveEnv) == "" {
		if err := checkBuildEnv(); err != nil {
			if started == nil {
				_ = cmd.Wait()
			}
			fmt.Fprintf(os.Stderr, "llminstr: %v\n", err)
			return 1
		}
	}
	fp := Fingerprint()
	err := started
	if err == nil {
		err = cmd.Wait()
	}
	if err != nil {
		os.Stdout.Write(out.Bytes())
		var exitErr *exec.ExitError
		if errors.As(err, &exitErr) {
			return exitErr.ExitCode()
		}
		fmt.Fprintf(os.Stderr, "llminstr: running %s: %v\n", args[0], err)
		return 1
	}
	line := strings.TrimRight(out.String(), "\n")
	fmt.Println(appendFingerprint(line, fp))
	return 0
}

// appendFingerprint adds fp to the tool ID part of a "-V=full" line: the
// buildID= field of devel toolchains, otherwise the version field.
func appendFingerprint(line, fp string) string {
	f := strings.Fields(line)
	if len(f) >= 3 && strings.HasPrefix(f[len(f)-1], "buildID=") {
		f[len(f)-1] += "+llminstr." + fp
		return strings.Join(f, " ")
	}
	if len(f) >= 3 {
		f[2] += ":llminstr@" + fp
		return strings.Join(f, " ")
	}
	return line + " llminstr@" + fp
}

// Version is llminstr's version as recorded in its build info.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

var fingerprintOnce = sync.OnceValue(func() string {
	h := sha256.New()
	fmt.Fprintf(h, "llminstr %s\nrules %s\n", Version(), rules.Fingerprint())
	if v := Version(); v == "(devel)" || strings.Contains(v, "+dirty") {
		// A development build changes without changing its version.
		if exe, err := os.Executable(); err == nil {
			writeBinaryID(h, exe)
		}
	}
	fmt.Fprintf(h, "runtime %s\n", runtimeRequirement())
	// A strict build must fail wherever a strict build from scratch would:
	// it cannot reuse what a lenient build compiled (and only warned about).
	if strict() {
		fmt.Fprintf(h, "strict\n")
	}
	// What the user switched off changes the rewrites.
	if cfg, err := loadConfig(); err == nil {
		fmt.Fprintf(h, "disabled %v\n", cfg.DisabledList())
		for _, r := range cfg.Rules {
			fmt.Fprintf(h, "user rule %s %v %s %s %s %s %+v\n", r.ID, r.Packages, r.Receiver, r.Name, r.Operation, r.Provider, *r.Extract)
		}
	}
	// A build that reports, keeps or explains what its compiles do must
	// compile: from the cache it would report nothing.
	if observing() {
		fmt.Fprintf(h, "observed %s\n", buildNonce())
	}
	return hex.EncodeToString(h.Sum(nil))[:20]
})

// writeBinaryID writes what identifies the executable at path: the Go
// build ID the linker records in an ELF note (the hash of the binary's
// inputs and content, which the go command computes anyway), else the
// whole file. The go command asks for the fingerprint in every build, a
// few times; hashing the whole tool each time cost about 0.1 s.
func writeBinaryID(w io.Writer, path string) {
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		if sec := f.Section(".note.go.buildid"); sec != nil {
			if note, err := sec.Data(); err == nil && len(note) > 16 {
				fmt.Fprintf(w, "buildid %x\n", note)
				return
			}
		}
	}
	if f, err := os.Open(path); err == nil {
		io.Copy(w, f)
		f.Close()
	}
}

// Fingerprint identifies everything that changes what llminstr does to a
// build: its own version (or binary), its rules and adapters, and the
// version of the runtime module the build requires.
func Fingerprint() string { return fingerprintOnce() }

// runtimeRequirement describes the runtime module the current module uses
// and the OpenTelemetry modules it builds with: their require and replace
// lines in go.mod / go.work (see requirementLines), plus a hash of the
// sources of a module replaced by a local directory. Whether the runtime
// can be linked in at all depends on them (an OpenTelemetry SDK older than
// the API does not compile): a compile that had to go without the runtime
// is cached under the fingerprint, and once they change it is not reused.
func runtimeRequirement() string {
	dir, _ := os.Getwd()
	var b strings.Builder
	for _, f := range []struct{ name, path string }{
		{"go.work", workFile(dir)},
		{"go.mod", config.FindUp(dir, "go.mod")},
	} {
		data, err := os.ReadFile(f.path)
		if f.path == "" || err != nil {
			continue
		}
		b.WriteString(f.name + "\n")
		for _, line := range requirementLines(f.path, data) {
			b.WriteString(line + "\n")
		}
	}
	return b.String()
}

// workFile returns the go.work file a go command run in dir uses: GOWORK's,
// or the nearest in dir or its parents; "" with GOWORK=off or none.
func workFile(dir string) string {
	switch env := os.Getenv("GOWORK"); env {
	case "off":
		return ""
	case "":
		return config.FindUp(dir, "go.work")
	default:
		return env
	}
}

// requirementLines returns, sorted, the lines of the go.mod or go.work
// file at path (its content data) that name the runtime module or
// OpenTelemetry's, in a form that keeps only what changes the build: the
// module and version required, or the replacement (the content of a local
// directory, never its path, so that copies of one runtime share the
// cache). A comment such as // indirect, a require or replace keyword and
// the order of the lines change nothing the build compiles: go mod tidy
// moving a line into another block, or marking it indirect, must not make
// every package of the next build compile again.
func requirementLines(path string, data []byte) []string {
	var lines []string
	for _, line := range strings.Split(string(data), "\n") {
		line, _, _ = strings.Cut(line, "//")
		if !strings.Contains(line, "llminstr/runtime") && !strings.Contains(line, "go.opentelemetry.io/otel") {
			continue
		}
		f := strings.Fields(line)
		if len(f) > 0 && (f[0] == "require" || f[0] == "replace") {
			f = f[1:]
		}
		line = strings.Join(f, " ")
		if old, target, ok := strings.Cut(line, "=>"); ok {
			target = strings.TrimSpace(target)
			if strings.HasPrefix(target, ".") || filepath.IsAbs(target) {
				if !filepath.IsAbs(target) {
					target = filepath.Join(filepath.Dir(path), target)
				}
				target = "local " + hashGoFiles(target)
			}
			line = strings.TrimSpace(old) + " => " + target
		}
		lines = append(lines, line)
	}
	slices.Sort(lines)
	return slices.Compact(lines)
}

func hashGoFiles(dir string) string {
	h := sha256.New()
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		if d.IsDir() && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != dir {
			return filepath.SkipDir
		}
		if !d.IsDir() && (strings.HasSuffix(path, ".go") || d.Name() == "go.mod") {
			if data, err := os.ReadFile(path); err == nil {
				rel, _ := filepath.Rel(dir, path)
				fmt.Fprintf(h, "%s %d\n", filepath.ToSlash(rel), len(data))
				h.Write(data)
			}
		}
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))
}

func runtimeVersionQuery() string {
	if v := Version(); v != "(devel)" && !strings.Contains(v, "+") {
		return v
	}
	return "latest"
}
