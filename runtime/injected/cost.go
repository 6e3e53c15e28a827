package injected

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
)

// Price is what a model costs per million tokens, in US dollars.
// CacheReadInput is the price of input tokens read from the provider's
// prompt cache; zero means they cost as much as other input tokens.
type Price struct {
	Input          float64 `json:"input"`
	Output         float64 `json:"output"`
	CacheReadInput float64 `json:"cache_read_input,omitempty"`
	// CacheWriteInput is the price of input tokens written to the prompt
	// cache (Anthropic's five-minute cache); a call that wrote to the cache
	// gets no cost when it is not known.
	CacheWriteInput float64 `json:"cache_write_input,omitempty"`
}

// pricesAsOf is when the bundled prices were last checked against the
// providers' price lists.
const pricesAsOf = "2026-11"

// bundledPrices are list prices of common models with flat per-token
// pricing (standard tier, no batch discount). Models priced by context
// length or region are left out rather than priced wrongly; so is any model
// not listed: unknown models get no cost.
var bundledPrices = map[string]Price{
	"gpt-4o":                 {Input: 2.50, Output: 10.00, CacheReadInput: 1.25},
	"gpt-4o-2024-05-13":      {Input: 5.00, Output: 15.00}, // the first snapshot kept its launch price
	"gpt-4o-mini":            {Input: 0.15, Output: 0.60, CacheReadInput: 0.075},
	"gpt-4.1":                {Input: 2.00, Output: 8.00, CacheReadInput: 0.50},
	"gpt-4.1-mini":           {Input: 0.40, Output: 1.60, CacheReadInput: 0.10},
	"gpt-4.1-nano":           {Input: 0.10, Output: 0.40, CacheReadInput: 0.025},
	"gpt-5":                  {Input: 1.25, Output: 10.00, CacheReadInput: 0.125},
	"gpt-5-mini":             {Input: 0.25, Output: 2.00, CacheReadInput: 0.025},
	"gpt-5-nano":             {Input: 0.05, Output: 0.40, CacheReadInput: 0.005},
	"o1":                     {Input: 15.00, Output: 60.00, CacheReadInput: 7.50},
	"o3":                     {Input: 2.00, Output: 8.00, CacheReadInput: 0.50},
	"o3-mini":                {Input: 1.10, Output: 4.40, CacheReadInput: 0.55},
	"o4-mini":                {Input: 1.10, Output: 4.40, CacheReadInput: 0.275},
	"gpt-4-turbo":            {Input: 10.00, Output: 30.00},
	"gpt-4":                  {Input: 30.00, Output: 60.00},
	"gpt-3.5-turbo":          {Input: 0.50, Output: 1.50},
	"gpt-3.5-turbo-0125":     {Input: 0.50, Output: 1.50},
	"text-embedding-3-small": {Input: 0.02},
	"text-embedding-3-large": {Input: 0.13},
	"text-embedding-ada-002": {Input: 0.10},
	"claude-3-haiku":         {Input: 0.25, Output: 1.25, CacheReadInput: 0.03, CacheWriteInput: 0.30},
	"claude-3-5-haiku":       {Input: 0.80, Output: 4.00, CacheReadInput: 0.08, CacheWriteInput: 1.00},
	"claude-haiku-4-5":       {Input: 1.00, Output: 5.00, CacheReadInput: 0.10, CacheWriteInput: 1.25},
	"claude-3-5-sonnet":      {Input: 3.00, Output: 15.00, CacheReadInput: 0.30, CacheWriteInput: 3.75},
	"claude-3-7-sonnet":      {Input: 3.00, Output: 15.00, CacheReadInput: 0.30, CacheWriteInput: 3.75},
	"claude-sonnet-4":        {Input: 3.00, Output: 15.00, CacheReadInput: 0.30, CacheWriteInput: 3.75},
	"claude-opus-4":          {Input: 15.00, Output: 75.00, CacheReadInput: 1.50, CacheWriteInput: 18.75},
	"claude-opus-4-1":        {Input: 15.00, Output: 75.00, CacheReadInput: 1.50, CacheWriteInput: 18.75},
	"gemini-2.0-flash":       {Input: 0.10, Output: 0.40, CacheReadInput: 0.025},
	"gemini-2.5-flash":       {Input: 0.30, Output: 2.50, CacheReadInput: 0.075},
	"gemini-2.5-flash-lite":  {Input: 0.10, Output: 0.40, CacheReadInput: 0.025},
}

