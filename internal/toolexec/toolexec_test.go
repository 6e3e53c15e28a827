package toolexec

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestIsToolInvocation(t *testing.T) {
	compile := filepath.Join(t.TempDir(), "compile")
	for _, tc := range []struct {
		args string
		want bool
	}{
		{compile + " -o x.a -p main", true},
		{compile + " -V=full", true},
		// cmd/go's gccToolID, with $CC as the user set it.
		{"gcc -### -x c -c -", true},
		{"clang -### -x c++ -c -", true},
		{"x86_64-linux-gnu-gcc -### -x c -c -", true},
		// llminstr's own commands.
		{"", false},
		{"report", false},
		{"diff ./...", false},
		{"view -addr :0", false},
		{"gcc", false},
	} {
		if got := IsToolInvocation(strings.Fields(tc.args)); got != tc.want {
			t.Errorf("IsToolInvocation(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}

// TestToolPathStartsFast keeps out of this package's dependencies the
// packages that make a binary slow to start. Every tool invocation of a
// build starts llminstr (354 in a clean build of any-llm-go's
// multi-provider example), so a millisecond of start-up is a third of a
// second of CPU per build. net links runtime/cgo where cgo is on, and a
// binary that links it is loaded by the dynamic linker at every start; the
// others initialise tables at start-up. (cmd/llminstr links them for
// llminstr view; see "Where the time goes" in the README.)
func TestToolPathStartsFast(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		switch p {
		case "runtime/cgo", "net", "net/http", "crypto/tls", "html/template":
			t.Errorf("the toolexec path imports %s", p)
		}
	}
}
