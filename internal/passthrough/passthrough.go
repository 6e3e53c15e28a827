// Package passthrough tells which tool invocations of a build llminstr
// hands to the tool as they are: those of every tool but the compiler and
// the linker, and the compiles of the standard library, but for net/http
// (which the wire-level fallback may extend). They are most of a build's
// invocations: 283 of the 354 of a clean build of any-llm-go's
// multi-provider example. The llminstr command execs them from an init
// function, before the rest of its packages are initialized (see
// cmd/llminstr/internal/fastpath), and package toolexec asks Passes too, so
// that the two cannot disagree.
//
// On Unix the package imports nothing, so that the fast path's package is
// ready to initialize as soon as os is.
package passthrough

// Passes reports whether args, a toolexec invocation without the program
// name (the tool's path, then its arguments), goes to the tool unchanged.
// The tool may be named by a bare name (a C compiler asked for its
// version), which package toolexec looks up in PATH; the fast path execs
// only tools named by their absolute path.
func Passes(args []string) bool {
	if len(args) == 0 {
		return false
	}
	switch ToolName(args[0]) {
	case "compile":
		return standardCompile(args[1:])
	case "link":
		return false
	}
	return true
}

// standardCompile reports whether the compile flags flags compile a
// standard package other than net/http, and do not ask for the compiler's
// version (whose answer llminstr extends). The flags that take a value are
// read as package toolexec reads them.
func standardCompile(flags []string) bool {
	std, pkg := false, ""
	for i := 0; i < len(flags); i++ {
		switch a := flags[i]; a {
		case "-std":
			std = true
		case "-V", "-V=full":
			return false
		case "-p", "-importcfg", "-o", "-lang":
			if i+1 < len(flags) {
				if a == "-p" {
					pkg = flags[i+1]
				}
				i++
			}
		default:
			if len(a) > 3 && a[:3] == "-p=" {
				pkg = a[3:]
			}
		}
	}
	return std && pkg != "" && pkg != "net/http"
}

// ToolName returns the last element of path, without ".exe": the name of
// the tool a go command's invocation runs ("compile", "link", ...).
func ToolName(path string) string {
	i := len(path) - 1
	for i >= 0 && !isSeparator(path[i]) {
		i--
	}
	name := path[i+1:]
	if n := len(name); n > 4 && name[n-4:] == ".exe" {
		name = name[:n-4]
	}
	return name
}
