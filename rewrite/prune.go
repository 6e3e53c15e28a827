// Leaving out the parts of adapter files a package does not use.

package rewrite

import (
	"go/token"

	"github.com/dave/dst"
)

// prune removes from the adapter files injected into one package the
// functions and types that none of roots (the adapters its rewritten calls
// name) reaches, then the imports that nothing left uses. An adapter file
// holds every adapter of its integration; a package that calls one of them
// should not make the compiler compile, nor its build import, the others.
//
// Variables, constants and init functions are kept, with all they reach:
// an adapter file may register something when the program starts, or
// assert at compile time that the SDK has what the file needs
// (var _ = sdk.X), and such a guard must fail where it failed before, so
// that the rule's fallback adapter is tried. A type keeps its methods,
// which may satisfy an interface. References are resolved by name alone,
// which can only keep too much: the names adapter files declare begin with
// llminstr, and no two files of one package declare the same one.
func prune(files []*dst.File, roots map[string]bool) {
	declares := map[string][]dst.Node{} // a name -> its declaration and methods
	var always []dst.Node
	for _, f := range files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *dst.FuncDecl:
				if name := funcOwner(d); name == "" {
					always = append(always, d)
				} else {
					declares[name] = append(declares[name], d)
				}
			case *dst.GenDecl:
				switch d.Tok {
				case token.TYPE:
					for _, s := range d.Specs {
						ts := s.(*dst.TypeSpec)
						declares[ts.Name.Name] = append(declares[ts.Name.Name], ts)
					}
				case token.VAR, token.CONST:
					always = append(always, d)
				}
			}
		}
	}

	reached := map[string]bool{}
	var work []string
	reach := func(name string) {
		if !reached[name] {
			reached[name] = true
			work = append(work, name)
		}
	}
	visit := func(n dst.Node) {
		dst.Inspect(n, func(n dst.Node) bool {
			if id, ok := n.(*dst.Ident); ok {
				reach(id.Name)
			}
			return true
		})
	}
	for _, n := range always {
		visit(n)
	}
	for name := range roots {
		reach(name)
	}
	for len(work) > 0 {
		name := work[len(work)-1]
		work = work[:len(work)-1]
		for _, n := range declares[name] {
			visit(n)
		}
	}

	for _, f := range files {
		var decls []dst.Decl
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *dst.FuncDecl:
				if name := funcOwner(d); name != "" && !reached[name] {
					continue
				}
			case *dst.GenDecl:
				if d.Tok == token.TYPE {
					specs := d.Specs[:0]
					for _, s := range d.Specs {
						if reached[s.(*dst.TypeSpec).Name.Name] {
							specs = append(specs, s)
						}
					}
					if d.Specs = specs; len(specs) == 0 {
						continue
					}
				}
			}
			decls = append(decls, d)
		}
		f.Decls = decls
		pruneImports(f)
	}
}

// pruneImports removes the named imports of f whose name f no longer uses.
// An import without a name is kept: its package's name is not known here
// (adapter files name their imports, to stay clear of the package's own
// names).
func pruneImports(f *dst.File) {
	used := map[string]bool{}
	for _, d := range f.Decls {
		if g, ok := d.(*dst.GenDecl); ok && g.Tok == token.IMPORT {
			continue
		}
		dst.Inspect(d, func(n dst.Node) bool {
			if id, ok := n.(*dst.Ident); ok {
				used[id.Name] = true
			}
			return true
		})
	}
	needed := func(spec *dst.ImportSpec) bool {
		return spec.Name == nil || spec.Name.Name == "_" || spec.Name.Name == "." || used[spec.Name.Name]
	}
	var decls []dst.Decl
	for _, d := range f.Decls {
		if g, ok := d.(*dst.GenDecl); ok && g.Tok == token.IMPORT {
			specs := g.Specs[:0]
			for _, s := range g.Specs {
				if needed(s.(*dst.ImportSpec)) {
					specs = append(specs, s)
				}
			}
			if g.Specs = specs; len(specs) == 0 {
				continue
			}
		}
		decls = append(decls, d)
	}
	f.Decls = decls
	imports := f.Imports[:0]
	for _, spec := range f.Imports {
		if needed(spec) {
			imports = append(imports, spec)
		}
	}
	f.Imports = imports
}

// funcOwner returns the name whose being reached keeps the function: its
// own, or its receiver type's for a method; "" for an init function, which
// is always kept.
func funcOwner(d *dst.FuncDecl) string {
	switch {
	case d.Recv != nil && len(d.Recv.List) > 0:
		return receiverTypeName(d.Recv.List[0].Type)
	case d.Name.Name == "init":
		return ""
	}
	return d.Name.Name
}

// receiverTypeName returns the name of a method's receiver type: T for
// T, *T, T[P] and *T[P, Q].
func receiverTypeName(expr dst.Expr) string {
	for {
		switch e := expr.(type) {
		case *dst.StarExpr:
			expr = e.X
		case *dst.IndexExpr:
			expr = e.X
		case *dst.IndexListExpr:
			expr = e.X
		case *dst.ParenExpr:
			expr = e.X
		case *dst.Ident:
			return e.Name
		default:
			return ""
		}
	}
}
