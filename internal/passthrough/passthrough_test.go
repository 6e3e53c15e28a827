package passthrough

import (
	"runtime"
	"testing"
)

func TestPasses(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the invocations below name tools by Unix paths")
	}
	const tools = "/usr/local/go/pkg/tool/linux_amd64/"
	for _, tc := range []struct {
		args []string
		want bool
	}{
		// Every tool but the compiler and the linker.
		{[]string{tools + "asm", "-p", "runtime", "-gensymabis", "-o", "symabis", "asm.s"}, true},
		{[]string{tools + "asm", "-V=full"}, true},
		{[]string{tools + "cgo", "-objdir", "x", "-importpath", "net", "cgo_unix.go"}, true},
		{[]string{tools + "buildid", "-w", "x.a"}, true},
		{[]string{tools + "vet", "cfg.json"}, true},
		// A C compiler asked for its version, named as $CC names it.
		{[]string{"gcc", "-###", "-x", "c", "-c", "-"}, true},
		// The standard library's compiles, but for net/http.
		{[]string{tools + "compile", "-o", "x.a", "-trimpath", "$WORK/b001=>", "-p", "fmt", "-std", "-complete", "-pack", "print.go"}, true},
		{[]string{tools + "compile", "-o", "x.a", "-p=strings", "-std", "strings.go"}, true},
		{[]string{tools + "compile", "-o", "x.a", "-p", "net/http", "-std", "client.go"}, false},
		{[]string{tools + "compile", "-o", "x.a", "-p=net/http", "-std", "client.go"}, false},
		// Other compiles, and the question of the compiler's version.
		{[]string{tools + "compile", "-o", "x.a", "-p", "main", "-importcfg", "cfg", "main.go"}, false},
		{[]string{tools + "compile", "-o", "x.a", "-p", "example.com/std", "main.go"}, false},
		{[]string{tools + "compile", "-V=full"}, false},
		{[]string{tools + "compile", "-std", "-p", "fmt", "-V=full"}, false},
		// A value that looks like a flag is a value.
		{[]string{tools + "compile", "-o", "-std", "-p", "fmt", "print.go"}, false},
		{[]string{tools + "compile", "-std", "-p"}, false},
		{[]string{tools + "link", "-o", "a.out", "-importcfg", "cfg", "main.a"}, false},
		{nil, false},
		{[]string{"compile"}, false},
	} {
		if got := Passes(tc.args); got != tc.want {
			t.Errorf("Passes(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

func TestToolName(t *testing.T) {
	for path, want := range map[string]string{
		"/usr/local/go/pkg/tool/linux_amd64/compile": "compile",
		"/x/compile.exe": "compile",
		"compile":        "compile",
		"/x/.exe":        ".exe",
	} {
		if got := ToolName(path); got != want {
			t.Errorf("ToolName(%q) = %q, want %q", path, got, want)
		}
	}
}
