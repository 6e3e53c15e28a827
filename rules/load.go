package rules

import (
	"bytes"
	"errors"
	"fmt"
	"go/token"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DeclarationFile is the name of the file, in each integration's
// directory, that declares its rules.
const DeclarationFile = "rules.yaml"

// A declaration is one integration's rules.yaml: the SDK it instruments,
// the adapter files injected for it, and its rules.
//
//	integration: openai                       # the name LLMINSTR_DISABLE takes
//	provider: openai                          # gen_ai.provider.name, for reports
//	module: github.com/openai/openai-go/v3    # the module the adapters import
//	majors: [github.com/openai/openai-go/v2]  # other major versions they serve
//	files: [openai.go]                        # always injected
//	variants:                                 # alternatives, tried in order until one type-checks
//	  - files: [stream_iterator.go]
//	  - files: [stream_decoder.go]
//	    tags: [llminstr_openai_decoder]       # the build tags that select it: llminstr_<directory>_<variant>
//	rules:
//	  - id: openai.chat.completions.new
//	    call: github.com/openai/openai-go/v3.(*ChatCompletionService).New
//	    operation: chat
//	    adapter: llminstrOpenAIChatNew
//
// A rule names its target in go/types form with one of: call (each call is
// rewritten as adapter(x.M, args...)), receiver (adapter(x, args...), for
// methods of objects an earlier call returned), directive (functions whose
// doc comment holds //directive [name]) or main: true (deferred at the top
// of func main).
type declaration struct {
	Integration string      `yaml:"integration"`
	Provider    string      `yaml:"provider"`
	Wire        bool        `yaml:"wire"`
	Module      string      `yaml:"module"`
	Majors      []string    `yaml:"majors"`
	Files       []string    `yaml:"files"`
	Variants    []variant   `yaml:"variants"`
	Rules       []ruleEntry `yaml:"rules"`
}

// A variant is a set of files injected with the integration's own files,
// for a range of SDK versions.
type variant struct {
	Files []string `yaml:"files"`
	// Tags are the build tags under which the variant's files, and not the
	// other variants', are part of the adapter package, so that it can be
	// vetted and type-checked apart.
	Tags []string `yaml:"tags"`
}

type ruleEntry struct {
	ID        string `yaml:"id"`
	Call      string `yaml:"call"`
	Receiver  string `yaml:"receiver"`
	Directive string `yaml:"directive"`
	Main      bool   `yaml:"main"`
	Operation string `yaml:"operation"`
	Adapter   string `yaml:"adapter"`

	line int
}

// ruleKeys are the keys a rule may have.
var ruleKeys = map[string]bool{"id": true, "call": true, "receiver": true, "directive": true, "main": true, "operation": true, "adapter": true}

func (e *ruleEntry) UnmarshalYAML(n *yaml.Node) error {
	type plain ruleEntry
	if n.Kind == yaml.MappingNode {
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !ruleKeys[k.Value] {
				return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: field %s not found in a rule", k.Line, k.Value)}}
			}
		}
	}
	if err := n.Decode((*plain)(e)); err != nil {
		return err
	}
	e.line = n.Line
	return nil
}

// Load reads the rules declared in fsys: one rules.yaml in each top-level
// directory, beside the adapter files it names. Errors name file:line.
func Load(fsys fs.FS) ([]Rule, error) {
	rs, _, err := load(fsys)
	return rs, err
}

// load is Load that also returns, for each integration's directory, the
// build tags of each of its variants (nil for one selected without tags).
func load(fsys fs.FS) ([]Rule, map[string][][]string, error) {
	decls, err := fs.Glob(fsys, "*/"+DeclarationFile)
	if err != nil {
		return nil, nil, err
	}
	sort.Strings(decls)
	var out []Rule
	variants := map[string][][]string{}
	ids := map[string]string{}
	for _, name := range decls {
		rs, tags, err := loadDeclaration(fsys, name)
		if err != nil {
			return nil, nil, err
		}
		variants[path.Dir(name)] = tags
		for _, r := range rs {
			if prev, dup := ids[r.ID]; dup {
				return nil, nil, fmt.Errorf("rules/%s: rule %s is also declared in rules/%s", name, r.ID, prev)
			}
			ids[r.ID] = name
		}
		out = append(out, rs...)
	}
	return out, variants, nil
}

