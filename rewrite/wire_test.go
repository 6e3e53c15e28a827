package rewrite

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/llminstr/llminstr/runtime/injected"
)

func TestIsWirePath(t *testing.T) {
	for v, want := range map[string]bool{
		"/v1/chat/completions":                    true,
		"chat/completions":                        true,
		"%s/chat/completions":                     true,
		"https://api.openai.com/v1/embeddings":    true,
		"/v1/messages?beta=true":                  true,
		"v1/messages":                             true,
		"models/%s:generateContent":               true,
		"/api/chat":                               true,
		"api/generate":                            true,
		"/model/{modelId}/converse":               true,
		"%s/model/%s/invoke-with-response-stream": true,
		// Too common alone, or not a path of these APIs.
		"completions":     false,
		"generateContent": false,
		"/api/chats":      false,
		"messages":        false,
		"chat":            false,
		"/v1/traces":      false,
		"/invoke":         false,
		"/2015-03-31/functions/{FunctionName}/invoke": false,
		"/converse": false,
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
			found = found || f == wireFragment{s.Suffix, s.Segment}
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
	if got := WireLiteral("example.com/c", []string{comment}); got != "" {
		t.Errorf("a comment counts: %s", got)
	}
	if got := WireLiteral("example.com/c", []string{comment, literal}); got != literal+":3:14" {
		t.Errorf("wireLiteral = %q, want %s:3:14", got, literal)
	}
	if got := WireLiteral("go.opentelemetry.io/x", []string{literal}); got != "" {
		t.Errorf("a dependency of the runtime counts: %s", got)
	}
}
