package toolexec

import (
	"strings"
	"testing"

	"github.com/llminstr/llminstr/rules"
)

func TestIsStd(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"fmt", true},
		{"net/http", true},
		{"unsafe", true},
		{"internal/abi", true},
		{"vendor/golang.org/x/net/http2/hpack", true},
		{"app", false},
		{"app/internal/llm", false},
		{"chatapp/llm", false},
		{"example.com/chatapp/llm", false},
		{"github.com/openai/openai-go/v3", false},
		{"net/notapackage", false},
	} {
		if got := isStd(tc.path); got != tc.want {
			t.Errorf("isStd(%q) = %v, want %v", tc.path, got, tc.want)
		}
	}
}

// The go command's ways of saying the runtime module is missing, as Go 1.24
// to 1.26 print them, and failures that are something else.
func TestMissingRuntime(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want bool
	}{
		{"module github.com/llminstr/llminstr/runtime provides package github.com/llminstr/llminstr/runtime and is replaced but not required; to add it:\n\tgo get github.com/llminstr/llminstr/runtime", true},
		{"no required module provides package github.com/llminstr/llminstr/runtime; to add it:\n\tgo get github.com/llminstr/llminstr/runtime", true},
		{"cannot find module providing package github.com/llminstr/llminstr/runtime: import lookup disabled by -mod=vendor", true},
		{"missing go.sum entry for module providing package github.com/llminstr/llminstr/runtime; to add:", true},
		{"package github.com/llminstr/llminstr/runtime is not in std (/usr/local/go/src/github.com/llminstr/llminstr/runtime)", true},
		{"go: inconsistent vendoring in /app:\n\tgithub.com/llminstr/llminstr/runtime@v0.1.0: is explicitly required in go.mod, but not marked as explicit in vendor/modules.txt", true},
		{"github.com/llminstr/llminstr/runtime: cannot compile Go 1.24 code", false},
		{"../runtime/call.go:12:2: syntax error: unexpected }", false},
		{"no required module provides package github.com/other/pkg", false},
	} {
		if got := missingRuntime(tc.msg); got != tc.want {
			t.Errorf("missingRuntime(%q) = %v, want %v", tc.msg, got, tc.want)
		}
	}
}

// TestMissingSums checks that go list's word that a module the runtime
// imports has no go.sum entry is not taken for an old runtime, and that
// the error says what is missing.
func TestMissingSums(t *testing.T) {
	sums := "missing go.sum entry for module providing package go.opentelemetry.io/otel/attribute (imported by " + rules.InjectedPackage + "); to add:"
	old := "module " + rules.RuntimePackage + "@v0.1.0 found, but does not contain package " + rules.InjectedPackage
	if namesInjectedMissing(sums) {
		t.Errorf("namesInjectedMissing(%q) = true; the runtime's package is there", sums)
	}
	if !namesInjectedMissing(old) {
		t.Errorf("namesInjectedMissing(%q) = false", old)
	}
	if !missingRuntime(sums) {
		t.Errorf("missingRuntime(%q) = false", sums)
	}
	msg := (&missingRuntimeError{detail: sums}).Error()
	if !strings.Contains(msg, "go.sum lacks entries") || !strings.Contains(msg, `Fix: run "llminstr init"`) {
		t.Errorf("error for missing sums:\n%s", msg)
	}
}
