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
	"sort"
	"strings"
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

//go:embed openai/openai.go openai/stream_iterator.go openai/stream_decoder.go
//go:embed goopenai/goopenai.go goopenai/tier.go goopenai/tier_unknown.go
//go:embed anthropic/anthropic.go anthropic/tracing.go anthropic/tracing_none.go
//go:embed bedrock/bedrock.go bedrock/invoke.go genai/genai.go ollama/ollama.go ollama/thinking.go ollama/thinking_none.go
//go:embed exit/exit.go agent/agent.go
var adapterFS embed.FS

// AdapterSource returns the source of an adapter file.
func AdapterSource(name string) ([]byte, error) {
	b, err := fs.ReadFile(adapterFS, name)
	if err != nil {
		return nil, fmt.Errorf("adapter file %s: %w", name, err)
	}
	return b, nil
}

// All returns every rule llminstr knows.
func All() []Rule {
	// openai-go's streams are observed through the stream iterator API of
	// v3.74 and later, or else through a re-encoding decoder.
	// One adapter serves v1, v2 and v3: their APIs agree on what the
	// adapters use, and the engine rewrites the v3 import paths to the major
	// version a package calls.
	openai := func(id, op, sub, recv, name, adapter string) Rule {
		const v3 = "github.com/openai/openai-go/v3"
		return Rule{
			ID: id, Integration: "openai", Provider: "openai", Operation: op,
			Packages: []string{v3 + sub, "github.com/openai/openai-go/v2" + sub, "github.com/openai/openai-go" + sub},
			Module:   v3,
			Receiver: recv, Name: name,
			Adapter: adapter, AdapterFile: "openai/openai.go", AdapterWith: []string{"openai/stream_iterator.go"},
			Fallbacks: []AdapterRef{{Func: adapter, File: "openai/openai.go", With: []string{"openai/stream_decoder.go"}}},
		}
	}
	// go-openai's streams are concrete types: the call that creates one
	// attaches the span to it, and their Recv and Close calls are rewritten
	// with the stream itself as argument.
	goopenai := func(id, op string, kind Kind, recv, name, adapter string) Rule {
		const module = "github.com/sashabaranov/go-openai"
		return Rule{
			ID: id, Integration: "go-openai", Provider: "openai", Operation: op, Kind: kind,
			Packages: []string{module}, Module: module,
			Receiver: recv, Name: name,
			Adapter: adapter, AdapterFile: "goopenai/goopenai.go", AdapterWith: []string{"goopenai/tier.go"},
			Fallbacks: []AdapterRef{{Func: adapter, File: "goopenai/goopenai.go", With: []string{"goopenai/tier_unknown.go"}}},
		}
	}
	// anthropic-sdk-go records spans of its own from v1.81; the adapter turns
	// them off for the calls it traces.
	anthropic := func(id, recv, name, adapter string) Rule {
		const module = "github.com/anthropics/anthropic-sdk-go"
		return Rule{
			ID: id, Integration: "anthropic", Provider: "anthropic", Operation: "chat",
			Packages: []string{module}, Module: module,
			Receiver: recv, Name: name,
			Adapter: adapter, AdapterFile: "anthropic/anthropic.go", AdapterWith: []string{"anthropic/tracing.go"},
			Fallbacks: []AdapterRef{{Func: adapter, File: "anthropic/anthropic.go", With: []string{"anthropic/tracing_none.go"}}},
		}
	}
	// A chat keeps its model and configuration in unexported fields: the
	// call that creates it attaches them to it, and its turns are rewritten
	// with the chat itself as argument.
	genai := func(id, op string, kind Kind, recv, name, adapter string) Rule {
		const module = "google.golang.org/genai"
		return Rule{
			ID: id, Integration: "genai", Provider: "gcp.gemini", Operation: op, Kind: kind,
			Packages: []string{module}, Module: module,
			Receiver: recv, Name: name,
			Adapter: adapter, AdapterFile: "genai/genai.go",
		}
	}
	ollama := func(id, op, recv, name, adapter string) Rule {
		const pkg = "github.com/ollama/ollama/api"
		return Rule{
			ID: id, Integration: "ollama", Provider: "ollama", Operation: op,
			Packages: []string{pkg}, Module: "github.com/ollama/ollama",
			Receiver: recv, Name: name,
			Adapter: adapter, AdapterFile: "ollama/ollama.go", AdapterWith: []string{"ollama/thinking.go"},
			Fallbacks: []AdapterRef{{Func: adapter, File: "ollama/ollama.go", With: []string{"ollama/thinking_none.go"}}},
		}
	}
	// Converse's adapters are in bedrock.go, InvokeModel's (whose bodies are
	// each model family's own JSON) in invoke.go; both go together.
	bedrock := func(id, name, adapter string) Rule {
		file, with := "bedrock/bedrock.go", "bedrock/invoke.go"
		if strings.HasPrefix(name, "Invoke") {
			file, with = with, file
		}
		const module = "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
		return Rule{
			ID: id, Integration: "bedrock", Provider: "aws.bedrock", Operation: "chat",
			Packages: []string{module}, Module: module,
			Receiver: "Client", Name: name,
			Adapter: adapter, AdapterFile: file, AdapterWith: []string{with},
		}
	}
	return []Rule{
		bedrock("bedrock.converse", "Converse", "llminstrBedrockConverse"),
		bedrock("bedrock.converse_stream", "ConverseStream", "llminstrBedrockConverseStream"),
		bedrock("bedrock.invoke_model", "InvokeModel", "llminstrBedrockInvokeModel"),
		bedrock("bedrock.invoke_model_with_response_stream", "InvokeModelWithResponseStream", "llminstrBedrockInvokeModelWithResponseStream"),
		ollama("ollama.chat", "chat", "Client", "Chat", "llminstrOllamaChat"),
		ollama("ollama.generate", "text_completion", "Client", "Generate", "llminstrOllamaGenerate"),
		ollama("ollama.embed", "embeddings", "Client", "Embed", "llminstrOllamaEmbed"),
		ollama("ollama.embeddings", "embeddings", "Client", "Embeddings", "llminstrOllamaEmbeddings"),
		ollama("ollama.new_client", "", "", "NewClient", "llminstrOllamaNewClient"),
		genai("genai.models.generate_content", "generate_content", KindCall, "Models", "GenerateContent", "llminstrGenAIGenerateContent"),
		genai("genai.models.generate_content_stream", "generate_content", KindCall, "Models", "GenerateContentStream", "llminstrGenAIGenerateContentStream"),
		genai("genai.models.embed_content", "embeddings", KindCall, "Models", "EmbedContent", "llminstrGenAIEmbedContent"),
		genai("genai.chats.create", "", KindCall, "Chats", "Create", "llminstrGenAIChatsCreate"),
		genai("genai.chat.send", "generate_content", KindReceiverCall, "Chat", "Send", "llminstrGenAIChatSend"),
		genai("genai.chat.send_message", "generate_content", KindReceiverCall, "Chat", "SendMessage", "llminstrGenAIChatSendMessage"),
		genai("genai.chat.send_stream", "generate_content", KindReceiverCall, "Chat", "SendStream", "llminstrGenAIChatSendStream"),
		genai("genai.chat.send_message_stream", "generate_content", KindReceiverCall, "Chat", "SendMessageStream", "llminstrGenAIChatSendMessageStream"),
		genai("genai.new_client", "", KindCall, "", "NewClient", "llminstrGenAINewClient"),
		anthropic("anthropic.messages.new", "MessageService", "New", "llminstrAnthropicMessageNew"),
		anthropic("anthropic.messages.new_streaming", "MessageService", "NewStreaming", "llminstrAnthropicMessageNewStreaming"),
		anthropic("anthropic.beta.messages.new", "BetaMessageService", "New", "llminstrAnthropicBetaMessageNew"),
		anthropic("anthropic.beta.messages.new_streaming", "BetaMessageService", "NewStreaming", "llminstrAnthropicBetaMessageNewStreaming"),
		goopenai("go-openai.chat.create", "chat", KindCall, "Client", "CreateChatCompletion", "llminstrGoOpenAIChat"),
		goopenai("go-openai.chat.create_stream", "chat", KindCall, "Client", "CreateChatCompletionStream", "llminstrGoOpenAIChatStream"),
		goopenai("go-openai.chat.stream.recv", "chat", KindReceiverCall, "ChatCompletionStream", "Recv", "llminstrGoOpenAIChatStreamRecv"),
		goopenai("go-openai.chat.stream.close", "chat", KindReceiverCall, "ChatCompletionStream", "Close", "llminstrGoOpenAIChatStreamClose"),
		goopenai("go-openai.completion.create", "text_completion", KindCall, "Client", "CreateCompletion", "llminstrGoOpenAICompletion"),
		goopenai("go-openai.completion.create_stream", "text_completion", KindCall, "Client", "CreateCompletionStream", "llminstrGoOpenAICompletionStream"),
		goopenai("go-openai.completion.stream.recv", "text_completion", KindReceiverCall, "CompletionStream", "Recv", "llminstrGoOpenAICompletionStreamRecv"),
		goopenai("go-openai.completion.stream.close", "text_completion", KindReceiverCall, "CompletionStream", "Close", "llminstrGoOpenAICompletionStreamClose"),
		goopenai("go-openai.client.new_with_config", "", KindCall, "", "NewClientWithConfig", "llminstrGoOpenAINewClientWithConfig"),
		goopenai("go-openai.embeddings.create", "embeddings", KindCall, "Client", "CreateEmbeddings", "llminstrGoOpenAIEmbeddings"),
		openai("openai.chat.completions.new", "chat", "", "ChatCompletionService", "New", "llminstrOpenAIChatNew"),
		openai("openai.chat.completions.new_streaming", "chat", "", "ChatCompletionService", "NewStreaming", "llminstrOpenAIChatNewStreaming"),
		openai("openai.completions.new", "text_completion", "", "CompletionService", "New", "llminstrOpenAICompletionNew"),
		openai("openai.completions.new_streaming", "text_completion", "", "CompletionService", "NewStreaming", "llminstrOpenAICompletionNewStreaming"),
		openai("openai.embeddings.new", "embeddings", "", "EmbeddingService", "New", "llminstrOpenAIEmbeddingNew"),
		openai("openai.responses.new", "chat", "/responses", "ResponseService", "New", "llminstrOpenAIResponseNew"),
		openai("openai.responses.new_streaming", "chat", "/responses", "ResponseService", "NewStreaming", "llminstrOpenAIResponseNewStreaming"),
		{
			ID: "runtime.exit", Integration: "runtime",
			Packages: []string{"os"}, Name: "Exit",
			Adapter: "llminstrExit", AdapterFile: "exit/exit.go",
		},
		{
			ID: "runtime.log_fatal", Integration: "runtime",
			Packages: []string{"log"}, Name: "Fatal",
			Adapter: "llminstrLogFatal", AdapterFile: "exit/exit.go",
		},
		{
			ID: "runtime.log_fatalln", Integration: "runtime",
			Packages: []string{"log"}, Name: "Fatalln",
			Adapter: "llminstrLogFatalln", AdapterFile: "exit/exit.go",
		},
		{
			ID: "runtime.log_fatalf", Integration: "runtime",
			Packages: []string{"log"}, Name: "Fatalf",
			Adapter: "llminstrLogFatalf", AdapterFile: "exit/exit.go",
		},
		{
			ID: "runtime.agent", Integration: "runtime", Kind: KindDirective, Directive: "llminstr:agent",
			Adapter: "llminstrAgent", AdapterFile: "agent/agent.go",
		},
		{
			ID: "runtime.main", Integration: "runtime", Kind: KindMainPrologue,
			Adapter: "llminstrMainShutdown", AdapterFile: "exit/exit.go",
		},
	}
}

