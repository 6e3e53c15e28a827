//go:build windows

package toolexec

import (
	"path/filepath"
	"unsafe"

	"golang.org/x/sys/windows"
)

// parentProcess reads the executable, working directory and command line
// of process pid from its process environment block, as Process Explorer
// does: the block's address comes from NtQueryInformationProcess, and the
// process parameters it points to hold the command line and the current
// directory. The go command runs its tools as the same user, so the
// process may be opened for reading.
func parentProcess(pid int) (exe, dir string, argv []string) {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION|windows.PROCESS_VM_READ, false, uint32(pid))
	if err != nil {
		return "", "", nil
	}
	defer windows.CloseHandle(h)
	name := make([]uint16, windows.MAX_LONG_PATH)
	if n := uint32(len(name)); windows.QueryFullProcessImageName(h, 0, &name[0], &n) == nil {
		exe = windows.UTF16ToString(name[:n])
	}
	var info windows.PROCESS_BASIC_INFORMATION
	if windows.NtQueryInformationProcess(h, windows.ProcessBasicInformation, unsafe.Pointer(&info), uint32(unsafe.Sizeof(info)), nil) != nil {
		return exe, "", nil
	}
	var peb windows.PEB
	if !readMemory(h, uintptr(unsafe.Pointer(info.PebBaseAddress)), unsafe.Pointer(&peb), unsafe.Sizeof(peb)) {
		return exe, "", nil
	}
	var params windows.RTL_USER_PROCESS_PARAMETERS
	if !readMemory(h, uintptr(unsafe.Pointer(peb.ProcessParameters)), unsafe.Pointer(&params), unsafe.Sizeof(params)) {
		return exe, "", nil
	}
	if s, ok := readUnicodeString(h, params.CurrentDirectory.DosPath); ok {
		dir = filepath.Clean(s) // C:\work\app\ is kept with its backslash
	}
	if s, ok := readUnicodeString(h, params.CommandLine); ok {
		argv = splitCommandLine(s)
	}
	return exe, dir, argv
}

// readMemory copies size bytes at addr in the process to p.
func readMemory(h windows.Handle, addr uintptr, p unsafe.Pointer, size uintptr) bool {
	var n uintptr
	return addr != 0 && windows.ReadProcessMemory(h, addr, (*byte)(p), size, &n) == nil && n == size
}

// readUnicodeString reads the string s, which lives in the process.
func readUnicodeString(h windows.Handle, s windows.NTUnicodeString) (string, bool) {
	if s.Length == 0 || s.Buffer == nil {
		return "", false
	}
	buf := make([]uint16, s.Length/2)
	if !readMemory(h, uintptr(unsafe.Pointer(s.Buffer)), unsafe.Pointer(&buf[0]), uintptr(s.Length)) {
		return "", false
	}
	return windows.UTF16ToString(buf), true
}

// parentPID returns the process that created process pid (0 if unknown).
func parentPID(pid int) int {
	h, err := windows.OpenProcess(windows.PROCESS_QUERY_LIMITED_INFORMATION, false, uint32(pid))
	if err != nil {
		return 0
	}
	defer windows.CloseHandle(h)
	var info windows.PROCESS_BASIC_INFORMATION
	if windows.NtQueryInformationProcess(h, windows.ProcessBasicInformation, unsafe.Pointer(&info), uint32(unsafe.Sizeof(info)), nil) != nil {
		return 0
	}
	return int(info.InheritedFromUniqueProcessId)
}
