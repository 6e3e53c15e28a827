//go:build !llminstr_anthropic_untraced

// The SDK's own OpenTelemetry spans, from anthropic-sdk-go v1.81: turned off
// for instrumented calls. tracing_none.go is the fallback for older
// releases, which have none.
package anthropic

import llminstrOption "github.com/anthropics/anthropic-sdk-go/option"

// llminstrAnthropicWithoutOwnTracing returns the options that turn the
// SDK's own spans off for a call llminstr traces.
func llminstrAnthropicWithoutOwnTracing() []llminstrOption.RequestOption {
	return []llminstrOption.RequestOption{llminstrOption.WithoutOpenTelemetry()}
}
