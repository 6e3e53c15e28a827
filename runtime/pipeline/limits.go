package pipeline

import (
	"fmt"
	"strconv"
	"strings"
)

// LimitsFromEnv returns the span limits the standard environment sets
// (OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT, OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT,
// OTEL_SPAN_EVENT_COUNT_LIMIT, OTEL_SPAN_LINK_COUNT_LIMIT,
// OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT, OTEL_LINK_ATTRIBUTE_COUNT_LIMIT, and
// the general OTEL_ATTRIBUTE_COUNT_LIMIT and
// OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT), else [DefaultLimits]. A value that
// is not a non-negative integer is reported and its default used.
func LimitsFromEnv(getenv func(string) string) (Limits, []string) {
	var warnings []string
	read := func(def int, keys ...string) int {
		for _, key := range keys {
			v := strings.TrimSpace(getenv(key))
			if v == "" {
				continue
			}
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				warnings = append(warnings, fmt.Sprintf("%s=%q is not a non-negative integer: ignored", key, v))
				continue
			}
			return n
		}
		return def
	}
	d := DefaultLimits
	return Limits{
		Attributes:           read(d.Attributes, "OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"),
		AttributeValueLength: read(d.AttributeValueLength, "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT"),
		Events:               read(d.Events, "OTEL_SPAN_EVENT_COUNT_LIMIT"),
		Links:                read(d.Links, "OTEL_SPAN_LINK_COUNT_LIMIT"),
		AttributesPerEvent:   read(d.AttributesPerEvent, "OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"),
		AttributesPerLink:    read(d.AttributesPerLink, "OTEL_LINK_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"),
	}, warnings
}