// SDKPackages returns the import paths of the SDK packages the rules target:
// a package that cannot reach one of them needs no instrumentation.
func SDKPackages(rs []Rule) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range rs {
		if r.Integration == "runtime" {
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

// Fingerprint is a short hash of the rules and adapter sources. It is part
// of the build cache key, so a changed rule set recompiles what it must.
func Fingerprint(rs []Rule) string {
	h := sha256.New()
	for _, r := range rs {
		fmt.Fprintf(h, "%#v\n", r)
	}
	_ = fs.WalkDir(adapterFS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(adapterFS, path)
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// RuntimePackage is the import path of the runtime every adapter uses.
const RuntimePackage = "github.com/llminstr/llminstr/runtime"

// IsRuntime reports whether importPath belongs to the runtime module or to
// OpenTelemetry, which are never instrumented.
func IsRuntime(importPath string) bool {
	return importPath == RuntimePackage || strings.HasPrefix(importPath, RuntimePackage+"/") ||
		strings.HasPrefix(importPath, "go.opentelemetry.io/")
}

// Integrations returns the names that can be disabled, sorted.
func Integrations(rs []Rule) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rs {
		if r.Integration != "runtime" && !seen[r.Integration] {
			seen[r.Integration] = true
			out = append(out, r.Integration)
		}
	}
	sort.Strings(out)
	return out
}
