package toolexec

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/llminstr/llminstr/internal/config"
)

// The resolve cache keeps what a child `go list -deps -export` answered
// from one build to the next, beside the go command's build cache. An
// incremental build whose rewritten package finds no export file of the
// runtime in its dependencies' marks (a main package that calls an SDK
// itself) would otherwise start a go command again, about 0.3 s, only to
// hear the same answer.
//
// An answer is reused only when nothing that could change it has changed:
// the key holds llminstr's fingerprint (its binary, rules, configuration
// and the runtime and OpenTelemetry requirements), the go command and its
// tools, the parent's directory and build flags, the environment the go
// command gave its tools, and the module's go.mod and go.sum (or go.work
// and go.work.sum, or the -modfile). Local directories the answer's
// packages come from (a replaced runtime, a workspace module) are checked
// file by file, by size and modification time, on every use; the export
// files must all still be in the build cache. Builds the key cannot
// describe (vendored modules, -overlay, -a) run go list as before.

// resolveCacheVersion changes when the entry format or the key changes.
const resolveCacheVersion = "llminstr resolve cache 1"

// resolveCacheTrim is how long an entry unused is kept: the go command's
// own trim limit for its build cache.
const resolveCacheTrim = 5 * 24 * time.Hour

// maxLocalFiles bounds the files of the local directories an entry depends
// on: stamping a large tree on every use would cost more than it saves.
const maxLocalFiles = 4000

// resolveCacheEntry is one answer of a child go list.
type resolveCacheEntry struct {
	Exports map[string]string `json:"exports"`
	Modules map[string]string `json:"modules,omitempty"`
	// Local maps each local directory the answer's packages come from to
	// its stamp (see stampDir).
	Local map[string]string `json:"local,omitempty"`
}

// volatileEnv are variables that vary from one process of the same build to
// the next, or from one shell to the next, and change nothing go list
// answers.
var volatileEnv = map[string]bool{
	"PWD": true, "OLDPWD": true, "_": true, "SHLVL": true, "TOOLEXEC_IMPORTPATH": true,
	"MAKEFLAGS": true, "MFLAGS": true, "MAKELEVEL": true, "TERM": true, "COLUMNS": true, "LINES": true,
	"TMUX": true, "TMUX_PANE": true, "WINDOWID": true, "DISPLAY": true,
	"SSH_AUTH_SOCK": true, "SSH_CLIENT": true, "SSH_CONNECTION": true, "SSH_TTY": true,
	resolveEnv: true,
}

// resolveCacheDir is the directory of the resolve cache: llminstr/ in the
// go command's build cache, whose location the go command passes its tools
// in GOCACHE. It is empty when there is no build cache to keep it beside.
func resolveCacheDir() string {
	dir := os.Getenv("GOCACHE")
	if dir == "" || dir == "off" || !filepath.IsAbs(dir) {
		return ""
	}
	return filepath.Join(dir, "llminstr")
}

// resolveCacheKey returns the key of go list's answers in this build, or
// false when the build is one the key cannot describe. The packages asked
// for are not part of it: an entry holds every package go list named in its
// answers, each with its dependencies, and answers any question about
// them (the flags the child repeats apply to a package by pattern, never
// by its being named).
func resolveCacheKey() (string, bool) {
	parent := parentGoCommand()
	// Without the parent go command (not found among the ancestors), the
	// key would lack its directory and flags.
	if parent.forced || !filepath.IsAbs(parent.goBin) || resolveCacheDir() == "" {
		return "", false
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s\nllminstr %s\n", resolveCacheVersion, Fingerprint())
	fmt.Fprintf(h, "go %s\ndir %s\n", parent.goBin, parent.dir)
	for _, f := range parent.buildFlags {
		if strings.HasPrefix(f, "-overlay=") {
			return "", false // its files' contents are not in the key
		}
		fmt.Fprintf(h, "flag %q\n", f)
	}
	stampFile(h, parent.goBin)
	if toolDir := os.Getenv("GOTOOLDIR"); toolDir != "" {
		exe := ""
		if runtime.GOOS == "windows" {
			exe = ".exe"
		}
		stampFile(h, filepath.Join(toolDir, "compile"+exe))
		stampFile(h, filepath.Join(toolDir, "link"+exe))
	} else if toolPath != "" {
		stampFile(h, toolPath)
	}
	env := os.Environ()
	slices.Sort(env)
	for _, kv := range env {
		name, _, _ := strings.Cut(kv, "=")
		if !volatileEnv[name] && !slices.Contains(observingVars, name) {
			fmt.Fprintf(h, "env %q\n", kv)
		}
	}
	if goenv := os.Getenv("GOENV"); goenv != "" && goenv != "off" {
		hashFile(h, goenv)
	}
	if !hashModuleFiles(h, parent) {
		return "", false
	}
	return hex.EncodeToString(h.Sum(nil)), true
}

// hashModuleFiles writes the files that say which module versions the
// parent build uses: go.mod and go.sum (or those named by -modfile), go.work
// and go.work.sum. It reports false for a module that vendors its
// dependencies: their code is in vendor/, outside the key.
func hashModuleFiles(h hash.Hash, parent parentCommand) bool {
	root := config.ModuleRoot(parent.dir)
	gomod := ""
	if root != "" {
		if _, err := os.Stat(filepath.Join(root, "vendor", "modules.txt")); err == nil {
			return false
		}
		gomod = filepath.Join(root, "go.mod")
	}
	for _, f := range parent.buildFlags {
		if v, ok := strings.CutPrefix(f, "-modfile="); ok {
			if !filepath.IsAbs(v) {
				v = filepath.Join(parent.dir, v)
			}
			gomod = v
		}
		if f == "-mod=vendor" {
			return false
		}
	}
	if gomod != "" {
		hashFile(h, gomod)
		hashFile(h, strings.TrimSuffix(gomod, ".mod")+".sum")
	}
	if gowork := workFile(parent.dir); gowork != "" {
		hashFile(h, gowork)
		hashFile(h, gowork+".sum")
	}
	return true
}

// hashFile writes the name and content of a file, or that it is missing.
func hashFile(h hash.Hash, path string) {
	fmt.Fprintf(h, "file %s\n", path)
	f, err := os.Open(path)
	if err != nil {
		fmt.Fprintf(h, "missing\n")
		return
	}
	defer f.Close()
	n, _ := io.Copy(h, f)
	fmt.Fprintf(h, "\n%d bytes\n", n)
}

// stampFile writes a file's name, size and modification time: enough to
// tell a Go toolchain installed again in the same place.
func stampFile(h hash.Hash, path string) {
	fi, err := os.Stat(path)
	if err != nil {
		fmt.Fprintf(h, "stat %s missing\n", path)
		return
	}
	fmt.Fprintf(h, "stat %s %d %d\n", path, fi.Size(), fi.ModTime().UnixNano())
}

// stampDir returns a stamp of the files in a local module directory (size
// and modification time of each, testdata and hidden directories aside)
// and the newest modification time among them, or false when it cannot be
// read or holds more than maxLocalFiles files.
func stampDir(dir string) (stamp string, newest time.Time, ok bool) {
	h := sha256.New()
	n := 0
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") || strings.HasPrefix(d.Name(), "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if n++; n > maxLocalFiles {
			return errTooManyFiles
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if fi.ModTime().After(newest) {
			newest = fi.ModTime()
		}
		rel, _ := filepath.Rel(dir, path)
		fmt.Fprintf(h, "%s %d %d %v\n", filepath.ToSlash(rel), fi.Size(), fi.ModTime().UnixNano(), fi.Mode())
		return nil
	})
	if err != nil {
		return "", time.Time{}, false
	}
	return hex.EncodeToString(h.Sum(nil)), newest, true
}

