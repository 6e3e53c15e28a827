package toolexec

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestRequirementLines: the fingerprint changes with the versions of the
// runtime and OpenTelemetry a module requires and with the content of a
// local runtime, not with how go.mod writes them.
func TestRequirementLines(t *testing.T) {
	dir := t.TempDir()
	rt := filepath.Join(dir, "runtime")
	if err := os.MkdirAll(rt, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rt, "runtime.go"), []byte("package runtime\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	lines := func(gomod string) []string {
		return requirementLines(filepath.Join(dir, "app", "go.mod"), []byte(gomod))
	}
	base := lines(`module example.com/app

go 1.24

require (
	github.com/llminstr/llminstr/runtime v0.0.0-00010101000000-000000000000
	github.com/openai/openai-go/v3 v3.96.0
)

require (
	go.opentelemetry.io/otel v1.38.0 // indirect
	go.opentelemetry.io/otel/trace v1.38.0 // indirect
)

replace github.com/llminstr/llminstr/runtime => ../runtime
`)
	want := []string{
		"github.com/llminstr/llminstr/runtime => local " + hashGoFiles(rt),
		"github.com/llminstr/llminstr/runtime v0.0.0-00010101000000-000000000000",
		"go.opentelemetry.io/otel v1.38.0",
		"go.opentelemetry.io/otel/trace v1.38.0",
	}
	if !slices.Equal(base, want) {
		t.Fatalf("requirementLines = %q,\nwant %q", base, want)
	}

	for _, tc := range []struct {
		name  string
		gomod string
		same  bool
	}{
		{"direct, one block, other order", `module example.com/app

require (
	go.opentelemetry.io/otel/trace v1.38.0
	github.com/openai/openai-go/v3 v3.97.0
	go.opentelemetry.io/otel v1.38.0
	github.com/llminstr/llminstr/runtime v0.0.0-00010101000000-000000000000 // a comment
)

replace (
	github.com/llminstr/llminstr/runtime => ../runtime
)
`, true},
		{"single lines", `module example.com/app
require github.com/llminstr/llminstr/runtime v0.0.0-00010101000000-000000000000
require go.opentelemetry.io/otel v1.38.0
require go.opentelemetry.io/otel/trace v1.38.0
replace github.com/llminstr/llminstr/runtime => ` + rt + `
`, true},
		{"another OpenTelemetry version", `module example.com/app
require github.com/llminstr/llminstr/runtime v0.0.0-00010101000000-000000000000
require go.opentelemetry.io/otel v1.39.0
require go.opentelemetry.io/otel/trace v1.38.0
replace github.com/llminstr/llminstr/runtime => ../runtime
`, false},
		{"the runtime from the proxy", `module example.com/app
require github.com/llminstr/llminstr/runtime v0.0.0-00010101000000-000000000000
require go.opentelemetry.io/otel v1.38.0
require go.opentelemetry.io/otel/trace v1.38.0
`, false},
	} {
		if got := lines(tc.gomod); slices.Equal(got, base) != tc.same {
			t.Errorf("%s: requirementLines = %q; the same as the first go.mod's: %v, want %v", tc.name, got, !tc.same, tc.same)
		}
	}

	// Another runtime in the same place.
	if err := os.WriteFile(filepath.Join(rt, "runtime.go"), []byte("package runtime\n\nconst APILevel = 1\n"), 0o666); err != nil {
		t.Fatal(err)
	}
	if got := lines("require github.com/llminstr/llminstr/runtime v0.0.0-00010101000000-000000000000\nreplace github.com/llminstr/llminstr/runtime => ../runtime\n"); slices.Contains(got, want[0]) {
		t.Errorf("a changed local runtime gives the same line %q", want[0])
	}
}
