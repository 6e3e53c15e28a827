//go:build llminstr_goopenai_notier

// The fallback of tier.go for go-openai releases before v1.40, whose
// responses do not carry the service tier.
package goopenai

import llminstrGoOpenAI "github.com/sashabaranov/go-openai"

// llminstrGoOpenAIServiceTier returns "": the release does not say.
func llminstrGoOpenAIServiceTier(*llminstrGoOpenAI.ChatCompletionResponse) string { return "" }
