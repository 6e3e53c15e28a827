package trust

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llminstr/llminstr/rules"

	"github.com/llminstr/llminstr/internal/llmtest"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/rules/openai/openaitest"
)

// TestDotlessModule builds the chat app as a module without a dot in its
// path (`go mod init app`), including a main package that reaches the SDK
// only through one of the module's own packages: paths like app/llm must not
// be taken for the standard library.
func TestDotlessModule(t *testing.T) {
	llmtest.SkipShort(t)
	dir := copyApp(t, "openai")
	llmtest.Run(t, dir, nil, "go", "mod", "edit", "-module=app")
	llmtest.MoveImports(t, dir, "example.com/chatapp", "app", nil)
	e := newEnv(t)
	for _, tc := range []struct{ pkg, mode string }{
		{"./cmd/indirect", ""},
		{".", "via"},
	} {
		t.Run(strings.Trim(tc.pkg, "./"), func(t *testing.T) {
			bin := filepath.Join(t.TempDir(), "app")
			out := llmtest.Run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, tc.pkg)
			if strings.Contains(out, "warning") {
				t.Errorf("build warned:\n%s", out)
			}
			out, spans := e.Run(t, bin, false, tc.mode)
			if tc.mode == "" && !strings.Contains(out, "answer: "+fakeprovider.Answer) {
				t.Errorf("program output changed: %s", out)
			}
			llmtest.WantAttrs(t, llmtest.OneChatSpan(t, spans), map[string]any{
				"gen_ai.request.model": "gpt-4o-mini", "gen_ai.response.id": openaitest.ResponseID,
			})
		})
	}
}

