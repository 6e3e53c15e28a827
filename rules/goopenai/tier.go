//go:build !llminstr_goopenai_notier

// Response fields of go-openai v1.40 and later. tier_unknown.go is the
// fallback for older releases.
package goopenai

import llminstrGoOpenAI "github.com/sashabaranov/go-openai"

// llminstrGoOpenAIServiceTier returns the service tier the response was
// processed with.
func llminstrGoOpenAIServiceTier(res *llminstrGoOpenAI.ChatCompletionResponse) string {
	return string(res.ServiceTier)
}
