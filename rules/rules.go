// Package rules says what llminstr instruments. A [Rule] names an SDK
// function or method by its go/types identity and the adapter that wraps
// each call of it. Rules are data; adapters are real Go files in the
// subdirectories of this package, compiled and tested against real SDK
// versions, and injected at build time into each package that needs them.
package rules

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"
	"sync"
)

// Kind says how a rule is applied.
type Kind int

const (
	// KindCall wraps each call of the target: recv.M(args) becomes
	// Adapter(recv.M, args), so the receiver and arguments are evaluated
	// exactly as before and the adapter decides how to make the call.
	KindCall Kind = iota
	// KindReceiverCall passes the receiver itself: recv.M(args) becomes
	// Adapter(recv, args). It is for methods of objects an earlier call
	// returned, such as a stream's Recv, whose adapter needs to know which
	// object it is called on. Receiver names the receiver expression's own
	// type, which may get the method from an embedded field.
	KindReceiverCall
	// KindMainPrologue defers the adapter at the top of func main, in
	// programs that reach an instrumented SDK.
	KindMainPrologue
	// KindDirective marks the functions whose doc comment holds
	// //Directive [name] and that take a context.Context: their body starts
	// with ctx, end := Adapter(ctx, name); defer end(). The name defaults to
	// the function's (Type.Method for methods).
	KindDirective
)

// Rule is one instrumentation point.
type Rule struct {
	// ID names the rule in reports, e.g. "openai.chat.completions.new".
	ID string
	// Integration groups rules that are switched on and off together.
	Integration string
	// Provider and Operation are the gen_ai.provider.name and
	// gen_ai.operation.name the adapter records; informational for reports.
	Provider, Operation string
	Kind                Kind
	// Wire says the SDK's requests have a shape the wire-level fallback
	// traces: a call the rewrite leaves alone is still traced there.
	Wire bool

	// Packages are the import paths the target is declared in, e.g. one per
	// SDK major version. The adapter source imports Module; when a target is
	// found in another package of Packages, import paths under Module are
	// rewritten to that package's module root.
	Packages []string
	Module   string
	// Receiver is the name of the method's receiver type (without "*");
	// empty for package-level functions.
	Receiver string
	// Name is the method or function name.
	Name string
	// Directive is the comment directive of a KindDirective rule, without
	// its slashes, e.g. "llminstr:agent".
	Directive string

	// Adapter is the adapter function's name; AdapterFile the file, relative
	// to this package's directory, that declares it.
	Adapter     string
	AdapterFile string
	// AdapterWith are more files injected with AdapterFile.
	AdapterWith []string
	// Fallbacks are adapters for other versions of the SDK, tried in order
	// when the previous one does not type-check against the SDK in use.
	Fallbacks []AdapterRef

	// Extract, when set, says where the call's attributes are found, and
	// the engine generates the adapter from it and the target's signature
	// instead of reading AdapterFile: the rules users declare in
	// llminstr.yaml for their own clients.
	Extract *Extraction
	// Origin is where a user-defined rule is declared ("llminstr.yaml:12"),
	// for its errors.
	Origin string
}

// RuntimeIntegration is the integration of the runtime's own rules (the
// flush at exit, the agent and tool directives), which name no SDK.
const RuntimeIntegration = "runtime"

// UserIntegration is the integration of the rules users declare in
// llminstr.yaml: "disable: [user]" switches them off.
const UserIntegration = "user"

// Extraction says where a generated adapter finds a call's attributes: each
// is a field path such as "req.Model" or "result.Usage.PromptTokens",
// starting at a parameter of the target (by name, or argN by position) or
// at "result", its first result that is not an error, then selecting
// fields or calling methods without arguments ("result.Usage().Input").
type Extraction struct {
	Model         FieldPath
	InputTokens   FieldPath
	OutputTokens  FieldPath
	FinishReason  FieldPath
	ResponseModel FieldPath
	ResponseID    FieldPath
}

// A FieldPath is one path of an Extraction and where it is declared.
type FieldPath struct {
	Path   string
	Origin string // "llminstr.yaml:14"
}

// AdapterRef names an adapter function, the file that declares it and the
// other files injected with it.
type AdapterRef struct {
	Func string
	File string
	With []string
}

// Files returns every file the adapter needs.
func (a AdapterRef) Files() []string { return append([]string{a.File}, a.With...) }

// Alternatives returns the rule's adapters in the order they are tried.
func (r *Rule) Alternatives() []AdapterRef {
	return append([]AdapterRef{{Func: r.Adapter, File: r.AdapterFile, With: r.AdapterWith}}, r.Fallbacks...)
}

// adapterFS holds each integration's directory: its rules.yaml and its
// adapter files (test files are never injected).
//
//go:embed */rules.yaml */*.go
var adapterFS embed.FS

// AdapterSource returns the source of an adapter file.
func AdapterSource(name string) ([]byte, error) {
	if strings.HasSuffix(name, "_test.go") {
		return nil, fmt.Errorf("adapter file %s: a test file", name)
	}
	b, err := fs.ReadFile(adapterFS, name)
	if err != nil {
		return nil, fmt.Errorf("adapter file %s: %w", name, err)
	}
	return b, nil
}

