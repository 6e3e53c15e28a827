package injected

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCost(t *testing.T) {
	for _, tc := range []struct {
		model string
		usage Usage
		want  float64
		known bool
	}{
		{"gpt-4o-mini", Usage{InputTokens: 12, OutputTokens: 5}, (12*0.15 + 5*0.60) / 1e6, true},
		{"gpt-4o-mini-2024-07-18", Usage{InputTokens: 1_000_000, OutputTokens: 0}, 0.15, true},
		{"gpt-4o-2024-08-06", Usage{InputTokens: 1000, CacheReadInputTokens: 400, OutputTokens: 100}, (600*2.50 + 400*1.25 + 100*10.0) / 1e6, true},
		{"claude-3-5-sonnet-20241022", Usage{InputTokens: 100, OutputTokens: 10}, (100*3.0 + 10*15.0) / 1e6, true},
		{"claude-sonnet-4@20250514", Usage{InputTokens: 100}, 100 * 3.0 / 1e6, true},
		{"gpt-3.5-turbo-0125", Usage{InputTokens: 10, OutputTokens: 10}, (10*0.5 + 10*1.5) / 1e6, true},
		{"text-embedding-3-small", Usage{InputTokens: 8, OutputTokens: 99, NoOutput: true}, 8 * 0.02 / 1e6, true},
		{"gpt-4o-mini-realtime-preview", Usage{InputTokens: 1}, 0, false}, // not gpt-4o-mini
		{"gpt-4o-2024-05-13", Usage{InputTokens: 1_000_000}, 5.0, true},   // listed apart
		{"gpt-3.5-turbo-0613", Usage{InputTokens: 1}, 0, false},           // priced apart, not listed
		{"my-finetune", Usage{InputTokens: 1}, 0, false},
		{"", Usage{InputTokens: 1}, 0, false},
	} {
		got, ok := cost(bundledPrices, tc.model, tc.usage)
		if ok != tc.known || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("%s %+v: %g, %v; want %g, %v", tc.model, tc.usage, got, ok, tc.want, tc.known)
		}
	}
}

func TestLoadPrices(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"my-finetune": {"input": 3, "output": 12}, "gpt-4o": {"input": 2, "output": 8}}`), 0o666)
	p, err := loadPrices(good)
	if err != nil || p["my-finetune"].Output != 12 || p["gpt-4o"].Input != 2 || p["gpt-4o-mini"].Input != 0.15 {
		t.Errorf("loadPrices: %v %v", err, p["my-finetune"])
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{\n  \"x\": {\"input\": 1},\n  \"y\": {\"input\": \"one\"}\n}"), 0o666)
	p, err = loadPrices(bad)
	if err == nil || !strings.Contains(err.Error(), bad+":3:") {
		t.Errorf("error %v does not name %s:3", err, bad)
	}
	if p["gpt-4o"].Input != 2.50 {
		t.Error("a bad file must leave the bundled prices")
	}
	unknown := filepath.Join(dir, "unknown.json")
	os.WriteFile(unknown, []byte(`{"x": {"inptu": 1}}`), 0o666)
	if _, err := loadPrices(unknown); err == nil || !strings.Contains(err.Error(), "inptu") {
		t.Errorf("misspelt field: %v", err)
	}
	if _, err := loadPrices(filepath.Join(dir, "missing.json")); err == nil || !strings.Contains(err.Error(), "LLMINSTR_PRICES") {
		t.Errorf("missing file: %v", err)
	}
}