func loadDeclaration(fsys fs.FS, name string) ([]Rule, [][]string, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, nil, err
	}
	where := "rules/" + name
	var d declaration
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&d); err != nil {
		return nil, nil, yamlError(where, err)
	}
	dir := path.Dir(name)
	fail := func(line int, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", where, line, fmt.Sprintf(format, args...))
	}
	if d.Integration == "" || len(d.Files) == 0 {
		return nil, nil, fail(1, "a declaration needs integration and files")
	}
	sources := map[string][]byte{}
	check := func(files []string) error {
		for _, f := range files {
			if _, ok := sources[f]; ok {
				continue
			}
			src, err := fs.ReadFile(fsys, path.Join(dir, f))
			if err != nil {
				return fail(1, "file %s: %v", f, err)
			}
			sources[f] = src
		}
		return nil
	}
	if err := check(d.Files); err != nil {
		return nil, nil, err
	}
	for _, v := range d.Variants {
		if err := check(v.Files); err != nil {
			return nil, nil, err
		}
	}
	qualify := func(files []string) []string {
		var out []string
		for _, f := range files {
			out = append(out, path.Join(dir, f))
		}
		return out
	}

	var out []Rule
	for _, e := range d.Rules {
		r := Rule{ID: e.ID, Integration: d.Integration, Provider: d.Provider, Operation: e.Operation, Adapter: e.Adapter, Wire: d.Wire}
		if r.ID == "" || r.Adapter == "" {
			return nil, nil, fail(e.line, "a rule needs id and adapter")
		}
		set := 0
		for _, s := range []string{e.Call, e.Receiver, e.Directive} {
			if s != "" {
				set++
			}
		}
		if e.Main {
			set++
		}
		if set != 1 {
			return nil, nil, fail(e.line, "rule %s needs exactly one of call, receiver, directive, main", e.ID)
		}
		switch {
		case e.Main:
			r.Kind = KindMainPrologue
		case e.Directive != "":
			r.Kind, r.Directive = KindDirective, e.Directive
		default:
			target := e.Call
			r.Kind = KindCall
			if e.Receiver != "" {
				target, r.Kind = e.Receiver, KindReceiverCall
			}
			pkg, recv, fn, err := parseTarget(target)
			if err != nil {
				return nil, nil, fail(e.line, "rule %s: %v", e.ID, err)
			}
			if r.Kind == KindReceiverCall && recv == "" {
				return nil, nil, fail(e.line, "rule %s: a receiver rule names a method, (*T).M", e.ID)
			}
			r.Receiver, r.Name, r.Module = recv, fn, d.Module
			r.Packages = []string{pkg}
			if d.Module != "" {
				sub, ok := strings.CutPrefix(pkg, d.Module)
				if !ok || sub != "" && sub[0] != '/' {
					return nil, nil, fail(e.line, "rule %s: %s is not in the module %s", e.ID, pkg, d.Module)
				}
				for _, m := range d.Majors {
					r.Packages = append(r.Packages, m+sub)
				}
			}
		}
		// The adapter is declared in one of the integration's files; the
		// others, and a variant's, are injected with it.
		var file string
		var with []string
		for _, f := range d.Files {
			if file == "" && declares(sources[f], e.Adapter) {
				file = f
			} else {
				with = append(with, f)
			}
		}
		if file == "" {
			return nil, nil, fail(e.line, "rule %s: none of %s declares %s", e.ID, strings.Join(d.Files, ", "), e.Adapter)
		}
		r.AdapterFile = path.Join(dir, file)
		alternatives := d.Variants
		if len(alternatives) == 0 {
			alternatives = []variant{{}}
		}
		for i, v := range alternatives {
			files := qualify(append(append([]string(nil), with...), v.Files...))
			if i == 0 {
				r.AdapterWith = files
				continue
			}
			r.Fallbacks = append(r.Fallbacks, AdapterRef{Func: e.Adapter, File: r.AdapterFile, With: files})
		}
		out = append(out, r)
	}
	tags := [][]string{nil}
	if len(d.Variants) > 0 {
		tags = nil
		for _, v := range d.Variants {
			tags = append(tags, v.Tags)
		}
	}
	return out, tags, nil
}

// yamlLine finds the line in the YAML library's messages ("line 3: ...",
// "yaml: line 3: ...").
var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError turns the YAML library's errors into file:line: message lines.
func yamlError(file string, err error) error {
	msgs := []string{err.Error()}
	var typeErr *yaml.TypeError
	if errors.As(err, &typeErr) {
		msgs = typeErr.Errors
	}
	var lines []string
	for _, m := range msgs {
		if g := yamlLine.FindStringSubmatch(strings.TrimSpace(m)); g != nil {
			lines = append(lines, fmt.Sprintf("%s:%s: %s", file, g[1], g[2]))
		} else {
			lines = append(lines, fmt.Sprintf("%s: %s", file, strings.TrimPrefix(m, "yaml: ")))
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

// declares reports whether src has a top-level function named name.
func declares(src []byte, name string) bool {
	for _, open := range []string{"(", "["} {
		decl := "func " + name + open
		if bytes.HasPrefix(src, []byte(decl)) || bytes.Contains(src, []byte("\n"+decl)) {
			return true
		}
	}
	return false
}

// ParseTarget splits a function or method named as rules name them,
// path.Func or path.(*Type).Method, into its package path, receiver type
// name (without "*"; empty for a function) and name.
func ParseTarget(s string) (pkg, recv, name string, err error) { return parseTarget(s) }

// parseTarget splits a function or method in go/types form:
// "import/path.Func", "import/path.(*Type).Method" or
// "import/path.(Type).Method". The receiver is returned without its star.
func parseTarget(s string) (pkg, recv, name string, err error) {
	if i := strings.Index(s, ".("); i >= 0 {
		pkg = s[:i]
		r, n, ok := strings.Cut(s[i+2:], ").")
		if !ok {
			return "", "", "", fmt.Errorf("%q is not in the form path.(*Type).Method", s)
		}
		recv, name = strings.TrimPrefix(r, "*"), n
	} else {
		slash := strings.LastIndex(s, "/")
		dot := strings.Index(s[slash+1:], ".")
		if dot < 0 {
			return "", "", "", fmt.Errorf("%q is not in the form path.Func or path.(*Type).Method", s)
		}
		pkg, name = s[:slash+1+dot], s[slash+1+dot+1:]
	}
	if pkg == "" || !token.IsIdentifier(name) || recv != "" && !token.IsIdentifier(recv) {
		return "", "", "", fmt.Errorf("%q is not in the form path.Func or path.(*Type).Method", s)
	}
	return pkg, recv, name, nil
}

// Variants returns, for each integration's directory, the build tags of
// each of its variants (nil for one selected without tags), from the same
// load as All.
func Variants() map[string][][]string {
	if _, err := builtin(); err != nil {
		panic(err)
	}
	return builtinVariants
}