// All returns every rule llminstr knows: those the rules.yaml of each
// integration's directory declares. The declarations are built into
// llminstr and checked by its tests (see [Load]); a malformed one is a bug
// of this package, so All panics on it.
func All() []Rule {
	rs, err := builtin()
	if err != nil {
		panic(err)
	}
	return append([]Rule(nil), rs...)
}

// builtinVariants is set by builtin, with the rules.
var builtinVariants map[string][][]string

var builtin = sync.OnceValues(func() ([]Rule, error) {
	rs, variants, err := load(adapterFS)
	builtinVariants = variants
	return rs, err
})

// SDKPackages returns the import paths of the SDK packages the rules target:
// a package that cannot reach one of them needs no instrumentation.
func SDKPackages(rs []Rule) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range rs {
		if r.Integration == RuntimeIntegration {
			continue
		}
		for _, p := range r.Packages {
			if !seen[p] {
				seen[p] = true
				out = append(out, p)
			}
		}
	}
	sort.Strings(out)
	return out
}

// IsSDKImplementation reports whether the package path, compiled from
// files, is an SDK's or a framework's own code: a package in which
// built-in rules declare their targets, compiled without its tests. Its
// calls of its own functions and methods are how it carries out the call
// a user made, which the user's call site traces, so the engine leaves
// them alone. Compiled with its _test.go files, the package is its tests'
// too, which are instrumented as any other code is. The packages of
// user-defined rules are the user's own code.
func IsSDKImplementation(rs []Rule, path string, files []string) bool {
	if WithTests(files) {
		return false
	}
	for _, r := range rs {
		if isImplementationRule(r) && slices.Contains(r.Packages, path) {
			return true
		}
	}
	return false
}

// SDKImplementationPackages returns, sorted, the packages that
// IsSDKImplementation reports as an SDK's or a framework's own code when
// they are compiled without their tests.
func SDKImplementationPackages(rs []Rule) []string {
	var out []string
	for _, r := range rs {
		if isImplementationRule(r) {
			out = append(out, r.Packages...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// WithTests reports whether a compile of files is a package's compile
// for its tests: whether a file is a _test.go file.
func WithTests(files []string) bool {
	return slices.ContainsFunc(files, func(f string) bool { return strings.HasSuffix(f, "_test.go") })
}

// isImplementationRule reports whether r's packages are an SDK's own
// code: the runtime's and the user's rules name no SDK.
func isImplementationRule(r Rule) bool {
	return r.Integration != RuntimeIntegration && r.Integration != UserIntegration
}

// Fingerprint is a short hash of the sources of the built-in rules and
// adapters: each integration's rules.yaml and adapter files, from which All
// builds every rule. It is part of the build cache key, so a changed rule
// set recompiles what it must; reading the files, rather than the rules
// they declare, spares the go command's first question of every build
// (the compiler's identity) the parsing of every declaration.
func Fingerprint() string {
	h := sha256.New()
	_ = fs.WalkDir(adapterFS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") {
			return err
		}
		b, _ := fs.ReadFile(adapterFS, path)
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// RuntimePackage is the import path of the runtime module, which a module
// that llminstr instruments requires, and of its package for programs.
const RuntimePackage = "github.com/llminstr/llminstr/runtime"

// InjectedPackage is the runtime's package that every adapter imports.
const InjectedPackage = RuntimePackage + "/injected"

// OTelPackage is the OpenTelemetry API's root package, through which an
// application sets its global providers. The runtime does not import it: a
// program that links it gets, in its main package, the code that hands the
// runtime its global providers (see injected.SetGlobalProviders).
const OTelPackage = "go.opentelemetry.io/otel"

// WireIntegration is the name LLMINSTR_DISABLE and llminstr.yaml take for
// the wire-level fallback.
const WireIntegration = "wire"

// RuntimeAPILevel is the injected.APILevel the adapters need: 2 added
// Stream.Watch, Stream.OnEnd and Observe; 3 moved what adapters call from
// the runtime's package to InjectedPackage; 4 added OperationSpan.SetNetwork,
// Named and ProviderTransport; 5 added the wire-level fallback's hook; 6
// moved the Bedrock wire formats into the runtime (ObserveEventStream,
// BedrockConverseEvent, BedrockInvoke*), shared with the fallback; 7 added
// LibraryProvider; 8 added SetGlobalProviders, which a program's main
// package calls when the program links the OpenTelemetry API (the runtime
// no longer imports its root package).
const RuntimeAPILevel = 8

// IsRuntime reports whether importPath belongs to the runtime module or to
// OpenTelemetry, which are never instrumented.
func IsRuntime(importPath string) bool {
	return importPath == RuntimePackage || strings.HasPrefix(importPath, RuntimePackage+"/") ||
		strings.HasPrefix(importPath, "go.opentelemetry.io/")
}

// Integrations returns the names that can be disabled, sorted.
//
// They include "wire", the wire-level fallback, which no rule names.
func Integrations(rs []Rule) []string {
	seen := map[string]bool{WireIntegration: true, UserIntegration: true}
	out := []string{UserIntegration, WireIntegration}
	for _, r := range rs {
		if r.Integration != RuntimeIntegration && !seen[r.Integration] {
			seen[r.Integration] = true
			out = append(out, r.Integration)
		}
	}
	sort.Strings(out)
	return out
}

// IntegrationNames returns the integrations of the built-in rules (see
// [Integrations]).
func IntegrationNames() []string { return Integrations(All()) }
