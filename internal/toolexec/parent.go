package toolexec

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// parentCommand is what llminstr knows of the go command that runs it.
type parentCommand struct {
	goBin      string
	dir        string
	buildFlags []string
	// forced is whether the build rebuilds every package (-a): it must not
	// take what an earlier build resolved from the resolve cache.
	forced bool
}

var parentOnce = sync.OnceValue(readParentCommand)

func parentGoCommand() parentCommand { return parentOnce() }

// maxAncestors bounds the walk up the process tree in search of the go
// command.
const maxAncestors = 8

// readParentCommand reads the go command's binary, directory and command
// line from the system (see parentProcess): llminstr's parent process, or
// the nearest ancestor that is a go command, when llminstr runs under a
// wrapper (-toolexec="wrapper llminstr", a script that runs it). Where it
// cannot, the child build runs with the flags the environment (GOFLAGS)
// carries, in the current directory (where the go command runs its tools:
// the package's).
func readParentCommand() parentCommand {
	pc := parentCommand{goBin: "go"}
	pc.dir, _ = os.Getwd()
	pid := os.Getppid()
	for range maxAncestors {
		exe, dir, argv := parentProcess(pid)
		if isGoCommand(exe, argv) {
			pc.goBin = exe
			if dir != "" {
				pc.dir = dir
			}
			pc.buildFlags = childBuildFlags(argv[2:])
			pc.forced = forcesRebuild(argv[2:]) || forcesRebuild(strings.Fields(os.Getenv("GOFLAGS")))
			break
		}
		if pid = parentPID(pid); pid <= 1 {
			break
		}
	}
	return pc
}

// forcesRebuild reports whether a go command's arguments (after the
// subcommand), or GOFLAGS, hold -a.
func forcesRebuild(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-a", "--a", "-a=true", "--a=true":
			return true
		}
	}
	return false
}

// isGoCommand reports whether a process is a go command that builds: its
// executable and its argv[0] are go, and it has a subcommand.
func isGoCommand(exe string, argv []string) bool {
	isGo := func(path string) bool { return strings.TrimSuffix(filepath.Base(path), ".exe") == "go" }
	return exe != "" && isGo(exe) && len(argv) > 2 && isGo(argv[0])
}

// parseProcArgs reads the arguments of a process as macOS's
// kern.procargs2 sysctl gives them: argc (a 32-bit integer in the
// machine's order, little-endian on every Mac Go supports), the executable's
// path, NUL padding, then argc NUL-terminated arguments (and the
// environment, which is not read).
func parseProcArgs(buf []byte) (exe string, argv []string) {
	if len(buf) < 4 {
		return "", nil
	}
	argc := int(binary.LittleEndian.Uint32(buf))
	rest := buf[4:]
	i := bytes.IndexByte(rest, 0)
	if i < 0 {
		return "", nil
	}
	exe, rest = string(rest[:i]), rest[i:]
	for len(rest) > 0 && rest[0] == 0 {
		rest = rest[1:]
	}
	for len(argv) < argc && len(rest) > 0 {
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			return exe, nil // cut short: no partial command line
		}
		argv, rest = append(argv, string(rest[:i])), rest[i+1:]
	}
	if len(argv) < argc {
		return exe, nil
	}
	return exe, argv
}

// Build flags of the go command that change how packages compile, and
// whether they take a value. The child build must use the same ones, or its
// archives would not match the parent's at link time.
var compileAffectingFlags = map[string]bool{
	"race": false, "msan": false, "asan": false, "cover": false, "trimpath": false, "linkshared": false,
	"covermode": true, "coverpkg": true, "tags": true, "mod": true, "modfile": true, "gcflags": true,
	"asmflags": true, "pgo": true, "buildmode": true, "installsuffix": true, "overlay": true,
	"toolexec": true, "compiler": true, "gccgoflags": true,
}

// Other flags that take a value, whose value must be skipped.
var otherValueFlags = map[string]bool{
	"o": true, "p": true, "ldflags": true, "exec": true, "C": true, "pkgdir": true, "vet": true,
	"run": true, "bench": true, "count": true, "cpu": true, "parallel": true, "timeout": true,
	"benchtime": true, "coverprofile": true, "cpuprofile": true, "memprofile": true, "blockprofile": true,
	"mutexprofile": true, "outputdir": true, "trace": true, "skip": true, "fuzz": true, "fuzztime": true,
	"fuzzminimizetime": true, "list": true, "shuffle": true, "memprofilerate": true, "blockprofilerate": true,
	"mutexprofilefraction": true, "json": false, "f": true, "reuse": true, "debug-actiongraph": true,
	"debug-runtime-trace": true, "debug-trace": true, "benchmem": false,
}

// childBuildFlags picks, from the parent's arguments (after the
// subcommand), the flags the child `go list` must repeat. Flags given
// without a package pattern (-gcflags=-N) apply only to the packages named
// on the parent's command line, which the child does not build, so they are
// dropped; patterned ones (-gcflags=all=-N) are kept.
func childBuildFlags(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			continue
		}
		name := strings.TrimLeft(a, "-")
		value, hasValue := "", false
		if n, v, ok := strings.Cut(name, "="); ok {
			name, value, hasValue = n, v, true
		}
		takesValue, known := compileAffectingFlags[name]
		if !known {
			if otherValueFlags[name] && !hasValue {
				i++
			}
			continue
		}
		if takesValue && !hasValue {
			if i+1 >= len(args) {
				break
			}
			i++
			value, hasValue = args[i], true
		}
		switch name {
		case "gcflags", "asmflags", "gccgoflags":
			if !hasPattern(value) {
				continue
			}
		case "coverpkg", "overlay", "modfile", "pgo":
			// Relative paths and patterns keep their meaning: the child runs in
			// the parent's directory.
		}
		if hasValue {
			out = append(out, "-"+name+"="+value)
		} else {
			out = append(out, "-"+name)
		}
	}
	return withoutDefaultCover(out)
}

// withoutDefaultCover drops -cover and -covermode when no -coverpkg is given.
// Without -coverpkg the parent covers only its own packages (the main
// module's, or the packages under test), which the child never builds, while
// the child would cover the packages named on its command line, giving them
// archives that differ from the parent's. With -coverpkg, both cover the
// same packages.
func withoutDefaultCover(flags []string) []string {
	for _, f := range flags {
		if strings.HasPrefix(f, "-coverpkg=") {
			return flags
		}
	}
	out := flags[:0:0]
	for _, f := range flags {
		if f != "-cover" && !strings.HasPrefix(f, "-covermode=") {
			out = append(out, f)
		}
	}
	return out
}

// hasPattern reports whether a -gcflags style value starts with "pattern=".
func hasPattern(v string) bool {
	i := strings.Index(v, "=")
	return i > 0 && !strings.HasPrefix(v, "-")
}
