package pipeline

import (
	"encoding/binary"
	"fmt"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// Sampler decides whether a new span is recorded and exported. The zero
// Sampler is parentbased_always_on, the specification's default.
type Sampler struct {
	ignoreParent bool   // the root sampler decides for every span
	none         bool   // the root sampler is always_off
	ratio        bool   // the root sampler is traceidratio, with bound:
	bound        uint64 // sampled when the trace ID's low 63 bits are below it
}

// SamplerFromEnv returns the sampler OTEL_TRACES_SAMPLER and
// OTEL_TRACES_SAMPLER_ARG name: always_on, always_off, traceidratio, and
// their parentbased_ forms. A name or a ratio it cannot use is reported in
// warning, and the default (or a ratio of 1) is used instead.
func SamplerFromEnv(getenv func(string) string) (s Sampler, warning string) {
	name := strings.ToLower(strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER")))
	ratio := func() float64 {
		arg := strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER_ARG"))
		if arg == "" {
			return 1
		}
		r, err := strconv.ParseFloat(arg, 64)
		if err != nil || r < 0 || r > 1 {
			warning = fmt.Sprintf("OTEL_TRACES_SAMPLER_ARG=%q is not a ratio between 0 and 1: using 1", arg)
			return 1
		}
		return r
	}
	switch name {
	case "", "parentbased_always_on":
		return Sampler{}, ""
	case "always_on":
		return Sampler{ignoreParent: true}, ""
	case "always_off":
		return Sampler{none: true, ignoreParent: true}, ""
	case "parentbased_always_off":
		return Sampler{none: true}, ""
	case "traceidratio":
		return ratioSampler(ratio(), true), warning
	case "parentbased_traceidratio":
		return ratioSampler(ratio(), false), warning
	}
	return Sampler{}, fmt.Sprintf("OTEL_TRACES_SAMPLER=%q is not supported (use always_on, always_off, traceidratio or their parentbased_ forms): using parentbased_always_on", name)
}

// ratioSampler samples the fraction r of trace IDs, as the OpenTelemetry
// SDKs' TraceIDRatioBased does, so that services agree on a trace.
func ratioSampler(r float64, ignoreParent bool) Sampler {
	switch {
	case r >= 1:
		return Sampler{ignoreParent: ignoreParent}
	case r <= 0:
		return Sampler{none: true, ignoreParent: ignoreParent}
	}
	return Sampler{ratio: true, bound: uint64(r * (1 << 63)), ignoreParent: ignoreParent}
}

// sampled decides for a span of trace id whose parent is parent.
func (s Sampler) sampled(parent trace.SpanContext, id trace.TraceID) bool {
	if !s.ignoreParent && parent.IsValid() {
		return parent.IsSampled()
	}
	switch {
	case s.none:
		return false
	case s.ratio:
		return binary.BigEndian.Uint64(id[8:16])>>1 < s.bound
	}
	return true
}
