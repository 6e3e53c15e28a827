package archive

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestAppendRead appends the member to an archive of even and odd size and
// reads it back. (That the linker skips the member is shown by every
// integration test, whose programs link marked archives.)
func TestAppendRead(t *testing.T) {
	dir := t.TempDir()
	marks := map[string]Deps{
		"reaches": {Reaches: true, Imports: []string{"a/b", "c"}, Exports: map[string]string{"a/b": "/cache/ab-d", "c": "/cache/c-d"},
			Modules: map[string]string{"a/b": "a\tv1.2.3\th1:x=", "c": "c\tv0.0.0\t\t=>\t/my dir/c\t\t"},
			Wire:    map[string]string{"a/b": "/src/a b/client.go:12:9", "example.com/c": "./c.go:3:1"},
			OTel:    "/cache/o t-d"},
		"otel only": {Exports: map[string]string{}, Modules: map[string]string{}, OTel: "/cache/ot-d"},
	}
	for name, want := range marks {
		for _, size := range []int{0, 1} { // an odd-sized archive gets padding
			path := filepath.Join(dir, "pkg.a")
			content := "!<arch>\n" + "__.PKGDEF       0           0     0     644     1         `\n" + "x"
			if size == 0 {
				content += "\n"
			}
			if err := os.WriteFile(path, []byte(content), 0o666); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := Read(path); ok || err != nil {
				t.Fatalf("unmarked archive: ok=%v err=%v", ok, err)
			}
			if err := Append(path, want); err != nil {
				t.Fatal(err)
			}
			got, ok, err := Read(path)
			if !ok || err != nil || !reflect.DeepEqual(got, want) {
				t.Fatalf("%s: read back %+v ok=%v err=%v, want %+v", name, got, ok, err, want)
			}
		}
	}
	if _, ok, _ := Read(filepath.Join(dir, "missing.a")); ok {
		t.Error("missing file reported as marked")
	}
}