// TestRuntimeReplacedNotRequired: a replace of the runtime with no require
// (what go mod tidy leaves when no tools file keeps it) stops the build with
// the one message that names the fix, printed once.
func TestRuntimeReplacedNotRequired(t *testing.T) {
	llmtest.SkipShort(t)
	dir := copyApp(t, "goopenai") // its sources do not import the runtime
	llmtest.Run(t, dir, nil, "go", "mod", "edit", "-droprequire=github.com/llminstr/llminstr/runtime")
	os.Remove(filepath.Join(dir, "tools.go"))
	out, err := llmtest.RunErr(dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, "./...")
	if err == nil {
		t.Fatalf("the build succeeded without the runtime:\n%s", out)
	}
	if n := strings.Count(out, `Fix: run "llminstr init"`); n != 1 {
		t.Errorf("the fix is printed %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "replaced but not required") {
		t.Errorf("go list's reason is not shown:\n%s", out)
	}
	if strings.Contains(out, "compiled without instrumentation") {
		t.Errorf("packages compiled uninstrumented:\n%s", out)
	}
}

// TestStrictIsAGate: LLMINSTR_STRICT=1 fails on every call site left
// uninstrumented (here a method used as a function value), also when a
// lenient build has already put the packages in the build cache.
func TestStrictIsAGate(t *testing.T) {
	llmtest.SkipShort(t)
	dir := copyApp(t, "goopenai") // a small SDK: the strict build recompiles all
	src := "package llm\n\nimport \"github.com/sashabaranov/go-openai\"\n\n" +
		"// NewFunc hands out the method as a function value.\n" +
		"func NewFunc(c *openai.Client) any { return c.CreateChatCompletion }\n"
	if err := os.WriteFile(filepath.Join(dir, "llm", "funcvalue.go"), []byte(src), 0o666); err != nil {
		t.Fatal(err)
	}
	site := "llm/funcvalue.go:6"

	// Lenient: builds, and the warning names the site.
	out := llmtest.Run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
	if !strings.Contains(out, site) || !strings.Contains(out, "function value") {
		t.Errorf("lenient build does not warn about %s:\n%s", site, out)
	}
	// Strict, with the lenient build's packages in the cache: fails.
	for i := 0; i < 2; i++ {
		out, err := llmtest.RunErr(dir, []string{"LLMINSTR_STRICT=1"}, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
		if err == nil || !strings.Contains(out, "LLMINSTR_STRICT=1") || !strings.Contains(out, site) {
			t.Errorf("strict build %d: err=%v, want a failure naming %s:\n%s", i+1, err, site, out)
		}
	}
	// An ignored site is the user's choice: strict passes.
	src = strings.Replace(src, "func NewFunc", "//llminstr:ignore\nfunc NewFunc", 1)
	os.WriteFile(filepath.Join(dir, "llm", "funcvalue.go"), []byte(src), 0o666)
	llmtest.Run(t, dir, []string{"LLMINSTR_STRICT=1"}, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
}

// TestOwnErrorsAsTheyAre: a main package with an error of its own, which
// reaches the SDK through another package and names none of its methods
// (so it gets the flush at exit without a type check first), fails to
// build with the compiler's errors exactly as a plain build prints them,
// lenient or strict, and no word from llminstr.
func TestOwnErrorsAsTheyAre(t *testing.T) {
	llmtest.SkipShort(t)
	dir := copyApp(t, "goopenai")
	src := "package main\n\nimport \"example.com/goopenaiapp/llm\"\n\n" +
		"func main() {\n\tvar n int = \"three\"\n\t_, _ = llm.Drain(nil)\n}\n"
	if err := os.MkdirAll(filepath.Join(dir, "cmd", "typo"), 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "cmd", "typo", "main.go"), []byte(src), 0o666); err != nil {
		t.Fatal(err)
	}
	plain, err := llmtest.RunErr(dir, nil, "go", "build", "-o", os.DevNull, "./cmd/typo")
	if err == nil || !strings.Contains(plain, "cmd/typo/main.go:6") {
		t.Fatalf("plain build: err=%v, want the type error:\n%s", err, plain)
	}
	for _, env := range [][]string{nil, {"LLMINSTR_STRICT=1"}} {
		out, err := llmtest.RunErr(dir, env, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, "./cmd/typo")
		if err == nil || out != plain {
			t.Errorf("%v: err=%v, output\n%s\nwant as plain\n%s", env, err, out, plain)
		}
	}
}

// TestBuildSwitchMistakes: a mistyped build-time switch fails the build
// with one message naming it, before anything compiles and whatever the
// build cache holds; names of integrations are taken in any case.
func TestBuildSwitchMistakes(t *testing.T) {
	llmtest.SkipShort(t)
	dir := copyApp(t, "goopenai")
	llmtest.Run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".") // warm the cache
	for _, tc := range []struct{ env, want string }{
		{"LLMINSTR_STRICT=ture", `LLMINSTR_STRICT="ture": want 1`},
		{"LLMINSTR_DEBUG=verbose", `LLMINSTR_DEBUG="verbose"`},
		{"LLMINSTR_DISABLE=go-openai,gemeni", `LLMINSTR_DISABLE: unknown integration "gemeni"`},
	} {
		out, err := llmtest.RunErr(dir, []string{tc.env}, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
		if err == nil || strings.Count(out, tc.want) != 1 {
			t.Errorf("%s: err=%v, want one failure saying %q:\n%s", tc.env, err, tc.want, out)
		}
	}
	// Any case names the integration.
	llmtest.Run(t, dir, []string{"LLMINSTR_DISABLE=Go-OpenAI"}, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
}

// TestRuntimeNeverInTheWay runs the chat app built plain and instrumented
// under environments where the runtime's own setup goes wrong, and at exits
// where its flush cannot finish: the program must behave as the plain build
// does, and lose no message.
func TestRuntimeNeverInTheWay(t *testing.T) {
	llmtest.SkipShort(t)
	dir := copyApp(t, "openai")
	instrumented := build(t, dir, nil)
	plain := filepath.Join(t.TempDir(), "chatapp-plain")
	llmtest.Run(t, dir, nil, "go", "build", "-o", plain, ".")
	e := newEnv(t)

	// stdout and exit status of a run; stderr apart.
	runBin := func(bin, mode string, env []string) (stdout, stderr string, code int, took time.Duration) {
		cmd := exec.Command(bin, mode)
		cmd.Env = append(append(os.Environ(), e.Env...), env...)
		var o, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &errb
		start := time.Now()
		err := cmd.Run()
		took = time.Since(start)
		code = cmd.ProcessState.ExitCode()
		if err != nil && code < 0 {
			t.Fatalf("%s %s: %v", bin, mode, err)
		}
		return o.String(), errb.String(), code, took
	}

	t.Run("bad_environment", func(t *testing.T) {
		// Every OTEL_* variable the runtime or the SDK it sets up reads,
		// with values that are wrong: the call's result is the plain build's.
		bad := []string{
			"OTEL_BSP_MAX_QUEUE_SIZE=-1", "OTEL_BSP_MAX_QUEUE_SIZE=0", "OTEL_BSP_MAX_QUEUE_SIZE=many",
			"OTEL_BSP_MAX_QUEUE_SIZE=99999999999999",
			"OTEL_BSP_MAX_EXPORT_BATCH_SIZE=-1", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE=99999999999999",
			"OTEL_BSP_SCHEDULE_DELAY=-1", "OTEL_BSP_SCHEDULE_DELAY=0", "OTEL_BSP_EXPORT_TIMEOUT=-1",
			"OTEL_TRACES_EXPORTER=zipkin", "OTEL_TRACES_EXPORTER=console,otlp", "OTEL_TRACES_EXPORTER=,",
			"OTEL_METRICS_EXPORTER=prometheus", "OTEL_METRICS_EXPORTER=console,otlp",
			"OTEL_EXPORTER_OTLP_PROTOCOL=http/json", "OTEL_EXPORTER_OTLP_PROTOCOL=carrier-pigeon",
			"OTEL_EXPORTER_OTLP_ENDPOINT=://no-scheme", "OTEL_EXPORTER_OTLP_ENDPOINT=http://[::1",
			"OTEL_EXPORTER_OTLP_HEADERS==,=", "OTEL_EXPORTER_OTLP_HEADERS=%zz=1",
			"OTEL_EXPORTER_OTLP_TIMEOUT=-1", "OTEL_EXPORTER_OTLP_TIMEOUT=soon",
			"OTEL_EXPORTER_OTLP_COMPRESSION=zip", "OTEL_EXPORTER_OTLP_CERTIFICATE=/no/such/file",
			"OTEL_EXPORTER_OTLP_INSECURE=maybe",
			"OTEL_TRACES_SAMPLER=sometimes", "OTEL_TRACES_SAMPLER=traceidratio", "OTEL_TRACES_SAMPLER_ARG=-3",
			"OTEL_RESOURCE_ATTRIBUTES==,,=x,%zz", "OTEL_SERVICE_NAME=",
			"OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT=-1", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT=-5",
			"OTEL_METRIC_EXPORT_INTERVAL=-1", "OTEL_METRIC_EXPORT_TIMEOUT=0",
			"OTEL_SDK_DISABLED=perhaps", "OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_everything",
			"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=loud",
			"LLMINSTR_MAX_CONTENT_BYTES=-1", "LLMINSTR_REDACT=(", "LLMINSTR_PRICES=/no/such/file",
		}
		for _, mode := range []string{"plain", "stream"} {
			wantOut, _, wantCode, _ := runBin(plain, mode, nil)
			if wantCode != 0 || wantOut == "" {
				t.Fatalf("plain %s: exit %d, output %q", mode, wantCode, wantOut)
			}
			for _, kv := range bad {
				out, stderr, code, _ := runBin(instrumented, mode, []string{kv})
				if out != wantOut || code != wantCode {
					t.Errorf("%s %s: exit %d, output %q; the plain build exits %d with %q\nstderr: %s", kv, mode, code, out, wantCode, wantOut, stderr)
				}
				if strings.Contains(stderr, "panic") || strings.Contains(stderr, "nil Context") {
					t.Errorf("%s %s: %s", kv, mode, stderr)
				}
			}
		}
	})

	// A collector that accepts connections and never answers.
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c) // held open, never answered
		}
	}()
	hanging := []string{"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + silent.Addr().String()}

	t.Run("exit_with_silent_collector", func(t *testing.T) {
		for _, mode := range []string{"plain", "exit", "fatal"} {
			out, stderr, code, took := runBin(instrumented, mode, hanging)
			_, _, wantCode, plainTook := runBin(plain, mode, hanging)
			if code != wantCode {
				t.Errorf("%s: exit %d, want %d", mode, code, wantCode)
			}
			// The flush at exit waits one second by default; the
			// exporter's own timeout is 10 s, the old bound was 5 s.
			if took > plainTook+4*time.Second {
				t.Errorf("%s: the instrumented program took %v to exit (plain %v)", mode, took, plainTook)
			}
			if !strings.Contains(stderr, "spans were not exported") {
				t.Errorf("%s: the lost span is not reported:\n%s", mode, stderr)
			}
			if mode == "fatal" {
				msg := strings.Index(stderr, "done: "+openaitest.ResponseID)
				lost := strings.Index(stderr, "spans were not exported")
				if msg < 0 || msg > lost {
					t.Errorf("log.Fatalf's message comes after the flush:\n%s", stderr)
				}
			}
			_ = out
		}
	})

	t.Run("stream_open_at_exit", func(t *testing.T) {
		out, spans := e.Run(t, instrumented, false, "abandon")
		if !strings.Contains(out, "first chunk: "+openaitest.ResponseID) {
			t.Errorf("output: %s", out)
		}
		s := llmtest.OneChatSpan(t, spans)
		llmtest.WantAttrs(t, s, map[string]any{"llminstr.unfinished": true, "gen_ai.response.id": openaitest.ResponseID, "gen_ai.request.stream": true})
		if !strings.Contains(out, "still open at exit") {
			t.Errorf("the unfinished span is not reported:\n%s", out)
		}
	})
}

// TestOldGo: with a Go older than the runtime needs (go1.23; the toolchain
// comes from the module proxy), the build goes on uninstrumented with one
// warning that names the versions and the fix; strict mode fails it.
func TestOldGo(t *testing.T) {
	llmtest.SkipShort(t)
	dir := copyApp(t, "goopenai")
	llmtest.Run(t, dir, nil, "go", "mod", "edit", "-go=1.23", "-toolchain=none")
	env := []string{"GOTOOLCHAIN=go1.23.12", "GOFLAGS=-mod=mod"}
	out := llmtest.Run(t, dir, env, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
	const want = "needs Go 1.24.0 or later, and this build uses go1.23.12"
	if n := strings.Count(out, want); n != 1 {
		t.Errorf("the warning is printed %d times, want once:\n%s", n, out)
	}
	if !strings.Contains(out, "Fix: build with Go 1.24.0 or later") || strings.Count(out, "llminstr:") != 1 {
		t.Errorf("want one clear warning with the fix:\n%s", out)
	}
	out, err := llmtest.RunErr(dir, append(env, "LLMINSTR_STRICT=1"), "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
	if err == nil || !strings.Contains(out, want) {
		t.Errorf("strict build: err=%v\n%s", err, out)
	}
}

// TestOldRuntime: a runtime module older than the adapters need is
// reported once, as such, with the command that updates it; the build goes
// on uninstrumented, and strict mode fails it. Older runtimes come in two
// shapes: without the package the adapters import (before level 3; here a
// runtime package with APILevel 2, or with none, as before level 2), and
// with it at a lower level (what the next level will find).
func TestOldRuntime(t *testing.T) {
	llmtest.SkipShort(t)
	for _, tc := range []struct {
		name  string
		older func(t *testing.T, dir string)
		level int
	}{
		{"level 2, no injected package", func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, "injected"))
			os.WriteFile(filepath.Join(dir, "runtime.go"), []byte("package runtime\n\nconst APILevel = 2\n"), 0o666)
		}, 2},
		{"level 1, no injected package", func(t *testing.T, dir string) {
			os.RemoveAll(filepath.Join(dir, "injected"))
			os.WriteFile(filepath.Join(dir, "runtime.go"), []byte("package runtime\n"), 0o666)
		}, 1},
		{"injected package at a lower level", func(t *testing.T, dir string) {
			provider := filepath.Join(dir, "injected", "provider.go")
			src, err := os.ReadFile(provider)
			if err != nil {
				t.Fatal(err)
			}
			current := fmt.Sprintf("const APILevel = %d", rules.RuntimeAPILevel)
			older := strings.Replace(string(src), current, fmt.Sprintf("const APILevel = %d", rules.RuntimeAPILevel-1), 1)
			if older == string(src) {
				t.Fatalf("runtime/injected/provider.go declares no %s", current)
			}
			os.WriteFile(provider, []byte(older), 0o666)
		}, rules.RuntimeAPILevel - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyApp(t, "goopenai")
			old := filepath.Join(t.TempDir(), "runtime")
			if err := os.CopyFS(old, os.DirFS(filepath.Join(llmtest.RepoRoot(), "runtime"))); err != nil {
				t.Fatal(err)
			}
			tc.older(t, old)
			llmtest.Run(t, dir, nil, "go", "mod", "edit", "-replace=github.com/llminstr/llminstr/runtime="+old)

			out := llmtest.Run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
			want := fmt.Sprintf("(API level %d) is older than this llminstr needs (level %d)", tc.level, rules.RuntimeAPILevel)
			if n := strings.Count(out, want); n != 1 || !strings.Contains(out, `Fix: run "llminstr init"`) {
				t.Errorf("want %q once, with the fix:\n%s", want, out)
			}
			if strings.Contains(out, "does not type-check") || strings.Contains(out, "does not require") {
				t.Errorf("reported as another failure:\n%s", out)
			}
			out, err := llmtest.RunErr(dir, []string{"LLMINSTR_STRICT=1"}, "go", "build", "-toolexec="+llminstrBin, "-o", os.DevNull, ".")
			if err == nil || !strings.Contains(out, want) {
				t.Errorf("strict build: err=%v\n%s", err, out)
			}
		})
	}
}

