package toolexec

import (
	"bufio"
	"bytes"
	"os"
	"path/filepath"
	"strings"

	"github.com/llminstr/llminstr/rules"
)

// ruleIndex is what every compile needs to know of the rules to tell
// whether its package has anything to do with them: the SDK packages they
// target, the user's rules' too (see [rules.SDKPackages]), and the
// packages that are an SDK's own code (see [rules.IsSDKImplementation]).
// Parsing the rules takes milliseconds, and a clean build compiles
// hundreds of packages, most of which have nothing to do with them: the
// first compile of a build writes the index to the build's llminstr
// directory, and the others read it, loading the rules only for a package
// that reaches an SDK.
type ruleIndex struct {
	sdk  map[string]bool
	impl map[string]bool
}

// ruleIndexFile is the index's file in the build's llminstr directory.
const ruleIndexFile = "rules-index"

// loadRuleIndex returns the build's rule index, and the rules when it had
// to load them to make it (nil otherwise).
func loadRuleIndex(workDir string) (*ruleIndex, []rules.Rule) {
	file := filepath.Join((&resolver{workDir: workDir}).dir(), ruleIndexFile)
	if data, err := os.ReadFile(file); err == nil {
		if idx, ok := parseRuleIndex(data); ok {
			return idx, nil
		}
	}
	rs := loadRules()
	idx := &ruleIndex{sdk: map[string]bool{}, impl: map[string]bool{}}
	var b bytes.Buffer
	for _, p := range rules.SDKPackages(rs) {
		idx.sdk[p] = true
		b.WriteString("sdk " + p + "\n")
	}
	for _, p := range rules.SDKImplementationPackages(rs) {
		idx.impl[p] = true
		b.WriteString("impl " + p + "\n")
	}
	b.WriteString("end\n")
	// Written whole under another name, then renamed: a compile reads the
	// index entire or not at all.
	if err := os.MkdirAll(filepath.Dir(file), 0o777); err == nil {
		if tmp, err := os.CreateTemp(filepath.Dir(file), ruleIndexFile+".*"); err == nil {
			_, werr := tmp.Write(b.Bytes())
			if cerr := tmp.Close(); werr == nil && cerr == nil {
				err = os.Rename(tmp.Name(), file)
			}
			if err != nil || werr != nil {
				os.Remove(tmp.Name())
			}
		}
	}
	return idx, rs
}

func parseRuleIndex(data []byte) (*ruleIndex, bool) {
	idx := &ruleIndex{sdk: map[string]bool{}, impl: map[string]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		kind, path, _ := strings.Cut(sc.Text(), " ")
		switch kind {
		case "sdk":
			idx.sdk[path] = true
		case "impl":
			idx.impl[path] = true
		case "end":
			return idx, true
		}
	}
	return nil, false
}

// isImplementation is rules.IsSDKImplementation by the index.
func (idx *ruleIndex) isImplementation(path string, files []string) bool {
	return !rules.WithTests(files) && idx.impl[path]
}

// loadRules returns the built-in rules and those of the user's
// llminstr.yaml, when it loads; instrument reports one that does not.
func loadRules() []rules.Rule {
	rs := rules.All()
	if userCfg, err := loadConfig(); err == nil {
		rs = append(rs, userCfg.Rules...)
	}
	return rs
}
