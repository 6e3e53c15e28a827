//go:build !darwin && !windows

package toolexec

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// parentProcess reads the executable, working directory and command line
// of process pid from /proc (Linux and the systems that have it; elsewhere
// each is empty).
func parentProcess(pid int) (exe, dir string, argv []string) {
	proc := filepath.Join("/proc", strconv.Itoa(pid))
	exe, _ = os.Readlink(filepath.Join(proc, "exe"))
	dir, _ = os.Readlink(filepath.Join(proc, "cwd"))
	if data, err := os.ReadFile(filepath.Join(proc, "cmdline")); err == nil {
		argv = strings.Split(strings.TrimRight(string(data), "\x00"), "\x00")
	}
	return exe, dir, argv
}

// parentPID returns the parent of process pid, from /proc/pid/stat (0 if
// unknown).
func parentPID(pid int) int {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0
	}
	// pid (comm) state ppid ...: comm may hold spaces and parentheses.
	i := strings.LastIndexByte(string(data), ')')
	if i < 0 {
		return 0
	}
	fields := strings.Fields(string(data[i+1:]))
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}
