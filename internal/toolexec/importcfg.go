package toolexec

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"
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
