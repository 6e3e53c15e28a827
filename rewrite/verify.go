// Type-checking the result, and blaming what does not type-check on the
// call sites that caused it.

package rewrite

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"slices"
	"strings"
)

// verify type-checks the package as it will be compiled. The files the
// rewrite left as they were type-checked already, and what it adds cannot
// change what their function bodies mean (the names it declares are
// reserved, see collisions): they are checked for their declarations only,
// which is most of what a check of a large package costs.
func verify(cfg *Config, fset *token.FileSet, imp types.Importer, out, gen []File, orig []*sourceFile) error {
	replaced := map[string][]byte{}
	for _, f := range out {
		replaced[f.Path] = f.Content
	}
	var asts []*ast.File
	declsOnly := map[*token.File]bool{}
	for _, f := range orig {
		src, ok := replaced[f.path]
		if !ok {
			asts = append(asts, declarationsOnly(f.ast))
			declsOnly[fset.File(f.ast.Pos())] = true
			continue
		}
		af, err := parser.ParseFile(fset, f.abs, src, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		asts = append(asts, af)
	}
	for _, g := range gen {
		af, err := parser.ParseFile(fset, g.Path, g.Content, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		asts = append(asts, af)
	}
	// An import only the dropped bodies used is unused now.
	unusedImport := func(err types.Error) bool {
		return err.Soft && declsOnly[fset.File(err.Pos)] && strings.Contains(err.Msg, "imported") && strings.HasSuffix(err.Msg, "not used")
	}
	_, err := check(fset, cfg, imp, asts, nil, unusedImport)
	return err
}

// declarationsOnly returns a copy of f whose functions have no bodies, but
// for those go/types requires one of: generic functions keep theirs, init
// gets an empty one. The copy shares f's nodes.
func declarationsOnly(f *ast.File) *ast.File {
	out := *f
	out.Decls = slices.Clone(f.Decls)
	for i, d := range out.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil || fd.Type.TypeParams != nil {
			continue
		}
		stub := *fd
		if fd.Recv == nil && fd.Name.Name == "init" {
			stub.Body = &ast.BlockStmt{Lbrace: fd.Body.Lbrace, Rbrace: fd.Body.Rbrace}
		} else {
			stub.Body = nil
		}
		out.Decls[i] = &stub
	}
	return &out
}

// blame marks as skipped the sites a type error points at. An error inside
// an adapter file skips every site that needs that adapter; an error inside
// a user file skips the sites whose call contains it, or, failing that,
// every site in that file.
func blame(cfg *Config, res *Result, active []*match, fset *token.FileSet, genNames map[string]string, checkErr error) {
	var errs []error
	if u, ok := checkErr.(interface{ Unwrap() []error }); ok {
		errs = u.Unwrap()
	} else {
		errs = []error{checkErr}
	}
	skip := func(m *match, reason string) {
		s := &res.Sites[m.site]
		if s.Status == Skipped {
			return
		}
		reason = atTheWire(cfg, m.rule, oneLine(reason))
		s.Status, s.Reason = Skipped, reason
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s:%d: call to %s left uninstrumented: %s", s.Pos.Filename, s.Pos.Line, m.rule.ID, reason))
	}
	blamed := false
	lines := map[string]bool{} // lines already blamed in this round
	moved := map[string]bool{} // adapter files already given up in this round
	for _, e := range errs {
		te, ok := e.(types.Error)
		if !ok {
			continue
		}
		pos := te.Fset.Position(te.Pos)
		if adapter, ok := genNames[filepath.Base(pos.Filename)]; ok {
			if moved[adapter] {
				continue
			}
			moved[adapter] = true
			for _, m := range active {
				alts := m.rule.Alternatives()
				if !slices.Contains(alts[m.alt].Files(), adapter) {
					continue
				}
				blamed = true
				if m.alt+1 < len(alts) {
					m.alt++ // try the adapter for other SDK versions
					continue
				}
				skip(m, "adapter does not type-check against this SDK version: "+te.Msg)
			}
			continue
		}
		// Skip one site per line, the outermost call on the error's line:
		// an inner call that is fine on its own is retried without it.
		lineKey := fmt.Sprintf("%s:%d", pos.Filename, pos.Line)
		if lines[lineKey] {
			continue
		}
		lines[lineKey] = true
		var inFile []*match
		var outer *match
		for _, m := range active {
			start, end := fset.Position(m.pos), fset.Position(m.end)
			if start.Filename != pos.Filename || res.Sites[m.site].Status == Skipped {
				continue
			}
			inFile = append(inFile, m)
			if pos.Line >= start.Line && pos.Line <= end.Line && (outer == nil || m.pos < outer.pos) {
				outer = m
			}
		}
		switch {
		case outer != nil:
			skip(outer, "rewritten call does not type-check: "+te.Msg)
			blamed = true
		case !blamed:
			for _, m := range inFile {
				skip(m, "rewritten file does not type-check: "+te.Msg)
				blamed = true
			}
		}
	}
	if !blamed {
		for _, m := range active {
			skip(m, "rewritten package does not type-check: "+checkErr.Error())
		}
	}
}

// oneLine joins the lines of a type checker's message ("x redeclared in
// this block\n\tother declaration of x") into one, for a report's row.
func oneLine(msg string) string {
	lines := strings.Split(msg, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Join(slices.DeleteFunc(lines, func(l string) bool { return l == "" }), "; ")
}
