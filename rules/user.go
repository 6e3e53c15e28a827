package rules

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// UserOperations are the operations a user-defined rule may name: the
// inference operations of the GenAI semantic conventions.
var UserOperations = []string{"chat", "text_completion", "generate_content", "embeddings"}

// UserRule builds the rule of a function or method of the user's own code
// (an in-house client) declared in llminstr.yaml at origin: call names it as
// rules do (path.Func or path.(*Type).Method), and its adapter is generated
// from extract. An empty id is derived from call.
func UserRule(id, call, operation, provider string, extract *Extraction, origin string) (Rule, error) {
	pkg, recv, name, err := parseTarget(call)
	if err != nil {
		return Rule{}, fmt.Errorf("%s: call: %v", origin, err)
	}
	if !slices.Contains(UserOperations, operation) {
		return Rule{}, fmt.Errorf("%s: operation %q is not one of %s", origin, operation, strings.Join(UserOperations, ", "))
	}
	if provider == "" {
		return Rule{}, fmt.Errorf("%s: a rule needs a provider (its gen_ai.provider.name)", origin)
	}
	if id == "" {
		id = pkg[strings.LastIndex(pkg, "/")+1:] + "." + name
		if recv != "" {
			id = pkg[strings.LastIndex(pkg, "/")+1:] + "." + recv + "." + name
		}
	}
	id = UserIntegration + "." + id
	ident := identFrom(id)
	return Rule{
		ID:          id,
		Integration: UserIntegration,
		Provider:    provider,
		Operation:   operation,
		Kind:        KindCall,
		Packages:    []string{pkg},
		Receiver:    recv,
		Name:        name,
		Adapter:     "llminstr" + ident,
		AdapterFile: "user/" + strings.ToLower(ident) + ".go",
		Extract:     extract,
		Origin:      origin,
	}, nil
}

// identFrom turns a rule ID into the rest of a Go identifier: letters and
// digits kept, each run of anything else starting a new capitalised word.
func identFrom(id string) string {
	var b strings.Builder
	upper := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) || r > unicode.MaxASCII {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	return b.String()
}
