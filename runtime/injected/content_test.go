package injected

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

func envOf(kv map[string]string) func(string) string { return func(k string) string { return kv[k] } }

func TestContentModes(t *testing.T) {
	for _, tc := range []struct {
		value    string
		want     captureMode
		warnings int
	}{
		{"", 0, 0},
		{"false", 0, 0},
		{"NO_CONTENT", 0, 0},
		{"true", captureOnSpan, 0},
		{"True", captureOnSpan, 0},
		{"span_only", captureOnSpan, 0},
		{"EVENT_ONLY", captureOnEvent, 0},
		{"SPAN_AND_EVENT", captureOnSpan | captureOnEvent, 0},
		{"yes please", 0, 1},
	} {
		cfg, warnings := contentConfigFromEnv(envOf(map[string]string{"OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT": tc.value}))
		if cfg.mode != tc.want || len(warnings) != tc.warnings {
			t.Errorf("%q: mode %v, warnings %q; want %v, %d warnings", tc.value, cfg.mode, warnings, tc.want, tc.warnings)
		}
	}
	cfg, warnings := contentConfigFromEnv(envOf(map[string]string{"LLMINSTR_MAX_CONTENT_BYTES": "12", "LLMINSTR_REDACT": "ok\n(unclosed"}))
	if cfg.maxBytes != defaultMaxContentBytes || len(warnings) != 2 || !strings.Contains(warnings[1], `"(unclosed"`) {
		t.Errorf("maxBytes %d, warnings %q", cfg.maxBytes, warnings)
	}
	if len(cfg.patterns) != len(builtinRedactions())+1 {
		t.Errorf("%d patterns", len(cfg.patterns))
	}
}

