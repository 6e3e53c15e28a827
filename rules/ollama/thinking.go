//go:build !llminstr_ollama_nothinking

// Message fields of Ollama releases with thinking models and tool call ids
// (v0.9 and later). thinking_none.go is the fallback for older releases.
package ollama

import llminstrOllama "github.com/ollama/ollama/api"

func llminstrOllamaThinking(m *llminstrOllama.Message) string { return m.Thinking }

func llminstrOllamaGenerateThinking(r *llminstrOllama.GenerateResponse) string { return r.Thinking }

func llminstrOllamaToolCallID(m *llminstrOllama.Message) string { return m.ToolCallID }
