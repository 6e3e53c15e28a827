package injected

import (
	"encoding/json"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"go.opentelemetry.io/otel/attribute"
)

// Message content is recorded only when the user opts in, through
// OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT:
//
//	false, NO_CONTENT (default)   no content
//	true, SPAN_ONLY               JSON strings on the span
//	EVENT_ONLY                    on the gen_ai.client.inference.operation.details span event
//	SPAN_AND_EVENT                both
//
// Every value is redacted (built-in patterns, LLMINSTR_REDACT, SetRedactor)
// and bounded to LLMINSTR_MAX_CONTENT_BYTES.

// Part is one part of a message, in the shape of the GenAI semantic
// conventions' message schemas: text, tool_call, tool_call_response, blob,
// uri, file, reasoning.
type Part struct {
	Type      string `json:"type"`
	Content   string `json:"content,omitempty"`
	ID        string `json:"id,omitempty"`
	Name      string `json:"name,omitempty"`
	Arguments any    `json:"arguments,omitempty"`
	Response  any    `json:"response,omitempty"`
	Modality  string `json:"modality,omitempty"`
	MIMEType  string `json:"mime_type,omitempty"`
	URI       string `json:"uri,omitempty"`
	FileID    string `json:"file_id,omitempty"`
}

// TextPart returns a text part.
func TextPart(text string) Part { return Part{Type: "text", Content: text} }

// ToolCallPart returns a tool_call part; arguments in JSON text become
// structured when they parse.
func ToolCallPart(id, name, arguments string) Part {
	return Part{Type: "tool_call", ID: id, Name: name, Arguments: jsonOrString(arguments)}
}

// ToolCallResponsePart returns a tool_call_response part.
func ToolCallResponsePart(id string, response any) Part {
	return Part{Type: "tool_call_response", ID: id, Response: response}
}

// Message is an input message (gen_ai.input.messages).
type Message struct {
	Role  string `json:"role"`
	Parts []Part `json:"parts"`
	Name  string `json:"name,omitempty"`
}

// OutputMessage is one choice of the response (gen_ai.output.messages).
type OutputMessage struct {
	Role         string `json:"role"`
	Parts        []Part `json:"parts"`
	Name         string `json:"name,omitempty"`
	FinishReason string `json:"finish_reason"`
}

// ToolDefinition is one tool the model may call (gen_ai.tool.definitions).
type ToolDefinition struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Parameters  any    `json:"parameters,omitempty"`
}

func jsonOrString(s string) any {
	if s != "" && json.Valid([]byte(s)) {
		return json.RawMessage(s)
	}
	return s
}

// captureMode says where message content goes.
type captureMode uint8

const (
	captureOnSpan captureMode = 1 << iota
	captureOnEvent
)

// contentConfig is the content capture configuration read from the
// environment.
type contentConfig struct {
	mode     captureMode
	maxBytes int
	patterns []redaction
}

// defaultMaxContentBytes bounds each content attribute when
// LLMINSTR_MAX_CONTENT_BYTES is unset.
const defaultMaxContentBytes = 64 << 10

func contentConfigFromEnv(getenv func(string) string) (*contentConfig, []string) {
	cfg := &contentConfig{maxBytes: defaultMaxContentBytes, patterns: builtinRedactions()}
	var warnings []string
	switch v := strings.ToUpper(strings.TrimSpace(getenv("OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"))); v {
	case "", "FALSE", "NO_CONTENT":
	case "TRUE", "SPAN_ONLY":
		cfg.mode = captureOnSpan
	case "EVENT_ONLY":
		cfg.mode = captureOnEvent
	case "SPAN_AND_EVENT":
		cfg.mode = captureOnSpan | captureOnEvent
	default:
		warnings = append(warnings, "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT="+strconv.Quote(v)+
			" is not one of true, false, NO_CONTENT, SPAN_ONLY, EVENT_ONLY, SPAN_AND_EVENT: no content is recorded")
	}
	if v := strings.TrimSpace(getenv("LLMINSTR_MAX_CONTENT_BYTES")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 64 {
			warnings = append(warnings, "LLMINSTR_MAX_CONTENT_BYTES="+strconv.Quote(v)+" is not a number of bytes of at least 64: using "+strconv.Itoa(defaultMaxContentBytes))
		} else {
			cfg.maxBytes = n
		}
	}
	for _, p := range strings.Split(getenv("LLMINSTR_REDACT"), "\n") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		re, err := regexp.Compile(p)
		if err != nil {
			warnings = append(warnings, "LLMINSTR_REDACT: pattern "+strconv.Quote(p)+" ignored: "+err.Error())
			continue
		}
		cfg.patterns = append(cfg.patterns[:len(cfg.patterns):len(cfg.patterns)], redaction{re: re, label: "[REDACTED]"})
	}
	return cfg, warnings
}

var contentOnce struct {
	once sync.Once
	cfg  *contentConfig
}

// content returns the content configuration, read once from the environment.
func content() *contentConfig {
	contentOnce.once.Do(func() {
		cfg, warnings := contentConfigFromEnv(os.Getenv)
		for _, w := range warnings {
			warnf("%s", w)
		}
		contentOnce.cfg = cfg
	})
	return contentOnce.cfg
}