func TestRedact(t *testing.T) {
	cfg, _ := contentConfigFromEnv(envOf(map[string]string{"LLMINSTR_REDACT": `order-\d+` + "\n" + `secret`}))
	for _, tc := range []struct{ in, want string }{
		{"my key is sk-proj-abcdefghijklmnop1234 ok", "my key is [REDACTED:api_key] ok"},
		{"anthropic sk-ant-api03-abcdefghijklmnopqrstuv", "anthropic [REDACTED:api_key]"},
		{"AKIAIOSFODNN7EXAMPLE is aws", "[REDACTED:api_key] is aws"},
		{"Authorization: Bearer abc.def-ghi_jkl", "Authorization: [REDACTED:bearer_token]"},
		{"write to jane.doe+x@example.co.uk now", "write to [REDACTED:email] now"},
		{"card 4111 1111 1111 1111 exp", "card [REDACTED:card_number] exp"},
		{"card 4111-1111-1111-1112 fails luhn", "card 4111-1111-1111-1112 fails luhn"},
		{"order 1234567890123 is a number", "order 1234567890123 is a number"},
		{"see order-42 and the secret", "see [REDACTED] and the [REDACTED]"},
		{"token eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.SflKxwRJSMeKKF2QT4", "token [REDACTED:jwt]"},
		{"nothing to hide", "nothing to hide"},
		// Internationalised addresses (RFC 6531).
		{"écrire à josé.garcía@correo.españa.es demain", "écrire à [REDACTED:email] demain"},
		{"联系 用户@例子.广告 谢谢", "联系 [REDACTED:email] 谢谢"},
		{"an IDN in ASCII: ops@xn--mnchen-3ya.xn--p1ai.", "an IDN in ASCII: [REDACTED:email]."},
		{"Grüße an müller@bücher.de", "Grüße an [REDACTED:email]"},
		{"no address here: a@b", "no address here: a@b"},
	} {
		if got, ok := cfg.redact(tc.in); !ok || got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	SetRedactor(func(s string) string { return strings.ReplaceAll(s, "Alice", "[NAME]") })
	defer SetRedactor(nil)
	if got, _ := cfg.redact("Alice asked"); got != "[NAME] asked" {
		t.Errorf("user redactor: %q", got)
	}
	SetRedactor(func(string) string { panic("boom") })
	if _, ok := cfg.redact("x"); ok {
		t.Error("a panicking redactor must drop the value")
	}
}

func TestBoundedContent(t *testing.T) {
	cfg := &contentConfig{mode: captureOnSpan, maxBytes: 200, patterns: builtinRedactions()}
	long := strings.Repeat("é", 300) // 600 bytes
	msgs := []Message{
		{Role: "system", Parts: []Part{TextPart("be brief")}},
		{Role: "user", Parts: []Part{TextPart(long)}},
	}
	s, ok := dropFront(cfg, msgs, messageParts, droppedMessage)
	if !ok || len(s) > 200 || !strings.Contains(s, truncatedMark) || !strings.Contains(s, "be brief") {
		t.Fatalf("bounded %d bytes, ok %v: %s", len(s), ok, s)
	}
	var back []Message
	if err := json.Unmarshal([]byte(s), &back); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if !strings.HasSuffix(back[1].Parts[0].Content, truncatedMark) || !strings.HasPrefix(back[1].Parts[0].Content, "éé") {
		t.Errorf("cut content %q", back[1].Parts[0].Content)
	}
	// Too many messages for the bound even when empty: the oldest go, and
	// the drop is marked.
	many := make([]Message, 30)
	for i := range many {
		many[i] = Message{Role: "user", Parts: []Part{TextPart("hi")}}
	}
	s, ok = dropFront(cfg, many, messageParts, droppedMessage)
	if !ok || len(s) > 200 || !strings.Contains(s, "earlier messages") {
		t.Errorf("dropped: ok %v %s", ok, s)
	}
}

// TestBoundThenRedact: a large value is cut before it is redacted, and a
// secret that straddles the bound is still replaced, not cut in half.
func TestBoundThenRedact(t *testing.T) {
	cfg := &contentConfig{mode: captureOnSpan, maxBytes: 200, patterns: builtinRedactions()}
	for _, at := range []int{150, 170, 180, 190, 199} {
		text := strings.Repeat("a", at) + " sk-proj-abcdefghijklmnop1234 " + strings.Repeat("b", 5<<20)
		msgs := []Message{{Role: "user", Parts: []Part{TextPart(text)}}}
		if !cfg.redactParts(messageParts(msgs)) {
			t.Fatal("redaction failed")
		}
		if got := len(msgs[0].Parts[0].Content); got > 200+redactMargin+len(truncatedMark) {
			t.Errorf("at %d: %d bytes redacted, want at most the bound plus the margin", at, got)
		}
		s, ok := dropFront(cfg, msgs, messageParts, droppedMessage)
		if !ok || len(s) > 200 {
			t.Fatalf("at %d: %d bytes, ok %v", at, len(s), ok)
		}
		if strings.Contains(s, "sk-") {
			t.Errorf("at %d: part of the key is recorded: %s", at, s)
		}
	}
}

func TestOpenAIWire(t *testing.T) {
	in := OpenAIChatInput([]byte(`[
		{"role":"system","content":"You are helpful."},
		{"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBOR"}},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]},
		{"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"weather","arguments":"{\"city\":\"Paris\"}"}}]},
		{"role":"tool","tool_call_id":"call_1","content":"sunny"}]`))
	got, _ := json.Marshal(in)
	want := `[{"role":"system","parts":[{"type":"text","content":"You are helpful."}]},` +
		`{"role":"user","parts":[{"type":"text","content":"What is this?"},{"type":"blob","content":"iVBOR","modality":"image","mime_type":"image/png"},{"type":"uri","modality":"image","uri":"https://x/y.png"}]},` +
		`{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"weather","arguments":{"city":"Paris"}}]},` +
		`{"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":"sunny"}]}]`
	if string(got) != want {
		t.Errorf("input\n got %s\nwant %s", got, want)
	}
	out := OpenAIChatOutput([]byte(`[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Hi"}},{"index":1,"finish_reason":"length","text":"legacy"}]`))
	got, _ = json.Marshal(out)
	want = `[{"role":"assistant","parts":[{"type":"text","content":"Hi"}],"finish_reason":"stop"},{"role":"assistant","parts":[{"type":"text","content":"legacy"}],"finish_reason":"length"}]`
	if string(got) != want {
		t.Errorf("output\n got %s\nwant %s", got, want)
	}
	tools := OpenAITools([]byte(`[{"type":"function","function":{"name":"weather","description":"Get it","parameters":{"type":"object"}}}]`))
	got, _ = json.Marshal(tools)
	if want := `[{"type":"function","name":"weather","description":"Get it","parameters":{"type":"object"}}]`; string(got) != want {
		t.Errorf("tools\n got %s\nwant %s", got, want)
	}
	if OpenAIChatInput([]byte(`not json`)) != nil {
		t.Error("bad JSON gives messages")
	}
}

// TestEventSink: with events asked for, the sink gets the details event with
// structured content, in the span's context; a panicking sink is survived.
func TestEventSink(t *testing.T) {
	rec := withAppProvider(t)
	var got []Event
	var spanID string
	SetEventSink(func(ctx context.Context, e Event) {
		got = append(got, e)
		spanID = trace.SpanContextFromContext(ctx).SpanID().String()
	})
	defer SetEventSink(nil)
	_, c := StartInference(context.Background(), OperationChat, "openai", "m")
	c.content = &contentConfig{mode: captureOnSpan | captureOnEvent, maxBytes: defaultMaxContentBytes, patterns: builtinRedactions()}
	c.SetInputMessages([]Message{{Role: "user", Parts: []Part{TextPart("mail a@b.example")}}})
	c.End(nil)
	if len(got) != 1 || got[0].Name != "gen_ai.client.inference.operation.details" {
		t.Fatalf("events %+v", got)
	}
	msgs, ok := got[0].Attributes["gen_ai.input.messages"].([]any)
	if !ok || len(msgs) != 1 || msgs[0].(map[string]any)["role"] != "user" {
		t.Errorf("structured input messages: %#v", got[0].Attributes["gen_ai.input.messages"])
	}
	if got[0].Attributes["gen_ai.operation.name"] != "chat" {
		t.Errorf("attributes %v", got[0].Attributes)
	}
	if spanID != rec.Ended()[0].SpanContext().SpanID().String() {
		t.Error("the event's context is not the span's")
	}
	SetEventSink(func(context.Context, Event) { panic("boom") })
	_, c = StartInference(context.Background(), OperationChat, "openai", "m")
	c.content = &contentConfig{mode: captureOnEvent, maxBytes: defaultMaxContentBytes}
	c.SetInputMessages([]Message{{Role: "user", Parts: []Part{TextPart("x")}}})
	c.End(nil) // must not panic
}
