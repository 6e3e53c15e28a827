//go:build darwin

package toolexec

import "golang.org/x/sys/unix"

// parentProcess reads the executable and command line of process pid with
// the kern.procargs2 sysctl. The working directory is not read: the child
// build runs in the current one, the package's.
func parentProcess(pid int) (exe, dir string, argv []string) {
	buf, err := unix.SysctlRaw("kern.procargs2", pid)
	if err != nil {
		return "", "", nil
	}
	exe, argv = parseProcArgs(buf)
	return exe, "", argv
}

// parentPID returns the parent of process pid (0 if unknown).
func parentPID(pid int) int {
	info, err := unix.SysctlKinfoProc("kern.proc.pid", pid)
	if err != nil {
		return 0
	}
	return int(info.Eproc.Ppid)
}
