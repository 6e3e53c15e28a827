package toolexec

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/runtime/injected"
)

func TestIsWirePath(t *testing.T) {
	for v, want := range map[string]bool{
		"/v1/chat/completions":                 true,
		"chat/completions":                     true,
		"%s/chat/completions":                  true,
		"https://api.openai.com/v1/embeddings": true,
		"/v1/messages?beta=true":               true,
		"v1/messages":                          true,
		"models/%s:generateContent":            true,
		"/api/chat":                            true,
		"api/generate":                         true,
		// Too common alone, or not a path of these APIs.
		"completions":     false,
		"generateContent": false,
		"/api/chats":      false,
		"messages":        false,
		"chat":            false,
		"/v1/traces":      false,
	} {
		if got := isWirePath(v); got != want {
			t.Errorf("isWirePath(%q) = %v, want %v", v, got, want)
		}
	}
}

// TestWireFragmentsCoverShapes: a package that builds the path of any API
// the runtime traces at the wire is found at build time.
func TestWireFragmentsCoverShapes(t *testing.T) {
	for _, s := range injected.WireShapes() {
		found := false
		for _, f := range wireFragments {
			found = found || f == s.Suffix
		}
		if !found {
			t.Errorf("the runtime traces %s, which no build-time fragment finds", s.Suffix)
		}
	}
}

func TestWireLiteral(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(src), 0o666)
		return path
	}
	comment := write("comment.go", "package c\n\n// POST /v1/chat/completions\nvar x = 1\n")
	literal := write("literal.go", "package c\n\nconst path = `/v1/messages`\n\nvar u = base + \"/chat/completions\"\n")
	if got := wireLiteral("example.com/c", []string{comment}); got != "" {
		t.Errorf("a comment counts: %s", got)
	}
	if got := wireLiteral("example.com/c", []string{comment, literal}); got != literal+":3:14" {
		t.Errorf("wireLiteral = %q, want %s:3:14", got, literal)
	}
	if got := wireLiteral("go.opentelemetry.io/x", []string{literal}); got != "" {
		t.Errorf("a dependency of the runtime counts: %s", got)
	}
}

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
