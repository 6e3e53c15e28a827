package integration

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"

	"github.com/llminstr/llminstr/internal/llmtest"
)

// realApplications are open-source modules that call LLM SDKs, on which
// llminstr init must raise no version.
var realApplications = []string{
	"github.com/mozilla-ai/any-llm-go@v0.8.0",                      // openai-go v1, anthropic, genai, ollama
	"github.com/ollama/ollama@v0.17.4",                             // the Ollama CLI and server
	"github.com/tmc/langchaingo@v0.1.14",                           // framework, many providers and vector stores
	"github.com/firebase/genkit/go@v1.4.0",                         // framework with OpenTelemetry of its own
	"github.com/cloudwego/eino-ext/components/model/openai@v0.1.7", // an old go line (1.18)
}

// TestInitUpgradesNothing: adding the runtime with llminstr init changes
// no version of a module the application already requires (OpenTelemetry
// modules older than the runtime's minimum aside), nor its go line unless
// it is older than the runtime's. It runs on the integration programs,
// examples/agent and real applications, against a module proxy serving
// this checkout's runtime.
func TestInitUpgradesNothing(t *testing.T) {
	llmtest.SkipShort(t)
	v := "v0.1.0-test.h" + runtimeHash(t)
	env := []string{fileProxy(t, v), "GONOSUMDB=github.com/llminstr", "GOFLAGS=-mod=mod"}
	runtimeMod := readModFile(t, filepath.Join(llmtest.RepoRoot(), "runtime", "go.mod"))
	otelMin := ""
	for _, r := range runtimeMod.Require {
		if r.Mod.Path == "go.opentelemetry.io/otel" {
			otelMin = r.Mod.Version
		}
	}

	type app struct{ name, dir string }
	var apps []app
	local, _ := filepath.Glob(filepath.Join(llmtest.RepoRoot(), "rules", "*", "testdata", "app"))
	local = append(local, filepath.Join(llmtest.RepoRoot(), "examples", "agent"))
	for _, src := range local {
		rel, _ := filepath.Rel(llmtest.RepoRoot(), src)
		apps = append(apps, app{rel, src})
	}
	for _, mv := range realApplications {
		out := llmtest.Run(t, "", nil, "go", "mod", "download", "-json", mv)
		var m struct{ Dir string }
		if err := json.Unmarshal([]byte(out), &m); err != nil || m.Dir == "" {
			t.Fatalf("go mod download %s: %v\n%s", mv, err, out)
		}
		apps = append(apps, app{mv, m.Dir})
	}

	for _, a := range apps {
		t.Run(strings.ReplaceAll(a.name, "/", "_"), func(t *testing.T) {
			dir := llmtest.CopyApp(t, a.dir)
			local := !strings.Contains(a.name, "@")
			if local {
				// The program as it was before llminstr: no runtime.
				llmtest.Run(t, dir, nil, "go", "mod", "edit", "-dropreplace=github.com/llminstr/llminstr/runtime", "-droprequire=github.com/llminstr/llminstr/runtime")
				for _, f := range []string{"tools.go", "llminstr.tools.go"} {
					os.Remove(filepath.Join(dir, f))
				}
				llmtest.Run(t, dir, env, "go", "mod", "tidy")
			}
			before := readModFile(t, filepath.Join(dir, "go.mod"))
			_, stderr, code := llminstrCmd(t, dir, env, "init", "-version", v)
			if code != 0 && strings.Contains(stderr, "found, but does not contain package") {
				// On a fresh module cache the module proxy once answered
				// that an OpenTelemetry module's version did not exist
				// (so go looked for the package in the parent module),
				// and served it a moment later: a transient answer of the
				// proxy, not of init, which is retried once.
				t.Logf("init: retrying once after a module proxy lookup failure:\n%s", stderr)
				time.Sleep(2 * time.Second)
				_, stderr, code = llminstrCmd(t, dir, env, "init", "-version", v)
			}
			if code != 0 {
				t.Fatalf("init exited %d: %s", code, stderr)
			}
			check := func(when string) {
				after := readModFile(t, filepath.Join(dir, "go.mod"))
				versions := map[string]string{}
				for _, r := range after.Require {
					versions[r.Mod.Path] = r.Mod.Version
				}
				for _, r := range before.Require {
					path, old := r.Mod.Path, r.Mod.Version
					if strings.HasPrefix(path, "go.opentelemetry.io/") && semver.Compare(old, otelMin) < 0 {
						continue
					}
					if now, ok := versions[path]; ok && now != old {
						t.Errorf("%s raised %s %s => %s", when, path, old, versions[path])
					}
				}
				if versions["github.com/llminstr/llminstr/runtime"] != v {
					t.Errorf("%s: the runtime is not required", when)
				}
				if before.Go != nil && after.Go.Version != before.Go.Version &&
					semver.Compare("v"+before.Go.Version, "v"+runtimeMod.Go.Version) >= 0 {
					t.Errorf("%s changed the go line: %s => %s", when, before.Go.Version, after.Go.Version)
				}
			}
			check("llminstr init")
			if local {
				// The user's next go mod tidy keeps it so.
				llmtest.Run(t, dir, env, "go", "mod", "tidy")
				check("go mod tidy after init")
			}
		})
	}
}

func readModFile(t *testing.T, path string) *modfile.File {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.ParseLax(path, data, nil)
	if err != nil {
		t.Fatal(err)
	}
	return f
}
