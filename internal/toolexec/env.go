package toolexec

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
)

// switchValue reads a build-time switch such as LLMINSTR_STRICT: unset,
// empty, 0, false, no and off are off; 1, true, yes and on are on, in any
// case. Any other value is an error: a CI gate that sets
// LLMINSTR_STRICT=ture must not pass silently unchecked.
func switchValue(name string) (bool, error) {
	v := strings.TrimSpace(os.Getenv(name))
	switch strings.ToLower(v) {
	case "", "0", "false", "no", "off":
		return false, nil
	case "1", "true", "yes", "on":
		return true, nil
	}
	return true, fmt.Errorf("%s=%q: want 1 (or true, yes, on) to turn it on, 0 (or false, no, off, or unset) to leave it off", name, v)
}

// strict is set by LLMINSTR_STRICT: a call site left uninstrumented or an
// internal error fails the build instead of printing a warning. A value
// that is neither on nor off counts as on (and checkBuildEnv fails the
// build on it first).
func strict() bool {
	on, _ := switchValue("LLMINSTR_STRICT")
	return on
}

// debugOn is set by LLMINSTR_DEBUG.
func debugOn() bool {
	on, err := switchValue("LLMINSTR_DEBUG")
	return on && err == nil
}

// observingVars are the switches that watch the compiles themselves. A build
// that reused the build cache would compile, and so report, keep or explain,
// nothing: with any of them set the build cache key is new for each build.
var observingVars = []string{"LLMINSTR_REPORT", "LLMINSTR_KEEP", "LLMINSTR_DEBUG"}

// observing reports whether the build watches its compiles (see
// observingVars).
func observing() bool {
	return os.Getenv("LLMINSTR_REPORT") != "" || os.Getenv("LLMINSTR_KEEP") != "" || debugOn()
}

// buildNonce is new for every process that asks for it: the go command asks
// `compile -V=full` once per build, so a fingerprint holding it is the
// build's own.
func buildNonce() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// checkBuildEnv checks the build-time configuration (LLMINSTR_STRICT,
// LLMINSTR_DEBUG, LLMINSTR_DISABLE, llminstr.yaml) once per build, when the
// go command asks for the compiler's identity: a mistake fails the build
// with one message, before anything is compiled, warm cache or not.
func checkBuildEnv() error {
	for _, name := range []string{"LLMINSTR_STRICT", "LLMINSTR_DEBUG"} {
		if _, err := switchValue(name); err != nil {
			return err
		}
	}
	if _, err := loadConfig(); err != nil {
		return err
	}
	return nil
}

// childEnv is the environment of llminstr's child go command: the parent's,
// marked as a child, without the switches that only the parent's compiles
// act on (the child would otherwise never reuse its build cache).
func childEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		observed := false
		for _, o := range observingVars {
			observed = observed || name == o
		}
		if !observed {
			env = append(env, kv)
		}
	}
	return append(env, resolveEnv+"=1")
}
