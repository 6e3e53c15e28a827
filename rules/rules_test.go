package rules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// TestAdapterFilesStayClearOfHostNames checks the contract that lets an
// adapter file be injected into any package: every top-level name and every
// import name starts with "llminstr", and no two adapter files declare the
// same name.
func TestAdapterFilesStayClearOfHostNames(t *testing.T) {
	// Files injected together must not declare the same name.
	together := map[[2]string]bool{}
	files := map[string]bool{}
	for _, r := range All() {
		for _, a := range r.Alternatives() {
			for _, f := range a.Files() {
				files[f] = true
				for _, g := range a.Files() {
					together[[2]string{f, g}] = true
				}
			}
		}
	}
	declaredIn := map[string][]string{}
	for name := range files {
		src, err := AdapterSource(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(token.NewFileSet(), name, src, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			if imp.Name == nil || !strings.HasPrefix(imp.Name.Name, "llminstr") {
				t.Errorf("%s: import %s must be named llminstr...", name, imp.Path.Value)
			}
		}
		check := func(id *ast.Ident) {
			if !strings.HasPrefix(id.Name, "llminstr") {
				t.Errorf("%s: top-level name %s must start with llminstr", name, id.Name)
			}
			for _, other := range declaredIn[id.Name] {
				if other != name && together[[2]string{name, other}] {
					t.Errorf("%s and %s are injected together and both declare %s", name, other, id.Name)
				}
			}
			declaredIn[id.Name] = append(declaredIn[id.Name], name)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				// init functions declare no name: a package may have many.
				if d.Recv == nil && d.Name.Name != "init" {
					check(d.Name)
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					switch s := s.(type) {
					case *ast.TypeSpec:
						check(s.Name)
					case *ast.ValueSpec:
						for _, n := range s.Names {
							check(n)
						}
					}
				}
			}
		}
	}
}

func TestRulesAreWellFormed(t *testing.T) {
	ids := map[string]bool{}
	for _, r := range All() {
		if ids[r.ID] {
			t.Errorf("duplicate rule id %s", r.ID)
		}
		ids[r.ID] = true
		if r.Adapter == "" || r.AdapterFile == "" || r.Integration == "" {
			t.Errorf("%s: missing adapter or integration", r.ID)
		}
		if r.Kind == KindCall && (len(r.Packages) == 0 || r.Name == "") {
			t.Errorf("%s: a call rule needs Packages and Name", r.ID)
		}
		for _, p := range r.Packages {
			if r.Module != "" && !strings.HasPrefix(r.Packages[0], r.Module) {
				t.Errorf("%s: package %s is not under module %s", r.ID, p, r.Module)
			}
		}
	}
}

