package toolexec

import (
	"encoding/binary"
	"os"
	"reflect"
	"slices"
	"testing"
)

func TestChildBuildFlags(t *testing.T) {
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"-o", "x", "./cmd/app"}, nil},
		{[]string{"-race", "-tags", "netgo,x", "-trimpath", "."}, []string{"-race", "-tags=netgo,x", "-trimpath"}},
		{[]string{"-toolexec=llminstr", "-mod=vendor", "./..."}, []string{"-toolexec=llminstr", "-mod=vendor"}},
		// Pattern-less -gcflags apply to the parent's packages only.
		{[]string{"-gcflags=-N -l", "-gcflags", "all=-d=checkptr", "."}, []string{"-gcflags=all=-d=checkptr"}},
		// go test flags after the packages, with values to skip.
		{[]string{"./...", "-run", "-race", "-count=1", "-race"}, []string{"-race"}},
		// -cover without -coverpkg covers only the parent's packages.
		{[]string{"-cover", "-covermode=atomic", "."}, nil},
		{[]string{"-cover", "-coverpkg=./...", "."}, []string{"-cover", "-coverpkg=./..."}},
		{[]string{"--tags=a", "-ldflags", "-s -w", "."}, []string{"-tags=a"}},
	}
	for _, tc := range cases {
		if got := childBuildFlags(tc.args); !reflect.DeepEqual(got, tc.want) && len(got)+len(tc.want) > 0 {
			t.Errorf("childBuildFlags(%q) = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestAppendFingerprint(t *testing.T) {
	cases := []struct{ line, want string }{
		{"compile version go1.26.8", "compile version go1.26.8:llminstr@fp"},
		{"compile version devel go1.27-abc buildID=xyz", "compile version devel go1.27-abc buildID=xyz+llminstr.fp"},
	}
	for _, tc := range cases {
		if got := appendFingerprint(tc.line, "fp"); got != tc.want {
			t.Errorf("appendFingerprint(%q) = %q, want %q", tc.line, got, tc.want)
		}
	}
}

// TestParseProcArgs reads command lines as macOS's kern.procargs2 lays
// them out.
func TestParseProcArgs(t *testing.T) {
	procargs := func(argc uint32, rest string) []byte {
		return append(binary.LittleEndian.AppendUint32(nil, argc), rest...)
	}
	for _, tc := range []struct {
		name string
		buf  []byte
		exe  string
		argv []string
	}{
		{"go build", procargs(4, "/usr/local/go/bin/go\x00\x00\x00\x00go\x00build\x00-race\x00./...\x00PATH=/bin\x00HOME=/h\x00"),
			"/usr/local/go/bin/go", []string{"go", "build", "-race", "./..."}},
		{"no padding", procargs(2, "/bin/go\x00go\x00test\x00"), "/bin/go", []string{"go", "test"}},
		{"cut short", procargs(3, "/bin/go\x00go\x00test"), "/bin/go", nil},
		{"too short", []byte{1, 0}, "", nil},
		{"no executable end", procargs(1, "/bin/go"), "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			exe, argv := parseProcArgs(tc.buf)
			if exe != tc.exe || !slices.Equal(argv, tc.argv) {
				t.Errorf("parseProcArgs = %q %q, want %q %q", exe, argv, tc.exe, tc.argv)
			}
		})
	}
}

// TestSplitCommandLine: Windows command lines as a shell or another
// program gives them to the go command, split into its arguments, and the
// flags the child build takes from them.
func TestSplitCommandLine(t *testing.T) {
	for _, tc := range []struct {
		line  string
		argv  []string
		flags []string
	}{
		{`go build -race -toolexec=llminstr ./...`,
			[]string{"go", "build", "-race", "-toolexec=llminstr", "./..."}, []string{"-race", "-toolexec=llminstr"}},
		{`"C:\Program Files\Go\bin\go.exe" build -toolexec "C:\Users\ana\go\bin\llminstr.exe" -o C:\out\ .`,
			[]string{`C:\Program Files\Go\bin\go.exe`, "build", "-toolexec", `C:\Users\ana\go\bin\llminstr.exe`, "-o", `C:\out\`, "."},
			[]string{`-toolexec=C:\Users\ana\go\bin\llminstr.exe`}},
		{"go  test\t-tags \"netgo osusergo\" -gcflags \"all=-N -l\" -trimpath ./...",
			[]string{"go", "test", "-tags", "netgo osusergo", "-gcflags", "all=-N -l", "-trimpath", "./..."},
			[]string{"-tags=netgo osusergo", "-gcflags=all=-N -l", "-trimpath"}},
		// Escaped quotes and backslashes, as syscall.EscapeArg writes them.
		{`go test -run "Test\"Quoted\"" -coverpkg=C:\a\\b\\ -cover x\\"y z"\\\"`,
			[]string{"go", "test", "-run", `Test"Quoted"`, `-coverpkg=C:\a\\b\\`, "-cover", `x\y z\"`},
			[]string{`-coverpkg=C:\a\\b\\`, "-cover"}},
		{`go build "" -mod=mod "a""b"`, []string{"go", "build", "", "-mod=mod", `a"b`}, []string{"-mod=mod"}},
		{`"C:\Go\bin\go.exe"`, []string{`C:\Go\bin\go.exe`}, nil},
	} {
		argv := splitCommandLine(tc.line)
		if !slices.Equal(argv, tc.argv) {
			t.Errorf("splitCommandLine(%s) = %q, want %q", tc.line, argv, tc.argv)
			continue
		}
		var flags []string
		if len(argv) > 2 {
			flags = childBuildFlags(argv[2:])
		}
		if !slices.Equal(flags, tc.flags) {
			t.Errorf("flags of %s = %q, want %q", tc.line, flags, tc.flags)
		}
	}
}

// TestParentPID: the walk up the process tree starts where os.Getppid
// does.
func TestParentPID(t *testing.T) {
	if _, err := os.Stat("/proc/self/stat"); err != nil {
		t.Skip("no /proc")
	}
	if got, want := parentPID(os.Getpid()), os.Getppid(); got != want {
		t.Errorf("parentPID(self) = %d, want %d", got, want)
	}
	if got := parentPID(-1); got != 0 {
		t.Errorf("parentPID(-1) = %d, want 0", got)
	}
}

func TestIsGoCommand(t *testing.T) {
	for _, tc := range []struct {
		exe  string
		argv []string
		want bool
	}{
		{"/usr/local/go/bin/go", []string{"go", "build", "."}, true},
		{"/opt/go/bin/go", []string{"/opt/go/bin/go", "test", "./..."}, true},
		{"/bin/bash", []string{"/bin/sh", "wrap.sh", "compile"}, false},
		{"/usr/local/go/bin/go", []string{"go"}, false},
		{"", []string{"go", "build", "."}, false},
	} {
		if got := isGoCommand(tc.exe, tc.argv); got != tc.want {
			t.Errorf("isGoCommand(%q, %q) = %v, want %v", tc.exe, tc.argv, got, tc.want)
		}
	}
}
