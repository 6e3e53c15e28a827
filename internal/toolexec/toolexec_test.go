package toolexec

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestIsToolInvocation(t *testing.T) {
	compile := filepath.Join(t.TempDir(), "compile")
	for _, tc := range []struct {
		args string
		want bool
	}{
		{compile + " -o x.a -p main", true},
		{compile + " -V=full", true},
		// cmd/go's gccToolID, with $CC as the user set it.
		{"gcc -### -x c -c -", true},
		{"clang -### -x c++ -c -", true},
		{"x86_64-linux-gnu-gcc -### -x c -c -", true},
		// llminstr's own commands.
		{"", false},
		{"report", false},
		{"diff ./...", false},
		{"view -addr :0", false},
		{"gcc", false},
	} {
		if got := IsToolInvocation(strings.Fields(tc.args)); got != tc.want {
			t.Errorf("IsToolInvocation(%q) = %v, want %v", tc.args, got, tc.want)
		}
	}
}
