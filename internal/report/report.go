// Package report turns the engine's call sites into records for people and
// machines: `llminstr report`, and LLMINSTR_REPORT during a build.
package report

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"text/tabwriter"

	"github.com/llminstr/llminstr/internal/filelock"
	"github.com/llminstr/llminstr/rewrite"
	"github.com/llminstr/llminstr/rules"
)

// Record is one call site of a known SDK method. Its JSON form is the
// stable schema documented in README.md.
type Record struct {
	File        string `json:"file"`
	Line        int    `json:"line"`
	Column      int    `json:"column"`
	Package     string `json:"package"`
	Rule        string `json:"rule"`
	Integration string `json:"integration"`
	Provider    string `json:"provider"`
	Operation   string `json:"operation"`
	Status      string `json:"status"` // rewritten, skipped or ignored
	Reason      string `json:"reason,omitempty"`
}

// Report is the JSON document `llminstr report -json` prints.
type Report struct {
	Version int      `json:"version"` // 1
	Sites   []Record `json:"sites"`
}

// Records returns the SDK call sites of one package's result; the
// runtime's own rewrites (flush at exit) are not call sites of an SDK.
func Records(pkg string, res *rewrite.Result) []Record {
	var out []Record
	for _, s := range res.Sites {
		if s.Rule.Integration == rules.RuntimeIntegration {
			continue
		}
		out = append(out, Record{
			File: s.Pos.Filename, Line: s.Pos.Line, Column: s.Pos.Column, Package: pkg,
			Rule: s.Rule.ID, Integration: s.Rule.Integration, Provider: s.Rule.Provider, Operation: s.Rule.Operation,
			Status: string(s.Status), Reason: s.Reason,
		})
	}
	return out
}

// Sort orders records by file, line and column.
func Sort(rs []Record) {
	sort.Slice(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
}

// WriteText prints records as a table for people, with a summary line.
func WriteText(w io.Writer, rs []Record, relative func(string) string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	counts := map[string]int{}
	for _, r := range rs {
		counts[r.Status]++
		reason := ""
		if r.Reason != "" {
			reason = " (" + r.Reason + ")"
		}
		fmt.Fprintf(tw, "%s:%d:%d\t%s\t%s %s\t%s%s\n", relative(r.File), r.Line, r.Column, r.Rule, r.Provider, r.Operation, r.Status, reason)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	_, err := fmt.Fprintf(w, "%d call sites: %d rewritten, %d skipped, %d ignored\n",
		len(rs), counts["rewritten"], counts["skipped"], counts["ignored"])
	return err
}

// WriteJSON prints the JSON document.
func WriteJSON(w io.Writer, rs []Record) error {
	if rs == nil {
		rs = []Record{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(Report{Version: 1, Sites: rs})
}

// Append adds records to a JSON Lines file, one record per line, under a
// lock: the processes of a parallel build append to the same file.
func Append(path string, rs []Record) error {
	if len(rs) == 0 {
		return nil
	}
	unlock, err := filelock.Lock(path + ".lock")
	if err != nil {
		return fmt.Errorf("locking %s: %w", path, err)
	}
	defer unlock()
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o666)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	for _, r := range rs {
		if err := enc.Encode(r); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}
