// Package langchaingo holds the adapters of langchaingo's agents and
// tools.
//
// The file is injected into packages that run langchaingo agents, with its
// package clause changed. So every top-level name starts with "llminstr"
// and every import is named.
package langchaingo

import (
	llminstrContext "context"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
	llminstrAgents "github.com/tmc/langchaingo/agents"
	llminstrChains "github.com/tmc/langchaingo/chains"
	llminstrLLMs "github.com/tmc/langchaingo/llms"
	llminstrTools "github.com/tmc/langchaingo/tools"
)

// llminstrLangchainExecutorCall runs (*agents.Executor).Call in an
// invoke_agent span; the model calls and tool runs of its steps are the
// span's children.
func llminstrLangchainExecutorCall(
	m func(llminstrContext.Context, map[string]any, ...llminstrChains.ChainCallOption) (map[string]any, error),
	ctx llminstrContext.Context, inputs map[string]any, options ...llminstrChains.ChainCallOption,
) (map[string]any, error) {
	ctx, op := llminstrRT.StartAgentRun(ctx, "")
	out, err := m(ctx, inputs, options...)
	op.End(err)
	return out, err
}

// llminstrLangchainRun wraps chains.Run: a run of an agent executor gets an
// invoke_agent span; other chains run as they are (their model calls are
// traced where they are made).
func llminstrLangchainRun(
	f func(llminstrContext.Context, llminstrChains.Chain, any, ...llminstrChains.ChainCallOption) (string, error),
	ctx llminstrContext.Context, c llminstrChains.Chain, input any, options ...llminstrChains.ChainCallOption,
) (string, error) {
	return llminstrLangchainChain(ctx, c, func(ctx llminstrContext.Context) (string, error) {
		return f(ctx, c, input, options...)
	})
}

// llminstrLangchainCall wraps chains.Call as llminstrLangchainRun wraps
// chains.Run.
func llminstrLangchainCall(
	f func(llminstrContext.Context, llminstrChains.Chain, map[string]any, ...llminstrChains.ChainCallOption) (map[string]any, error),
	ctx llminstrContext.Context, c llminstrChains.Chain, inputs map[string]any, options ...llminstrChains.ChainCallOption,
) (map[string]any, error) {
	return llminstrLangchainChain(ctx, c, func(ctx llminstrContext.Context) (map[string]any, error) {
		return f(ctx, c, inputs, options...)
	})
}

// llminstrLangchainPredict wraps chains.Predict as llminstrLangchainRun
// wraps chains.Run.
func llminstrLangchainPredict(
	f func(llminstrContext.Context, llminstrChains.Chain, map[string]any, ...llminstrChains.ChainCallOption) (string, error),
	ctx llminstrContext.Context, c llminstrChains.Chain, inputs map[string]any, options ...llminstrChains.ChainCallOption,
) (string, error) {
	return llminstrLangchainChain(ctx, c, func(ctx llminstrContext.Context) (string, error) {
		return f(ctx, c, inputs, options...)
	})
}

// llminstrLangchainChain runs a chain, in an invoke_agent span when it is
// an agent executor.
func llminstrLangchainChain[R any](ctx llminstrContext.Context, c llminstrChains.Chain, run func(llminstrContext.Context) (R, error)) (R, error) {
	if _, isAgent := c.(*llminstrAgents.Executor); !isAgent {
		return run(ctx)
	}
	ctx, op := llminstrRT.StartAgentRun(ctx, "")
	out, err := run(ctx)
	op.End(err)
	return out, err
}

// llminstrLangchainNewOneShotAgent gives agents.NewOneShotAgent the tools
// traced (see llminstrLangchainTools).
func llminstrLangchainNewOneShotAgent(
	f func(llminstrLLMs.Model, []llminstrTools.Tool, ...llminstrAgents.Option) *llminstrAgents.OneShotZeroAgent,
	llm llminstrLLMs.Model, tools []llminstrTools.Tool, opts ...llminstrAgents.Option,
) *llminstrAgents.OneShotZeroAgent {
	return f(llm, llminstrLangchainTools(tools), opts...)
}

// llminstrLangchainNewConversationalAgent gives
// agents.NewConversationalAgent the tools traced.
func llminstrLangchainNewConversationalAgent(
	f func(llminstrLLMs.Model, []llminstrTools.Tool, ...llminstrAgents.Option) *llminstrAgents.ConversationalAgent,
	llm llminstrLLMs.Model, tools []llminstrTools.Tool, opts ...llminstrAgents.Option,
) *llminstrAgents.ConversationalAgent {
	return f(llm, llminstrLangchainTools(tools), opts...)
}

// llminstrLangchainNewOpenAIFunctionsAgent gives
// agents.NewOpenAIFunctionsAgent the tools traced.
func llminstrLangchainNewOpenAIFunctionsAgent(
	f func(llminstrLLMs.Model, []llminstrTools.Tool, ...llminstrAgents.Option) *llminstrAgents.OpenAIFunctionsAgent,
	llm llminstrLLMs.Model, tools []llminstrTools.Tool, opts ...llminstrAgents.Option,
) *llminstrAgents.OpenAIFunctionsAgent {
	return f(llm, llminstrLangchainTools(tools), opts...)
}

// llminstrLangchainInitialize gives agents.Initialize the tools traced.
func llminstrLangchainInitialize(
	f func(llminstrLLMs.Model, []llminstrTools.Tool, llminstrAgents.AgentType, ...llminstrAgents.Option) (*llminstrAgents.Executor, error),
	llm llminstrLLMs.Model, tools []llminstrTools.Tool, agentType llminstrAgents.AgentType, opts ...llminstrAgents.Option,
) (*llminstrAgents.Executor, error) {
	return f(llm, llminstrLangchainTools(tools), agentType, opts...)
}

// llminstrLangchainTools returns a copy of tools in which each runs in an
// execute_tool span. The caller's slice is left as it is; a nil slice
// stays nil.
func llminstrLangchainTools(tools []llminstrTools.Tool) []llminstrTools.Tool {
	if tools == nil {
		return nil
	}
	wrapped := make([]llminstrTools.Tool, len(tools))
	for i, t := range tools {
		if _, done := t.(*llminstrLangchainTool); done || t == nil {
			wrapped[i] = t
			continue
		}
		wrapped[i] = &llminstrLangchainTool{Tool: t}
	}
	return wrapped
}

// llminstrLangchainTool is a tool whose runs are traced. Its name and
// description are the tool's, so the agent offers it as before.
type llminstrLangchainTool struct {
	llminstrTools.Tool
}

func (t *llminstrLangchainTool) Call(ctx llminstrContext.Context, input string) (string, error) {
	ctx, op := llminstrRT.StartToolCall(ctx, t.Tool.Name(), "")
	op.SetToolArguments(input)
	out, err := t.Tool.Call(ctx, input)
	op.SetToolResult(out)
	op.End(err)
	return out, err
}
