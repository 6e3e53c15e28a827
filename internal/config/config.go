// Package config reads llminstr's user configuration: the llminstr.yaml file
// at the main module's root and the LLMINSTR_DISABLE environment variable.
//
// llminstr.yaml is a small YAML document; the only key today is `disable`,
// a list of integrations to leave uninstrumented:
//
//	# llminstr.yaml
//	disable: [anthropic, ollama]
//
// or, as a block list:
//
//	disable:
//	  - anthropic
//
// LLMINSTR_DISABLE=openai,anthropic adds to the file's list.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// FileName is the configuration file looked for at the module root.
const FileName = "llminstr.yaml"

// Config is the user's configuration.
type Config struct {
	// Disabled integrations.
	Disabled map[string]bool
	// Source names where the configuration came from, for messages and the
	// build cache key.
	Source string
}

// DisabledList returns the disabled integrations, sorted.
func (c *Config) DisabledList() []string {
	var out []string
	for k := range c.Disabled {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Load reads the configuration of the module whose root is moduleDir (no
// file is fine) and the environment, checking integration names against
// known.
func Load(moduleDir string, getenv func(string) string, known []string) (*Config, error) {
	c := &Config{Disabled: map[string]bool{}}
	isKnown := map[string]bool{}
	for _, k := range known {
		isKnown[k] = true
	}
	if moduleDir != "" {
		path := filepath.Join(moduleDir, FileName)
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			names, err := parse(path, data)
			if err != nil {
				return nil, err
			}
			for _, n := range names {
				if !isKnown[n.name] {
					return nil, fmt.Errorf("%s:%d: unknown integration %q in disable (known: %s)", path, n.line, n.name, strings.Join(known, ", "))
				}
				c.Disabled[n.name] = true
			}
			c.Source = fmt.Sprintf("%s %q", path, data)
		case !os.IsNotExist(err):
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
	}
	if env := getenv("LLMINSTR_DISABLE"); env != "" {
		for _, n := range strings.Split(env, ",") {
			n = strings.TrimSpace(n)
			if n == "" {
				continue
			}
			if !isKnown[n] {
				return nil, fmt.Errorf("LLMINSTR_DISABLE: unknown integration %q (known: %s)", n, strings.Join(known, ", "))
			}
			c.Disabled[n] = true
		}
		c.Source += " LLMINSTR_DISABLE=" + env
	}
	return c, nil
}

type name struct {
	name string
	line int
}

// parse reads the supported subset of YAML: comments, the `disable` key
// with a flow list ([a, b]) or a block list (- a).
func parse(path string, data []byte) ([]name, error) {
	var out []name
	inBlock := false
	for i, raw := range strings.Split(string(data), "\n") {
		lineNo := i + 1
		line := raw
		if j := strings.Index(line, "#"); j >= 0 {
			line = line[:j]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		if strings.ContainsRune(line, '\t') {
			return nil, fmt.Errorf("%s:%d: tabs are not allowed in YAML indentation", path, lineNo)
		}
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(line, " ") {
			if !inBlock || !strings.HasPrefix(trimmed, "- ") && trimmed != "-" {
				return nil, fmt.Errorf("%s:%d: expected a list item (\"- name\") under disable", path, lineNo)
			}
			item := unquote(strings.TrimSpace(strings.TrimPrefix(trimmed, "-")))
			if item == "" {
				return nil, fmt.Errorf("%s:%d: empty list item", path, lineNo)
			}
			out = append(out, name{item, lineNo})
			continue
		}
		key, value, ok := strings.Cut(trimmed, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: expected \"key: value\", got %q", path, lineNo, trimmed)
		}
		if key = strings.TrimSpace(key); key != "disable" {
			return nil, fmt.Errorf("%s:%d: unknown key %q (the only key is \"disable\")", path, lineNo, key)
		}
		value = strings.TrimSpace(value)
		inBlock = value == ""
		if inBlock {
			continue
		}
		if !strings.HasPrefix(value, "[") || !strings.HasSuffix(value, "]") {
			return nil, fmt.Errorf("%s:%d: disable must be a list, such as [openai, anthropic]", path, lineNo)
		}
		for _, item := range strings.Split(strings.TrimSuffix(strings.TrimPrefix(value, "["), "]"), ",") {
			if item = unquote(strings.TrimSpace(item)); item != "" {
				out = append(out, name{item, lineNo})
			}
		}
	}
	return out, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '\'' && s[len(s)-1] == '\'') {
		return s[1 : len(s)-1]
	}
	return s
}

// ModuleRoot returns the directory of the go.mod that governs dir, the
// place llminstr.yaml is looked for, or "" outside a module.
func ModuleRoot(dir string) string {
	if gomod := FindUp(dir, "go.mod"); gomod != "" {
		return filepath.Dir(gomod)
	}
	return ""
}

// FindUp returns the path of the file name in dir or its nearest parent
// that has one, or "".
func FindUp(dir, name string) string {
	for {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}