// redaction replaces what re matches with label; check, when set, must
// accept the match too (a card number's checksum).
type redaction struct {
	re    *regexp.Regexp
	label string
	check func(string) bool
}

// builtinRedactions returns the redactions of credentials and personal
// data that prompts carry often: API keys and tokens, e-mail addresses,
// payment card numbers. They are compiled on first use, when a program
// first reads its content configuration, not when it starts: most
// programs never capture content.
var builtinRedactions = sync.OnceValue(func() []redaction {
	return []redaction{
		{re: regexp.MustCompile(`\b(?:sk|pk|rk)-[A-Za-z0-9_-]{16,}`), label: "[REDACTED:api_key]"},
		{re: regexp.MustCompile(`\bAKIA[0-9A-Z]{16}\b`), label: "[REDACTED:api_key]"},
		{re: regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}\b`), label: "[REDACTED:api_key]"},
		{re: regexp.MustCompile(`\bgh[pousr]_[A-Za-z0-9]{30,}\b`), label: "[REDACTED:api_key]"},
		{re: regexp.MustCompile(`\bxox[abposr]-[A-Za-z0-9-]{10,}`), label: "[REDACTED:api_key]"},
		{re: regexp.MustCompile(`(?i)\bbearer\s+[A-Za-z0-9._~+/-]{8,}=*`), label: "[REDACTED:bearer_token]"},
		{re: regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`), label: "[REDACTED:jwt]"},
		// E-mail addresses, internationalised ones too (RFC 6531: letters
		// and digits of any script in the local part and the domain).
		{re: regexp.MustCompile(`[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(?:xn--[a-z0-9-]+|\p{L}{2,})`), label: "[REDACTED:email]"},
		{re: regexp.MustCompile(`\b(?:\d[ -]?){12,18}\d\b`), label: "[REDACTED:card_number]", check: luhn},
	}
})

// luhn reports whether the digits of s pass the Luhn checksum.
func luhn(s string) bool {
	sum, n := 0, 0
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		if c < '0' || c > '9' {
			continue
		}
		d := int(c - '0')
		if n%2 == 1 {
			if d *= 2; d > 9 {
				d -= 9
			}
		}
		sum += d
		n++
	}
	return n >= 13 && sum%10 == 0
}

var userRedactor atomic.Pointer[func(string) string]

// SetRedactor installs a function that every captured content string passes
// through after the built-in and LLMINSTR_REDACT patterns; nil removes it.
// It must be safe for concurrent use. A panic in it drops the value.
func SetRedactor(redact func(string) string) {
	if redact == nil {
		userRedactor.Store(nil)
		return
	}
	userRedactor.Store(&redact)
}

// redact applies every redaction to s.
func (cfg *contentConfig) redact(s string) (out string, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			warnf("redactor panicked: %v; the value is not recorded", r)
			out, ok = "", false
		}
	}()
	for _, r := range cfg.patterns {
		if r.check == nil {
			s = r.re.ReplaceAllString(s, r.label)
			continue
		}
		s = r.re.ReplaceAllStringFunc(s, func(m string) string {
			if r.check(m) {
				return r.label
			}
			return m
		})
	}
	if f := userRedactor.Load(); f != nil {
		s = (*f)(s)
	}
	return s, true
}

// truncatedMark ends a string that was cut to fit the size bound.
const truncatedMark = "…[truncated]"

// redactMargin is how far past the size bound a string is kept for
// redaction, so that a secret straddling the bound is still seen whole and
// replaced: longer than any built-in pattern's usual match.
const redactMargin = 4 << 10

// precut shortens s to what can still be recorded: no single string longer
// than the bound fits in a value, so whatever lies past the bound plus
// redactMargin is cut (and marked) before the redactors run over it. The
// cost of a captured call then stays bounded however large its prompt.
func (cfg *contentConfig) precut(s string) string {
	return cut(s, cfg.maxBytes+redactMargin)
}

// redactParts redacts every string of the parts, cut first to what can be
// recorded (see precut); false means a redactor failed and nothing may be
// recorded.
func (cfg *contentConfig) redactParts(parts func(func(*Part))) bool {
	ok := true
	redact := func(s string) string {
		r, good := cfg.redact(cfg.precut(s))
		ok = ok && good
		return r
	}
	parts(func(p *Part) {
		if p.Content != "" {
			p.Content = redact(p.Content)
		}
		switch x := p.Response.(type) {
		case string:
			p.Response = redact(x)
		case json.RawMessage:
			p.Response = jsonOrString(redact(string(x)))
		}
		switch x := p.Arguments.(type) {
		case string:
			p.Arguments = redact(x)
		case json.RawMessage:
			p.Arguments = jsonOrString(redact(string(x)))
		}
	})
	return ok
}

