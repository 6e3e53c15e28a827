package rules

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
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
				if d.Recv == nil {
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
		src, err := AdapterSource(r.AdapterFile)
		if err != nil || !strings.Contains(string(src), "func "+r.Adapter+"(") && !strings.Contains(string(src), "func "+r.Adapter+"[") {
			t.Errorf("%s: %s does not declare %s (%v)", r.ID, r.AdapterFile, r.Adapter, err)
		}
	}
}
