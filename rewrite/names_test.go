package rewrite_test

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/llminstr/llminstr/rewrite"
	"github.com/llminstr/llminstr/rules"
)

// TestTypeCheckOnlyWhereATargetMayBeNamed rewrites packages with the
// built-in rules and an importer that has no export data at all: a package
// that needs the type check fails with ErrNotTypeChecked, one that does not
// is rewritten from its syntax (a main package gets its prologue) or left
// alone. A name of a target ("New", "Exit") only spares the check where it
// certainly qualifies another package's function.
func TestTypeCheckOnlyWhereATargetMayBeNamed(t *testing.T) {
	const imports = "import (\n\t\"example.com/app/provider\"\n\t\"os\"\n)\n\nvar _ = os.Args\n\n"
	tests := []struct {
		name    string
		pkg     string
		src     string
		checked bool
	}{
		{"another package's New", "main", imports + "func main() { provider.New() }\n", false},
		{"another package's New, in a library", "lib", imports + "func F() { provider.New() }\n", false},
		{"no target named", "main", imports + "func main() { provider.Run() }\n", false},
		{"in a comment or string only", "main", imports + "// New client.\nfunc main() { provider.Run(\"New\") }\n", false},
		{"a method call", "main", imports + "func main() { c := provider.Client(); c.Chat.Completions.New(nil, nil) }\n", true},
		{"a local variable named like the import", "main", imports + "func main() { provider := provider.Client(); provider.New() }\n", true},
		{"a parameter", "main", imports + "func main() {}\nfunc f(p *provider.T) { p.New() }\n", true},
		{"a package-level variable", "main", imports + "var client = provider.Client()\n\nfunc main() { client.New() }\n", true},
		{"a package-level variable of another file", "main", imports + "func main() { client.New() }\n", true},
		{"a function target's package", "main", imports + "func main() { os.Exit(1) }\n", true},
		{"a function target's package, renamed", "main", "import sys \"os\"\n\nfunc main() { sys.Exit(1) }\n", true},
		{"an unnamed import of a function target's package", "main", "import \"os\"\n\nfunc main() { provider.Exit(1) }\n", true},
		{"another package's Exit", "main", "import \"example.com/app/provider\"\n\nfunc main() { provider.Exit(1) }\n", false},
		{"a dot import", "main", "import . \"example.com/app/provider\"\n\nfunc main() { Run() }\n", true},
		{"a method declared", "main", imports + "type T struct{}\n\nfunc (T) New() {}\n\nfunc main() {}\n", true},
		{"a directive", "main", imports + "//llminstr:agent\nfunc run(ctx context.Context) {}\n\nfunc main() {}\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			files := []string{"a.go"}
			write := func(name, src string) {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o666); err != nil {
					t.Fatal(err)
				}
			}
			write("a.go", "package "+tt.pkg+"\n\n"+tt.src)
			if strings.Contains(tt.name, "another file") {
				write("b.go", "package "+tt.pkg+"\n\nvar client = struct{ New func() }{}\n")
				files = append(files, "b.go")
			}
			lookups := 0
			res, err := rewrite.Rewrite(&rewrite.Config{
				ImportPath: "example.com/app/cmd", Dir: dir, Files: files, Main: true, Rules: rules.All(),
				Lookup: func(path string) (io.ReadCloser, error) {
					lookups++
					return nil, fmt.Errorf("no export data for %s", path)
				},
			})
			if checked := errors.Is(err, rewrite.ErrNotTypeChecked); checked != tt.checked {
				t.Fatalf("type-checked: %v (err %v), want %v", checked, err, tt.checked)
			}
			if tt.checked {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if lookups != 0 {
				t.Errorf("%d export data lookups, want none", lookups)
			}
			if tt.pkg != "main" {
				if res.Changed() {
					t.Errorf("a library that names no target was rewritten")
				}
				return
			}
			if !res.Unchecked || len(res.Rewritten) != 1 || !strings.Contains(string(res.Rewritten[0].Content), "func main() { defer llminstrMainShutdown();") {
				t.Errorf("main not given its prologue: unchecked %v, rewritten %q", res.Unchecked, res.Rewritten)
			}
			if len(res.Generated) != 1 || len(res.Imports) == 0 {
				t.Errorf("generated %d files importing %q, want the exit adapter", len(res.Generated), res.Imports)
			}
		})
	}
}
