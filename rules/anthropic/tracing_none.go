//go:build llminstr_anthropic_untraced

// The fallback of tracing.go for anthropic-sdk-go releases before v1.81,
// which record no spans of their own.
package anthropic

import llminstrOption "github.com/anthropics/anthropic-sdk-go/option"

// llminstrAnthropicWithoutOwnTracing returns no options: the release has no
// tracing of its own.
func llminstrAnthropicWithoutOwnTracing() []llminstrOption.RequestOption { return nil }
