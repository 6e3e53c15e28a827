package toolexec

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
)

// importcfg is the compiler's or linker's -importcfg file.
type importcfg struct {
	lines       []string          // every line, kept to write the file back
	packageFile map[string]string // import path -> archive
	importMap   map[string]string // import path as written -> actual path
}

func readImportcfg(path string) (*importcfg, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading importcfg: %w", err)
	}
	cfg := &importcfg{packageFile: map[string]string{}, importMap: map[string]string{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		cfg.lines = append(cfg.lines, line)
		verb, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		key, value, ok := strings.Cut(rest, "=")
		if !ok {
			continue
		}
		switch verb {
		case "packagefile":
			cfg.packageFile[key] = value
		case "importmap":
			cfg.importMap[key] = value
		}
	}
	return cfg, sc.Err()
}

// withPackages writes a copy of the importcfg with the given packages added
// where missing, and returns its path.
func (c *importcfg) withPackages(path string, add map[string]string) (string, error) {
	var b strings.Builder
	for _, l := range c.lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	keys := make([]string, 0, len(add))
	for k := range add {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if _, ok := c.packageFile[k]; ok || add[k] == "" {
			continue
		}
		fmt.Fprintf(&b, "packagefile %s=%s\n", k, add[k])
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o666); err != nil {
		return "", fmt.Errorf("writing importcfg: %w", err)
	}
	return path, nil
}

// addModules adds modules to the program's build information, the modinfo
// line the go command writes into the linker's importcfg (what go version
// -m, govulncheck and SBOM tools read), where it lists none of them. Each
// module is as archive.Deps.Modules has it: path, version and sum, then =>
// and the replacement's. An importcfg without build information (a GOPATH
// build) is left as it is.
func (c *importcfg) addModules(modules []string) error {
	for i, line := range c.lines {
		quoted, ok := strings.CutPrefix(line, "modinfo ")
		if !ok {
			continue
		}
		data, err := strconv.Unquote(quoted)
		if err != nil || len(data) < 2*modinfoSentinel {
			return fmt.Errorf("reading the build information of the importcfg: malformed modinfo line")
		}
		info := addDeps(data[modinfoSentinel:len(data)-modinfoSentinel], modules)
		c.lines[i] = "modinfo " + strconv.Quote(data[:modinfoSentinel]+info+data[len(data)-modinfoSentinel:])
		return nil
	}
	return nil
}

// modinfoSentinel is the length of the markers around the build
// information in a binary (cmd/go's modload.ModInfoData).
const modinfoSentinel = 16

// addDeps returns the build information text info (debug.BuildInfo's
// String form: path, mod, dep and => lines, build lines) with a dep line
// for each module it does not list yet, the deps sorted by path as the go
// command sorts them.
func addDeps(info string, modules []string) string {
	lines := strings.SplitAfter(info, "\n")
	var head, deps, tail []string
	known := map[string]bool{}
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		switch kind, rest, _ := strings.Cut(l, "\t"); kind {
		case "path", "mod":
			if kind == "mod" {
				known[strings.SplitN(rest, "\t", 2)[0]] = true
			}
			head = append(head, l)
		case "dep":
			known[strings.SplitN(rest, "\t", 2)[0]] = true
			if i+1 < len(lines) && strings.HasPrefix(lines[i+1], "=>\t") {
				l += lines[i+1]
				i++
			}
			deps = append(deps, l)
		default:
			if len(deps) == 0 && len(tail) == 0 && (kind == "=>") {
				head = append(head, l) // the main module's replacement
				continue
			}
			tail = append(tail, l)
		}
	}
	added := false
	for _, m := range modules {
		mod, repl, replaced := strings.Cut(m, "\t=>\t")
		f := strings.Split(mod, "\t")
		if len(f) < 1 || f[0] == "" || known[f[0]] {
			continue
		}
		known[f[0]] = true
		dep := "dep\t" + f[0] + "\t" + devel(field(f, 1)) + "\t"
		if replaced {
			r := strings.Split(repl, "\t")
			dep += "\n=>\t" + field(r, 0) + "\t" + devel(field(r, 1)) + "\t" + field(r, 2)
		} else {
			dep += field(f, 2)
		}
		deps = append(deps, dep+"\n")
		added = true
	}
	if !added {
		return info
	}
	sort.SliceStable(deps, func(i, j int) bool { return depPath(deps[i]) < depPath(deps[j]) })
	return strings.Join(head, "") + strings.Join(deps, "") + strings.Join(tail, "")
}

func field(f []string, i int) string {
	if i < len(f) {
		return f[i]
	}
	return ""
}

// devel is the version go version -m shows for a module without one (a
// directory replacement).
func devel(version string) string {
	if version == "" {
		return "(devel)"
	}
	return version
}

func depPath(dep string) string { return strings.SplitN(strings.TrimPrefix(dep, "dep\t"), "\t", 2)[0] }