// modelSnapshot matches the date suffix of a model snapshot, which costs
// what its model costs unless the table lists the snapshot itself:
// gpt-4o-2024-08-06, claude-3-5-sonnet-20241022, claude-sonnet-4@20250514,
// claude-3-haiku-20240307-v1:0. Four-digit suffixes (gpt-3.5-turbo-0613)
// are not stripped: those snapshots were priced apart.
var modelSnapshot = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`[-@](?:\d{4}-\d{2}-\d{2}|\d{8})(?:-v\d+(?::\d+)?)?$`)
})

// priceOf returns the price of model: an exact entry, else the entry of the
// model without its snapshot suffix.
func priceOf(prices map[string]Price, model string) (Price, bool) {
	if p, ok := prices[model]; ok {
		return p, true
	}
	if base := snapshotBase(model); base != model {
		p, ok := prices[base]
		return p, ok
	}
	return Price{}, false
}

// snapshotBases memoizes snapshotBase: a program asks about a few models
// many times. It stops growing at maxSnapshotBases models.
var snapshotBases struct {
	sync.Map // model → base
	n        atomic.Int32
}

const maxSnapshotBases = 1024

// snapshotBase returns model without its snapshot suffix.
func snapshotBase(model string) string {
	if base, ok := snapshotBases.Load(model); ok {
		return base.(string)
	}
	base := modelSnapshot().ReplaceAllString(model, "")
	if snapshotBases.n.Load() < maxSnapshotBases {
		if _, loaded := snapshotBases.LoadOrStore(model, base); !loaded {
			snapshotBases.n.Add(1)
		}
	}
	return base
}

// cost returns the price of usage, or false when the model is unknown.
func cost(prices map[string]Price, model string, u Usage) (float64, bool) {
	p, ok := priceOf(prices, model)
	if !ok {
		return 0, false
	}
	if u.CacheCreationInputTokens > 0 && p.CacheWriteInput == 0 {
		return 0, false
	}
	cacheRate := p.CacheReadInput
	if cacheRate == 0 {
		cacheRate = p.Input
	}
	cached := min(u.CacheReadInputTokens, u.InputTokens)
	written := min(u.CacheCreationInputTokens, u.InputTokens-cached)
	usd := float64(u.InputTokens-cached-written)*p.Input + float64(cached)*cacheRate + float64(written)*p.CacheWriteInput
	if !u.NoOutput {
		usd += float64(u.OutputTokens) * p.Output
	}
	return usd / 1e6, true
}

var pricesOnce struct {
	once   sync.Once
	prices map[string]Price
}

// prices returns the bundled prices, overridden and extended by the JSON
// file LLMINSTR_PRICES names ({"model": {"input": 2.5, "output": 10,
// "cache_read_input": 1.25}}, US dollars per million tokens). A file that
// cannot be read is reported once, naming the file and line, and the
// bundled prices are used.
func prices() map[string]Price {
	pricesOnce.once.Do(func() {
		p, err := loadPrices(os.Getenv("LLMINSTR_PRICES"))
		if err != nil {
			warnf("%v; using the bundled prices", err)
		}
		pricesOnce.prices = p
	})
	return pricesOnce.prices
}

func loadPrices(file string) (map[string]Price, error) {
	out := make(map[string]Price, len(bundledPrices))
	for k, v := range bundledPrices {
		out[k] = v
	}
	if file == "" {
		return out, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return out, fmt.Errorf("LLMINSTR_PRICES: %w", err)
	}
	var extra map[string]Price
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&extra); err != nil {
		var syntax *json.SyntaxError
		var typ *json.UnmarshalTypeError
		offset := int64(-1)
		switch {
		case errors.As(err, &syntax):
			offset = syntax.Offset
		case errors.As(err, &typ):
			offset = typ.Offset
		}
		if offset >= 0 {
			return out, fmt.Errorf("%s:%d: %v", file, lineOf(data, offset), err)
		}
		return out, fmt.Errorf("%s: %v", file, err)
	}
	for k, v := range extra {
		if v.Input < 0 || v.Output < 0 || v.CacheReadInput < 0 {
			return out, fmt.Errorf("%s: model %q: prices must not be negative", file, k)
		}
		out[k] = v
	}
	return out, nil
}

func lineOf(data []byte, offset int64) int {
	line := 1
	for i := int64(0); i < offset && i < int64(len(data)); i++ {
		if data[i] == '\n' {
			line++
		}
	}
	return line
}