// fit serializes v and, when it is larger than the bound, cuts the longest
// text contents of its parts (marking each cut) to the largest common length
// that fits. It fails when even empty contents do not fit.
func (cfg *contentConfig) fit(v any, parts func(func(*Part))) (string, bool) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", false
	}
	if len(b) <= cfg.maxBytes {
		return string(b), true
	}
	originals := map[*Part]string{}
	longest := 0
	parts(func(p *Part) {
		originals[p] = p.Content
		longest = max(longest, len(p.Content))
	})
	var best []byte
	for lo, hi := 0, longest; lo <= hi; {
		mid := (lo + hi) / 2
		parts(func(p *Part) { p.Content = cut(originals[p], mid) })
		if b, err := json.Marshal(v); err == nil && len(b) <= cfg.maxBytes {
			best, lo = b, mid+1
		} else {
			hi = mid - 1
		}
	}
	if best == nil {
		return "", false
	}
	return string(best), true
}

// cut shortens s to at most limit bytes (on a rune boundary) plus the mark.
func cut(s string, limit int) string {
	if len(s) <= limit {
		return s
	}
	for limit > 0 && !utf8.RuneStart(s[limit]) {
		limit--
	}
	return s[:limit] + truncatedMark
}

// dropFront fits msgs into the bound, dropping messages from the front
// (marked by a first message) when cutting contents is not enough.
func dropFront[M any](cfg *contentConfig, msgs []M, parts func([]M) func(func(*Part)), marker func(int) M) (string, bool) {
	for drop := 0; drop <= len(msgs); drop++ {
		kept := msgs[drop:]
		if drop > 0 {
			kept = append([]M{marker(drop)}, kept...)
		}
		if s, ok := cfg.fit(kept, parts(kept)); ok {
			return s, true
		}
	}
	return "", false
}

func messageParts(msgs []Message) func(func(*Part)) {
	return func(f func(*Part)) {
		for i := range msgs {
			for j := range msgs[i].Parts {
				f(&msgs[i].Parts[j])
			}
		}
	}
}

func outputParts(msgs []OutputMessage) func(func(*Part)) {
	return func(f func(*Part)) {
		for i := range msgs {
			for j := range msgs[i].Parts {
				f(&msgs[i].Parts[j])
			}
		}
	}
}

func droppedMessage(n int) Message {
	return Message{Role: "system", Parts: []Part{TextPart(strconv.Itoa(n) + " earlier messages " + truncatedMark)}}
}

// CaptureContent reports whether the call records message content: adapters
// check it before building messages, so that capture off costs nothing.
func (c *Call) CaptureContent() bool { return c != nil && c.content != nil }

// SetInputMessages records gen_ai.input.messages.
func (c *Call) SetInputMessages(msgs []Message) {
	if !c.CaptureContent() || len(msgs) == 0 {
		return
	}
	msgs = cloneMessages(msgs)
	if !c.content.redactParts(messageParts(msgs)) {
		return
	}
	if s, ok := dropFront(c.content, msgs, messageParts, droppedMessage); ok {
		c.setContent(keyInputMessages.String(s))
	}
}

// SetOutputMessages records gen_ai.output.messages, one per choice.
func (c *Call) SetOutputMessages(msgs []OutputMessage) {
	if !c.CaptureContent() || len(msgs) == 0 {
		return
	}
	msgs = append([]OutputMessage(nil), msgs...)
	for i := range msgs {
		msgs[i].Parts = append([]Part(nil), msgs[i].Parts...)
	}
	if !c.content.redactParts(outputParts(msgs)) {
		return
	}
	if s, ok := c.content.fit(msgs, outputParts(msgs)); ok {
		c.setContent(keyOutputMessages.String(s))
	}
}

// SetSystemInstructions records gen_ai.system_instructions, for APIs that
// take instructions apart from the messages.
func (c *Call) SetSystemInstructions(parts []Part) {
	if !c.CaptureContent() || len(parts) == 0 {
		return
	}
	parts = append([]Part(nil), parts...)
	each := func(f func(*Part)) {
		for i := range parts {
			f(&parts[i])
		}
	}
	if !c.content.redactParts(each) {
		return
	}
	if s, ok := c.content.fit(parts, each); ok {
		c.setContent(keySystemInstructions.String(s))
	}
}

// SetToolDefinitions records gen_ai.tool.definitions.
func (c *Call) SetToolDefinitions(defs []ToolDefinition) {
	if !c.CaptureContent() || len(defs) == 0 {
		return
	}
	if s, ok := c.content.fit(defs, func(func(*Part)) {}); ok {
		c.setContent(keyToolDefinitions.String(s))
	}
}

func cloneMessages(msgs []Message) []Message {
	out := append([]Message(nil), msgs...)
	for i := range out {
		out[i].Parts = append([]Part(nil), out[i].Parts...)
	}
	return out
}

// setContent puts a content attribute on the span, on the details event
// (emitted when the call ends), or both.
func (c *Call) setContent(kv attribute.KeyValue) {
	if c.content.mode&captureOnSpan != 0 {
		c.set(kv)
	}
	if c.content.mode&captureOnEvent != 0 {
		c.mu.Lock()
		c.eventAttrs = append(c.eventAttrs, kv)
		c.mu.Unlock()
	}
}
