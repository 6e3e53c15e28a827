package injected

import (
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
)

// TestInitIsLight checks what every instrumented program pays when it
// starts, whether it makes an LLM call or not: the runtime's packages
// initialize without compiling patterns or building tables that only a
// call, or content capture, uses. The test binary is run again with
// GODEBUG=inittrace=1, which prints each package's initialization.
func TestInitIsLight(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the test binary again")
	}
	const maxBytes, maxAllocs = 32 << 10, 128
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	// init pkg @0.1 ms, 0.01 ms clock, 640 bytes, 5 allocs
	line := regexp.MustCompile(`(?m)^init (github\.com/llminstr/llminstr/runtime/\S+) @\S+ ms, \S+ ms clock, (\d+) bytes, (\d+) allocs$`)
	found := map[string]bool{}
	for _, m := range line.FindAllStringSubmatch(string(out), -1) {
		bytes, _ := strconv.Atoi(m[2])
		allocs, _ := strconv.Atoi(m[3])
		found[m[1]] = true
		t.Logf("%s: %d bytes, %d allocs", m[1], bytes, allocs)
		if bytes > maxBytes || allocs > maxAllocs {
			t.Errorf("initializing %s allocates %d bytes in %d allocations, more than %d bytes or %d allocations", m[1], bytes, allocs, maxBytes, maxAllocs)
		}
	}
	for _, pkg := range []string{"injected", "pipeline", "otlp"} {
		if path := "github.com/llminstr/llminstr/runtime/" + pkg; !found[path] {
			t.Errorf("no inittrace line for %s in the output:\n%s", path, out)
		}
	}
}
