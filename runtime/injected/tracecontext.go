package injected

import (
	"context"
	"encoding/hex"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// The W3C Trace Context (https://www.w3.org/TR/trace-context/) an MCP
// request's _meta carries: what propagation.TraceContext injects and
// extracts, written out so that the runtime does not link the propagation
// and baggage packages for two fields.

const (
	traceparentKey = "traceparent"
	tracestateKey  = "tracestate"
)

// injectTraceContext sets traceparent, and tracestate when there is one,
// of ctx's span in carrier.
func injectTraceContext(ctx context.Context, carrier map[string]any) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return
	}
	if ts := sc.TraceState().String(); ts != "" {
		carrier[tracestateKey] = ts
	}
	traceID, spanID := sc.TraceID(), sc.SpanID()
	flags := byte(sc.TraceFlags() & trace.FlagsSampled)
	var b strings.Builder
	b.Grow(55)
	b.WriteString("00-")
	b.WriteString(hex.EncodeToString(traceID[:]))
	b.WriteByte('-')
	b.WriteString(hex.EncodeToString(spanID[:]))
	b.WriteByte('-')
	b.WriteString(hex.EncodeToString([]byte{flags}))
	carrier[traceparentKey] = b.String()
}

// extractTraceContext returns ctx with the remote span context that
// carrier's traceparent and tracestate describe, or ctx itself when
// traceparent is missing or invalid. A tracestate that does not parse is
// left out, as the specification requires.
func extractTraceContext(ctx context.Context, carrier map[string]any) context.Context {
	h, _ := carrier[traceparentKey].(string)
	if h == "" {
		return ctx
	}
	var version, flags [1]byte
	var scc trace.SpanContextConfig
	if !traceparentPart(version[:], &h) || version[0] == 0xff ||
		!traceparentPart(scc.TraceID[:], &h) || !traceparentPart(scc.SpanID[:], &h) ||
		!traceparentPart(flags[:], &h) {
		return ctx
	}
	// Version 00 has no more fields, and no flags but sampled (01) and
	// random (02); later versions may have both.
	if version[0] == 0 && (h != "" || flags[0] > 2) {
		return ctx
	}
	scc.TraceFlags = trace.TraceFlags(flags[0]) & trace.FlagsSampled
	state, _ := carrier[tracestateKey].(string)
	scc.TraceState, _ = trace.ParseTraceState(state)
	scc.Remote = true
	sc := trace.NewSpanContext(scc)
	if !sc.IsValid() {
		return ctx
	}
	return trace.ContextWithRemoteSpanContext(ctx, sc)
}

// traceparentPart decodes the next dash-separated field of h into dst: it
// must be exactly twice len(dst) lower-case hexadecimal digits.
func traceparentPart(dst []byte, h *string) bool {
	part, rest, _ := strings.Cut(*h, "-")
	*h = rest
	if len(part) != 2*len(dst) || strings.ContainsAny(part, "ABCDEF") {
		return false
	}
	n, err := hex.Decode(dst, []byte(part))
	return err == nil && n == len(dst)
}
