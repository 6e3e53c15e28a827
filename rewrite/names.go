// Telling, from the syntax alone, the packages that cannot call a target.

package rewrite

import (
	"bytes"
	"go/ast"
	"go/token"
	"strconv"

	"github.com/llminstr/llminstr/rules"
)

// namesTarget reports whether the parsed files may refer to a rule's
// target, and so need the type check that finds out. mayMatch, before
// parsing, looks for a target's name anywhere in the text; a common name
// ("New") is in most files, mostly as a function of another package
// (openai.New() of a program's own provider package). Here a name counts
// unless it is certainly such a qualified reference: pkg.Name where pkg is
// declared neither at the package level nor anywhere in the file (every
// use of it is a qualifier), so that it names an import, and where no
// import of the file that might be that one declares a function target of
// that name.
//
// The directives of KindDirective rules and the packages of user-defined
// rules count as in mayMatch.
func namesTarget(cfg *Config, files []*sourceFile) bool {
	names := map[string]bool{}            // targets' names
	funcs := map[string]map[string]bool{} // package-level function targets: name -> packages
	for _, r := range cfg.Rules {
		switch r.Kind {
		case rules.KindMainPrologue:
			continue
		case rules.KindDirective:
			for _, f := range files {
				if bytes.Contains(f.src, []byte("//"+r.Directive)) {
					return true
				}
			}
			continue
		}
		if r.Extract != nil && len(r.Packages) > 0 {
			for _, f := range files {
				for _, spec := range f.ast.Imports {
					if p, _ := strconv.Unquote(spec.Path.Value); p == r.Packages[0] {
						return true
					}
				}
			}
		}
		names[r.Name] = true
		if r.Receiver == "" {
			if funcs[r.Name] == nil {
				funcs[r.Name] = map[string]bool{}
			}
			for _, p := range r.Packages {
				funcs[r.Name][p] = true
			}
		}
	}

	pkgLevel := map[string]bool{}
	for _, f := range files {
		for _, d := range f.ast.Decls {
			for _, name := range declNames(d) {
				pkgLevel[name] = true
			}
		}
	}
	for _, f := range files {
		if namesTargetIn(f.ast, names, funcs, pkgLevel) {
			return true
		}
	}
	return false
}

func namesTargetIn(f *ast.File, names map[string]bool, funcs map[string]map[string]bool, pkgLevel map[string]bool) bool {
	for _, spec := range f.Imports {
		if spec.Name != nil && spec.Name.Name == "." {
			return true // its names are not qualified
		}
	}
	// Where each identifier is used as a qualifier (the X of a selector),
	// and how often it occurs at all.
	asQualifier, occurrences := map[string]int{}, map[string]int{}
	var candidates []*ast.SelectorExpr
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			continue
		}
		ast.Inspect(d, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				if x, ok := n.X.(*ast.Ident); ok {
					asQualifier[x.Name]++
					if names[n.Sel.Name] {
						candidates = append(candidates, n)
					}
				}
			case *ast.Ident:
				occurrences[n.Name]++
			}
			return true
		})
	}
	excused := map[*ast.Ident]bool{}
	for _, sel := range candidates {
		x := sel.X.(*ast.Ident)
		if pkgLevel[x.Name] || asQualifier[x.Name] != occurrences[x.Name] {
			continue // x may be a variable
		}
		if mayImportFunc(f, x.Name, funcs[sel.Sel.Name]) {
			continue
		}
		excused[sel.Sel] = true
	}
	named := false
	ast.Inspect(f, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && names[id.Name] && !excused[id] {
			named = true
		}
		return !named
	})
	return named
}

// mayImportFunc reports whether the qualifier name may denote, in f, one
// of pkgs: an import of one of them under that name, or without a name
// (its package's name is not in the syntax).
func mayImportFunc(f *ast.File, name string, pkgs map[string]bool) bool {
	for _, spec := range f.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil || !pkgs[p] {
			continue
		}
		if spec.Name == nil || spec.Name.Name == name {
			return true
		}
	}
	return false
}