var errTooManyFiles = errors.New("too many files")

// loadResolveCache returns the entry of key when it is still good: every
// export file it names is in the build cache, and every local directory it
// depends on is as it was. It marks the files it uses as used, as the go
// command does, so that its trim keeps them.
func loadResolveCache(key string) (resolveCacheEntry, bool) {
	path := filepath.Join(resolveCacheDir(), "resolve-"+key+".json")
	data, err := os.ReadFile(path)
	if err != nil {
		return resolveCacheEntry{}, false
	}
	var e resolveCacheEntry
	if err := json.Unmarshal(data, &e); err != nil || len(e.Exports) == 0 {
		return resolveCacheEntry{}, false
	}
	for dir, want := range e.Local {
		if got, _, ok := stampDir(dir); !ok || got != want {
			return resolveCacheEntry{}, false
		}
	}
	now := time.Now()
	for _, f := range e.Exports {
		fi, err := os.Stat(f)
		if err != nil {
			return resolveCacheEntry{}, false // trimmed from the build cache
		}
		markUsed(f, fi.ModTime(), now)
	}
	if fi, err := os.Stat(path); err == nil {
		markUsed(path, fi.ModTime(), now)
	}
	return e, true
}

// markUsed sets a file's modification time to now when it is more than an
// hour old, as the go command marks the build cache entries it uses.
func markUsed(path string, mtime, now time.Time) {
	if now.Sub(mtime) > time.Hour {
		_ = os.Chtimes(path, now, now)
	}
}

// storeResolveCache adds go list's answer, started at start, to the entry
// of key (old, when it was still good) with the stamps of the local
// directories the answer's packages come from, and removes entries unused
// for resolveCacheTrim. An answer is not kept when a file of those
// directories changed after go list started: the stamp might then describe
// files go list did not read. Failing to write only costs the next build a
// go list.
func storeResolveCache(key string, old, answer resolveCacheEntry, localDirs []string, start time.Time) {
	e := resolveCacheEntry{Exports: map[string]string{}, Modules: map[string]string{}, Local: map[string]string{}}
	for _, src := range []resolveCacheEntry{old, answer} {
		maps.Copy(e.Exports, src.Exports)
		maps.Copy(e.Modules, src.Modules)
	}
	dirs := slices.Collect(maps.Keys(old.Local))
	for _, dir := range append(dirs, localDirs...) {
		stamp, newest, ok := stampDir(dir)
		// File systems keep modification times as coarse as 2 s (FAT).
		if !ok || !newest.Before(start.Add(-2*time.Second)) {
			return
		}
		e.Local[dir] = stamp
	}
	dir := resolveCacheDir()
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return
	}
	trimResolveCache(dir, time.Now())
	data, err := json.Marshal(e)
	if err != nil {
		return
	}
	_ = writeFileAtomic(filepath.Join(dir, "resolve-"+key+".json"), data)
}

// trimResolveCache removes the entries of dir unused for resolveCacheTrim,
// and the runtime level's marks (see levelCacheFile).
func trimResolveCache(dir string, now time.Time) {
	entries, _ := os.ReadDir(dir)
	for _, d := range entries {
		if !strings.HasPrefix(d.Name(), "resolve-") && !strings.HasPrefix(d.Name(), "level-") {
			continue
		}
		if fi, err := d.Info(); err == nil && now.Sub(fi.ModTime()) > resolveCacheTrim {
			os.Remove(filepath.Join(dir, d.Name()))
		}
	}
}
