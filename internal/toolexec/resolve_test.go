package toolexec

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestResolverTellsOnce: a failure found by a compile that resolved the
// runtime before it was needed is told whole by the first process that
// needs the runtime, and as "printed above" by the rest.
func TestResolverTellsOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		m    memo
		want func(error) (reported bool, ok bool)
	}{
		{"missing runtime", memo{MissingRuntime: "no required module provides package"}, func(err error) (bool, bool) {
			var e *missingRuntimeError
			return errors.As(err, &e) && e.reported, errors.As(err, &e)
		}},
		{"old go", memo{OldGo: "requires go >= 1.24.0 (running go 1.23.4)"}, func(err error) (bool, bool) {
			var e *oldGoError
			return errors.As(err, &e) && e.reported, errors.As(err, &e)
		}},
		{"old runtime", memo{OldRuntime: 2}, func(err error) (bool, bool) {
			var e *oldRuntimeError
			return errors.As(err, &e) && e.reported, errors.As(err, &e)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &resolver{workDir: t.TempDir()}
			if err := os.MkdirAll(r.dir(), 0o777); err != nil {
				t.Fatal(err)
			}
			writeMemo(filepath.Join(r.dir(), "resolve.json"), tc.m)

			// A prefetch finds the failure and leaves it as it is.
			r.prefetch([]string{"example.com/x"})
			if m := r.readMemo(); m.Told {
				t.Fatal("the prefetch marked the failure told")
			}
			for i, wantReported := range []bool{false, true, true} {
				_, err := r.resolve([]string{"example.com/x"})
				reported, ok := tc.want(err)
				if !ok {
					t.Fatalf("resolve %d: %v, not the memo's failure", i, err)
				}
				if reported != wantReported {
					t.Errorf("resolve %d: reported %v, want %v", i, reported, wantReported)
				}
			}
		})
	}
}
