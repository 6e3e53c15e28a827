// Package config reads llminstr's user configuration: the llminstr.yaml file
// at the main module's root and the LLMINSTR_DISABLE environment variable.
//
// llminstr.yaml is a YAML document, read with a YAML parser. Its key
// `disable` lists integrations to leave uninstrumented:
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
//
// Its key `rules` declares functions or methods of the user's own code (an
// in-house client) to trace as LLM calls, and where their attributes are
// found (see rules.Extraction):
//
//	rules:
//	  - call: example.com/app/llm.(*Client).Complete
//	    operation: chat
//	    provider: acme
//	    model: req.Model
//	    input_tokens: result.Usage.PromptTokens
//	    output_tokens: result.Usage.CompletionTokens
//	    finish_reason: result.FinishReason
//
// The paths are checked with go/types when a package using the target is
// built; a rule that names nothing, or a path that does not resolve, is a
// build error naming llminstr.yaml:line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/llminstr/llminstr/rules"
)

// FileName is the configuration file looked for at the module root.
const FileName = "llminstr.yaml"

// Config is the user's configuration.
type Config struct {
	// Disabled integrations.
	Disabled map[string]bool
	// Rules are the user-defined rules, in the order of the file.
	Rules []rules.Rule
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
// those integrations returns. It calls integrations only when there are
// names to check: the go command asks llminstr for its fingerprint, and so
// for the configuration, at the start of every build.
func Load(moduleDir string, getenv func(string) string, integrations func() []string) (*Config, error) {
	c := &Config{Disabled: map[string]bool{}}
	var known []string
	var isKnown map[string]bool
	checkName := func(name string) bool {
		if isKnown == nil {
			isKnown = map[string]bool{}
			if integrations != nil {
				known = integrations()
			}
			for _, k := range known {
				isKnown[k] = true
			}
		}
		return isKnown[name]
	}
	if moduleDir != "" {
		path := filepath.Join(moduleDir, FileName)
		data, err := os.ReadFile(path)
		switch {
		case err == nil:
			names, userRules, err := parse(path, data)
			if err != nil {
				return nil, err
			}
			c.Rules = userRules
			for _, n := range names {
				n.name = strings.ToLower(n.name)
				if !checkName(n.name) {
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
			n = strings.ToLower(strings.TrimSpace(n))
			if n == "" {
				continue
			}
			if !checkName(n) {
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

// parse reads the configuration document with a YAML parser, then checks
// its shape: a mapping of `disable`, a list of names (flow or block style,
// quoted or not), and `rules`, a list of rules. Errors name path:line.
func parse(path string, data []byte) ([]name, []rules.Rule, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return nil, nil, nil // empty, or only comments
	case err != nil:
		return nil, nil, yamlError(path, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, nil, fmt.Errorf("%s:%d: more than one YAML document", path, extra.Line)
	} else if !errors.Is(err, io.EOF) {
		return nil, nil, yamlError(path, err)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode {
		if len(root.Content) == 0 {
			return nil, nil, nil
		}
		root = root.Content[0]
	}
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil, nil
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("%s:%d: expected keys such as \"disable: [openai]\"", path, root.Line)
	}
	var out []name
	var userRules []rules.Rule
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, value := root.Content[i], root.Content[i+1]
		if key.Value == "rules" {
			rs, err := parseRules(path, value)
			if err != nil {
				return nil, nil, err
			}
			userRules = append(userRules, rs...)
			continue
		}
		if key.Value != "disable" {
			return nil, nil, fmt.Errorf("%s:%d: unknown key %q (the keys are \"disable\" and \"rules\")", path, key.Line, key.Value)
		}
		switch value.Kind {
		case yaml.ScalarNode:
			if value.Tag == "!!null" {
				continue // "disable:" with nothing under it
			}
			return nil, nil, fmt.Errorf("%s:%d: disable must be a list, such as [openai, anthropic]", path, value.Line)
		case yaml.SequenceNode:
		default:
			return nil, nil, fmt.Errorf("%s:%d: disable must be a list, such as [openai, anthropic]", path, value.Line)
		}
		for _, item := range value.Content {
			if item.Kind != yaml.ScalarNode || item.Tag == "!!null" || strings.TrimSpace(item.Value) == "" {
				return nil, nil, fmt.Errorf("%s:%d: each item of disable must be an integration name", path, item.Line)
			}
			out = append(out, name{item.Value, item.Line})
		}
	}
	return out, userRules, nil
}

// ruleKeys are the keys of a user-defined rule; the paths go to the
// rule's Extraction.
var ruleKeys = []string{"id", "call", "operation", "provider", "model", "input_tokens", "output_tokens", "finish_reason", "response_model", "response_id"}

// parseRules reads the `rules` list.
func parseRules(path string, list *yaml.Node) ([]rules.Rule, error) {
	if list.Kind == yaml.ScalarNode && list.Tag == "!!null" {
		return nil, nil
	}
	if list.Kind != yaml.SequenceNode {
		return nil, fmt.Errorf("%s:%d: rules must be a list of rules, each with call, operation and provider", path, list.Line)
	}
	var out []rules.Rule
	ids := map[string]int{}
	for _, item := range list.Content {
		if item.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("%s:%d: each rule must be a mapping with call, operation and provider", path, item.Line)
		}
		values := map[string]string{}
		lines := map[string]int{}
		for i := 0; i+1 < len(item.Content); i += 2 {
			key, value := item.Content[i], item.Content[i+1]
			if !slices.Contains(ruleKeys, key.Value) {
				return nil, fmt.Errorf("%s:%d: unknown key %q in a rule (the keys are %s)", path, key.Line, key.Value, strings.Join(ruleKeys, ", "))
			}
			if _, dup := values[key.Value]; dup {
				return nil, fmt.Errorf("%s:%d: %s is given twice", path, key.Line, key.Value)
			}
			if value.Kind != yaml.ScalarNode || value.Tag == "!!null" || strings.TrimSpace(value.Value) == "" {
				return nil, fmt.Errorf("%s:%d: %s must be a string", path, value.Line, key.Value)
			}
			values[key.Value] = strings.TrimSpace(value.Value)
			lines[key.Value] = value.Line
		}
		origin := fmt.Sprintf("%s:%d", path, item.Line)
		for _, k := range []string{"call", "operation", "provider"} {
			if values[k] == "" {
				return nil, fmt.Errorf("%s: a rule needs %s", origin, k)
			}
		}
		at := func(k string) string { return fmt.Sprintf("%s:%d", path, lines[k]) }
		fp := func(k string) rules.FieldPath {
			if values[k] == "" {
				return rules.FieldPath{}
			}
			return rules.FieldPath{Path: values[k], Origin: at(k)}
		}
		extract := &rules.Extraction{
			Model:         fp("model"),
			InputTokens:   fp("input_tokens"),
			OutputTokens:  fp("output_tokens"),
			FinishReason:  fp("finish_reason"),
			ResponseModel: fp("response_model"),
			ResponseID:    fp("response_id"),
		}
		r, err := rules.UserRule(values["id"], values["call"], values["operation"], values["provider"], extract, origin)
		if err != nil {
			return nil, err
		}
		if prev, dup := ids[r.ID]; dup {
			return nil, fmt.Errorf("%s: rule %s is also declared at line %d (give one an id)", origin, r.ID, prev)
		}
		ids[r.ID] = item.Line
		out = append(out, r)
	}
	return out, nil
}

// yamlLine finds the line in the YAML library's messages ("yaml: line 3:
// ...").
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlError turns a YAML syntax error into path:line: message.
func yamlError(path string, err error) error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("%s:%s: %s", path, m[1], m[2])
	}
	return fmt.Errorf("%s: %s", path, strings.TrimPrefix(msg, "yaml: "))
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