// TestLoadReportsFileAndLine: a malformed declaration names its file and
// line, and says what is wrong.
func TestLoadReportsFileAndLine(t *testing.T) {
	adapter := []byte("package x\n\nfunc llminstrX(call func(), ctx any) {}\n")
	for _, tc := range []struct {
		name, decl, want string
	}{
		{"unknown key", "integration: x\nfiles: [x.go]\nrulez: []\n", "rules/x/rules.yaml:3: field rulez not found"},
		{"unknown rule key", "integration: x\nfiles: [x.go]\nrules:\n  - id: x.y\n    call: a.F\n    adaptor: llminstrX\n", "rules/x/rules.yaml:6: field adaptor not found in a rule"},
		{"syntax", "integration: [x\n", "rules/x/rules.yaml:1: "},
		{"no files", "integration: x\n", "rules/x/rules.yaml:1: a declaration needs integration and files"},
		{"missing file", "integration: x\nfiles: [y.go]\n", "file y.go"},
		{"two targets", "integration: x\nfiles: [x.go]\nrules:\n  - id: x.y\n    call: a.F\n    main: true\n    adapter: llminstrX\n", "rules/x/rules.yaml:4: rule x.y needs exactly one of call, receiver, directive, main"},
		{"bad target", "integration: x\nfiles: [x.go]\nrules:\n  - id: x.y\n    call: example.com/a\n    adapter: llminstrX\n", "rules/x/rules.yaml:4: rule x.y: \"example.com/a\" is not in the form"},
		{"receiver without method", "integration: x\nfiles: [x.go]\nrules:\n  - id: x.y\n    receiver: example.com/a.F\n    adapter: llminstrX\n", "rules/x/rules.yaml:4: rule x.y: a receiver rule names a method"},
		{"outside module", "integration: x\nmodule: example.com/a\nfiles: [x.go]\nrules:\n  - id: x.y\n    call: example.com/ab.F\n    adapter: llminstrX\n", "rules/x/rules.yaml:5: rule x.y: example.com/ab is not in the module example.com/a"},
		{"undeclared adapter", "integration: x\nfiles: [x.go]\nrules:\n  - id: x.y\n    call: a.F\n    adapter: llminstrY\n", "rules/x/rules.yaml:4: rule x.y: none of x.go declares llminstrY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"x/rules.yaml": {Data: []byte(tc.decl)}, "x/x.go": {Data: adapter}}
			_, err := Load(fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
	// And a good one: targets in go/types form, majors, variants.
	fsys := fstest.MapFS{
		"x/rules.yaml": {Data: []byte("integration: x\nprovider: p\nmodule: example.com/a/v2\nmajors: [example.com/a]\nfiles: [x.go]\n" +
			"variants:\n  - files: [new.go]\n  - files: [old.go]\n    tags: [old]\n" +
			"rules:\n  - id: x.m\n    call: example.com/a/v2/sub.(*T).M\n    operation: chat\n    adapter: llminstrX\n" +
			"  - id: x.f\n    receiver: example.com/a/v2.(S).F\n    adapter: llminstrX\n")},
		"x/x.go": {Data: adapter}, "x/new.go": {Data: []byte("package x\n")}, "x/old.go": {Data: []byte("package x\n")},
	}
	rs, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{{
		ID: "x.m", Integration: "x", Provider: "p", Operation: "chat", Kind: KindCall,
		Packages: []string{"example.com/a/v2/sub", "example.com/a/sub"}, Module: "example.com/a/v2", Receiver: "T", Name: "M",
		Adapter: "llminstrX", AdapterFile: "x/x.go", AdapterWith: []string{"x/new.go"},
		Fallbacks: []AdapterRef{{Func: "llminstrX", File: "x/x.go", With: []string{"x/old.go"}}},
	}, {
		ID: "x.f", Integration: "x", Provider: "p", Kind: KindReceiverCall,
		Packages: []string{"example.com/a/v2", "example.com/a"}, Module: "example.com/a/v2", Receiver: "S", Name: "F",
		Adapter: "llminstrX", AdapterFile: "x/x.go", AdapterWith: []string{"x/new.go"},
		Fallbacks: []AdapterRef{{Func: "llminstrX", File: "x/x.go", With: []string{"x/old.go"}}},
	}}
	if !reflect.DeepEqual(rs, want) {
		t.Errorf("got  %#v\nwant %#v", rs, want)
	}
}

// TestVariantTagsAreNamedAlike: the build tags that select a variant are
// llminstr_<directory>_<variant>, and each variant of a directory has its
// own.
func TestVariantTagsAreNamedAlike(t *testing.T) {
	for dir, variants := range Variants() {
		seen := map[string]bool{}
		for _, tags := range variants {
			for _, tag := range tags {
				prefix := "llminstr_" + strings.ReplaceAll(dir, "-", "_") + "_"
				if !strings.HasPrefix(tag, prefix) || len(tag) == len(prefix) {
					t.Errorf("%s: variant tag %q is not %s<variant>", dir, tag, prefix)
				}
				if seen[tag] {
					t.Errorf("%s: tag %q selects two variants", dir, tag)
				}
				seen[tag] = true
			}
		}
	}
}

func TestIsSDKImplementation(t *testing.T) {
	user := Rule{ID: "mine", Integration: UserIntegration, Packages: []string{"example.com/app/llm"}}
	rs := append(All(), user)
	for _, tc := range []struct {
		path  string
		files []string
		want  bool
	}{
		// Packages that declare built-in rules' targets.
		{"github.com/openai/openai-go/v3", nil, true},
		{"github.com/openai/openai-go/v3/responses", nil, true},
		{"github.com/anthropics/anthropic-sdk-go", nil, true},
		{"github.com/sashabaranov/go-openai", nil, true},
		// Their external tests, and the SDKs' other packages.
		{"github.com/openai/openai-go/v3_test", nil, false},
		{"github.com/openai/openai-go/v3/option", nil, false},
		// The runtime's own targets, and a user's rules.
		{"os", nil, false},
		{"log", nil, false},
		{"example.com/app/llm", nil, false},
		// A package compiled with its tests.
		{"github.com/openai/openai-go/v3", []string{"client.go", "client_test.go"}, false},
	} {
		if got := IsSDKImplementation(rs, tc.path, tc.files); got != tc.want {
			t.Errorf("IsSDKImplementation(%q, %q) = %v, want %v", tc.path, tc.files, got, tc.want)
		}
	}

	// SDKImplementationPackages lists the same packages, each once.
	var want []string
	for _, p := range SDKPackages(rs) {
		if IsSDKImplementation(rs, p, []string{"client.go"}) {
			want = append(want, p)
		}
	}
	if got := SDKImplementationPackages(rs); !slices.Equal(got, want) {
		t.Errorf("SDKImplementationPackages = %q,\nwant %q", got, want)
	}
}
