// Package archive reads and appends llminstr's member of the Go compiler's
// package archives (the ar files named by -o and by importcfg lines).
//
// The member, "llminstr.deps", says whether the package reaches an
// instrumented SDK and lists the packages its rewritten code (or that of
// its dependencies) imports behind the go command's back, which the linker
// must be given, where the package or its dependencies make requests shaped
// like an LLM API's, for which the program's main package links the
// runtime, and whether they import the OpenTelemetry API, whose global
// providers the program's main package then hands the runtime. The go linker skips members with short names that do not end in
// .o or .syso, so the member never reaches the linked program.
package archive

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
)

// MemberName is the name of llminstr's archive member.
const MemberName = "llminstr.deps"

const (
	arMagic     = "!<arch>\n"
	arHeaderLen = 60
)

// Deps is the content of the member.
type Deps struct {
	// Reaches says that the package reaches an instrumented SDK or makes,
	// or links a package that makes, requests shaped like an LLM API's.
	// A mark without it only carries OTel.
	Reaches bool
	// Imports are the packages the instrumented code needs at link time.
	Imports []string
	// Exports are the export files (in the build cache) the instrumented
	// code was compiled against, by import path, with their dependencies:
	// later compiles and the link reuse them instead of resolving again.
	Exports map[string]string
	// Modules are the modules of the Exports' packages that belong to one,
	// by import path, as go version -m lists them: "path\tversion\tsum",
	// with "\t=>\tpath\tversion\tsum" added for a replaced module. The
	// link adds them to the program's build information.
	Modules map[string]string
	// Wire are the packages, of this one and its dependencies, that make
	// requests shaped like an LLM API's, with the place (file:line:col) of
	// the first: the runtime traces them at the wire once the program links
	// it, and the program's main package imports it for them.
	Wire map[string]string
	// OTel is the export file (in the build cache) of the OpenTelemetry
	// API's root package when this package or one of its dependencies
	// imports it: the program links it, and its main package, compiled
	// against that file, hands the runtime the global providers.
	OTel string
}

// Read returns the llminstr member of the archive at path, or ok=false if
// it has none (or is not an archive).
func Read(path string) (deps Deps, ok bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return Deps{}, false, err
	}
	defer f.Close()
	magic := make([]byte, len(arMagic))
	if _, err := io.ReadFull(f, magic); err != nil || string(magic) != arMagic {
		return Deps{}, false, nil
	}
	off := int64(len(arMagic))
	hdr := make([]byte, arHeaderLen)
	for {
		if _, err := f.ReadAt(hdr, off); err != nil {
			if err == io.EOF {
				return Deps{}, false, nil
			}
			return Deps{}, false, err
		}
		name := strings.TrimRight(string(hdr[0:16]), " ")
		size, err := strconv.ParseInt(strings.TrimSpace(string(hdr[48:58])), 10, 64)
		if err != nil {
			return Deps{}, false, fmt.Errorf("%s: malformed archive header at %d", path, off)
		}
		off += arHeaderLen
		if name == MemberName {
			body := make([]byte, size)
			if _, err := f.ReadAt(body, off); err != nil {
				return Deps{}, false, err
			}
			return parse(body), true, nil
		}
		off += size + size%2
	}
}

func parse(body []byte) Deps {
	d := Deps{Exports: map[string]string{}, Modules: map[string]string{}}
	for _, line := range strings.Split(string(body), "\n") {
		if line == "reaches" {
			d.Reaches = true
		} else if f, ok := strings.CutPrefix(line, "otel "); ok && f != "" {
			d.OTel = f
		} else if p, ok := strings.CutPrefix(line, "import "); ok && p != "" {
			d.Imports = append(d.Imports, p)
		} else if w, ok := strings.CutPrefix(line, "wire "); ok {
			if path, pos, ok := strings.Cut(w, "="); ok && path != "" && pos != "" {
				if d.Wire == nil {
					d.Wire = map[string]string{}
				}
				d.Wire[path] = pos
			}
		} else if e, ok := strings.CutPrefix(line, "export "); ok {
			if path, file, ok := strings.Cut(e, "="); ok && path != "" && file != "" {
				d.Exports[path] = file
			}
		} else if m, ok := strings.CutPrefix(line, "module "); ok {
			if path, mod, ok := strings.Cut(m, "="); ok && path != "" && mod != "" {
				d.Modules[path] = mod
			}
		}
	}
	return d
}

// Append adds the llminstr member to the archive at path.
func Append(path string, d Deps) error {
	var body bytes.Buffer
	body.WriteString("llminstr deps v1\n")
	if d.Reaches {
		body.WriteString("reaches\n")
	}
	if d.OTel != "" {
		fmt.Fprintf(&body, "otel %s\n", d.OTel)
	}
	for _, p := range sortedSet(d.Imports) {
		fmt.Fprintf(&body, "import %s\n", p)
	}
	for _, p := range sortedKeys(d.Exports) {
		fmt.Fprintf(&body, "export %s=%s\n", p, d.Exports[p])
	}
	for _, p := range sortedKeys(d.Modules) {
		fmt.Fprintf(&body, "module %s=%s\n", p, d.Modules[p])
	}
	for _, p := range sortedKeys(d.Wire) {
		fmt.Fprintf(&body, "wire %s=%s\n", p, d.Wire[p])
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	magic := make([]byte, len(arMagic))
	if _, err := io.ReadFull(f, magic); err != nil || string(magic) != arMagic {
		return fmt.Errorf("%s is not an archive", path)
	}
	end, err := f.Seek(0, io.SeekEnd)
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if end%2 == 1 {
		out.WriteByte('\n')
	}
	fmt.Fprintf(&out, "%-16s%-12s%-6s%-6s%-8s%-10d`\n", MemberName, "0", "0", "0", "644", body.Len())
	out.Write(body.Bytes())
	if body.Len()%2 == 1 {
		out.WriteByte('\n')
	}
	_, err = f.Write(out.Bytes())
	return err
}

// sortedKeys returns the keys of m, sorted.
func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}

// sortedSet returns the distinct elements of list, sorted.
func sortedSet(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return slices.Compact(out)
}