// TestSDKBehindAPI: an application whose dependencies select an
// OpenTelemetry API newer than its OpenTelemetry SDK (langchaingo's do) is
// instrumented on its first build, without a warning: the runtime records
// through the API alone and compiles none of the SDK's span or metric
// code, which does not compile against a newer API. llminstr init changes
// none of those versions.
func TestSDKBehindAPI(t *testing.T) {
	llmtest.SkipShort(t)
	dir := copyApp(t, "goopenai") // its sources do not import the runtime
	env := []string{"GOFLAGS=-mod=mod"}
	otel := []string{
		"go.opentelemetry.io/otel@v1.38.0", "go.opentelemetry.io/otel/metric@v1.38.0", "go.opentelemetry.io/otel/trace@v1.38.0",
		"go.opentelemetry.io/otel/sdk@v1.24.0", "go.opentelemetry.io/otel/sdk/metric@v1.24.0",
	}
	edit := []string{"mod", "edit"}
	for _, m := range otel {
		edit = append(edit, "-require="+m)
	}
	llmtest.Run(t, dir, env, "go", edit...)
	llmtest.Run(t, dir, env, "go", "mod", "download")
	e := newEnv(t)
	bin := filepath.Join(t.TempDir(), "app")

	out := llmtest.Run(t, dir, env, "go", "build", "-toolexec="+llminstrBin, "-o", bin, ".")
	if strings.Contains(out, "warning") {
		t.Errorf("the build warned:\n%s", out)
	}
	_, spans := e.Run(t, bin, false, "plain")
	llmtest.WantAttrs(t, llmtest.OneChatSpan(t, spans), map[string]any{"gen_ai.provider.name": "openai"})

	llmtest.Run(t, dir, env, llminstrBin, "init")
	listed := llmtest.Run(t, dir, env, "go", "list", "-m", "-f", "{{.Path}}@{{.Version}}",
		"go.opentelemetry.io/otel", "go.opentelemetry.io/otel/metric", "go.opentelemetry.io/otel/trace",
		"go.opentelemetry.io/otel/sdk", "go.opentelemetry.io/otel/sdk/metric")
	if got := strings.Fields(listed); strings.Join(got, " ") != strings.Join(otel, " ") {
		t.Errorf("after llminstr init the build selects %v, want %v", got, otel)
	}
}

