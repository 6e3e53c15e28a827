//go:build llminstr_ollama_nothinking

// The fallback of thinking.go for Ollama releases without thinking output
// or tool call ids.
package ollama

import llminstrOllama "github.com/ollama/ollama/api"

func llminstrOllamaThinking(*llminstrOllama.Message) string { return "" }

func llminstrOllamaGenerateThinking(*llminstrOllama.GenerateResponse) string { return "" }

func llminstrOllamaToolCallID(*llminstrOllama.Message) string { return "" }
