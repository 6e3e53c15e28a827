package toolexec

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestHookNetHTTP hooks the toolchain's own net/http: send is renamed on
// its line, and the hook file declares the function in its place.
func TestHookNetHTTP(t *testing.T) {
	client := filepath.Join(runtime.GOROOT(), "src", "net", "http", "client.go")
	out := t.TempDir()
	c := compileCommand{
		args:   []string{"compile", "-o", filepath.Join(out, "_pkg_.a"), "-p", "net/http", "-std", client},
		output: filepath.Join(out, "_pkg_.a"),
		pkg:    "net/http",
		files:  []int{6},
	}
	args, err := hookNetHTTP(c)
	if err != nil {
		t.Fatal(err)
	}
	if len(args) != len(c.args)+1 || args[6] == client || !strings.HasSuffix(args[7], "llminstr_wire.go") {
		t.Fatalf("args = %v", args)
	}
	orig, _ := os.ReadFile(client)
	edited, _ := os.ReadFile(args[6])
	origLines, editedLines := strings.Split(string(orig), "\n"), strings.Split(string(edited), "\n")
	if editedLines[0] != "//line "+client+":1" || len(editedLines) != len(origLines)+1 {
		t.Fatalf("edited client.go starts %q, has %d lines for %d", editedLines[0], len(editedLines), len(origLines))
	}
	changed := 0
	for i, l := range origLines {
		if editedLines[i+1] != l {
			changed++
			if !strings.HasPrefix(editedLines[i+1], "func llminstrSend(") {
				t.Errorf("line %d changed: %q", i+1, editedLines[i+1])
			}
		}
	}
	if changed != 1 {
		t.Errorf("%d lines changed, want 1", changed)
	}
}