// TestCgoCompilerChange: a cgo package built with -toolexec=llminstr is
// rebuilt when the C compiler changes, as in a plain build. The go command
// learns the compiler's version for its cache keys by running
// "$TOOLEXEC $CC -### -x c -c -" with $CC as given, often a bare name; a
// wrapper that refuses it leaves the version out of the keys, and the
// build reuses packages compiled by the old compiler.
func TestCgoCompilerChange(t *testing.T) {
	llmtest.SkipShort(t)
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("no gcc:", err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":  "module cgoapp\n\ngo 1.24\n",
		"main.go": "package main\n\n/*\nstatic int answer(void) { return 42; }\n*/\nimport \"C\"\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(C.answer()) }\n",
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	// A C compiler whose version the test sets: gcc, announcing another
	// version first when asked with -###. $CC names it, as it names gcc by
	// default, and its path stays the same.
	bin := t.TempDir()
	cc := filepath.Join(bin, "testcc")
	setVersion := func(v string) {
		script := "#!/bin/sh\nfor a in \"$@\"; do [ \"$a\" = \"-###\" ] && echo \"testcc version " + v + "\" >&2; done\nexec gcc \"$@\"\n"
		if err := os.WriteFile(cc, []byte(script), 0o777); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"CGO_ENABLED=1", "CC=testcc", "PATH=" + bin + string(os.PathListSeparator) + os.Getenv("PATH")}
	run := time.Now().UnixNano() // versions no earlier run has cached
	for _, mode := range []struct {
		name  string
		flags []string
	}{
		{"plain", nil},
		{"instrumented", []string{"-toolexec=" + llminstrBin}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			compiled := func(v string) bool {
				setVersion(v)
				args := append([]string{"build", "-v", "-o", filepath.Join(t.TempDir(), "app")}, mode.flags...)
				out := llmtest.Run(t, dir, env, "go", append(args, ".")...)
				if strings.Contains(out, "llminstr") {
					t.Errorf("the build with C compiler version %s printed:\n%s", v, out)
				}
				return slices.Contains(strings.Split(out, "\n"), "cgoapp")
			}
			v1, v2 := fmt.Sprintf("1.%d", run), fmt.Sprintf("2.%d", run)
			if !compiled(v1) {
				t.Errorf("the first build did not compile the cgo package")
			}
			if compiled(v1) {
				t.Errorf("the cgo package was compiled again with the same C compiler")
			}
			if !compiled(v2) {
				t.Errorf("the cgo package was not compiled again after the C compiler changed")
			}
		})
	}
}
