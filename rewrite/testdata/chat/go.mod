module example.com/golden

go 1.26.0

require (
	github.com/llminstr/llminstr/runtime v0.0.0-00010101000000-000000000000
	github.com/openai/openai-go/v3 v3.96.0
	github.com/sashabaranov/go-openai v1.43.0
)
