// Package fantasy holds the adapters of charm.land/fantasy's agents.
//
// The file is injected into packages that run fantasy agents, with its
// package clause changed. So every top-level name starts with "llminstr"
// and every import is named.
package fantasy

import (
	llminstrContext "context"
	llminstrErrors "errors"

	llminstrFantasy "charm.land/fantasy"
	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
)

// llminstrFantasyGenerate wraps (Agent).Generate in an invoke_agent span
// that ends when the run does; the model calls and tools of the run are
// its children.
func llminstrFantasyGenerate(
	m func(llminstrContext.Context, llminstrFantasy.AgentCall) (*llminstrFantasy.AgentResult, error),
	ctx llminstrContext.Context, call llminstrFantasy.AgentCall,
) (*llminstrFantasy.AgentResult, error) {
	return llminstrFantasyRun(m, ctx, call)
}

// llminstrFantasyStream wraps (Agent).Stream as llminstrFantasyGenerate
// wraps Generate: Stream returns when the run, streamed through the call's
// callbacks, is over.
func llminstrFantasyStream(
	m func(llminstrContext.Context, llminstrFantasy.AgentStreamCall) (*llminstrFantasy.AgentResult, error),
	ctx llminstrContext.Context, call llminstrFantasy.AgentStreamCall,
) (*llminstrFantasy.AgentResult, error) {
	return llminstrFantasyRun(m, ctx, call)
}

// llminstrFantasyRun runs an agent in an invoke_agent span, and records
// the run's total usage on it.
func llminstrFantasyRun[C any](
	m func(llminstrContext.Context, C) (*llminstrFantasy.AgentResult, error),
	ctx llminstrContext.Context, call C,
) (*llminstrFantasy.AgentResult, error) {
	ctx, op := llminstrRT.StartAgentRun(ctx, "")
	res, err := m(ctx, call)
	if res != nil {
		op.SetUsage(res.TotalUsage.InputTokens, res.TotalUsage.OutputTokens)
	}
	op.End(err)
	return res, err
}

// llminstrFantasyWithTools wraps WithTools: each tool runs in an
// execute_tool span. The tools keep their info and provider options, so
// the agent offers and schedules them as it would.
func llminstrFantasyWithTools(f func(...llminstrFantasy.AgentTool) llminstrFantasy.AgentOption, tools ...llminstrFantasy.AgentTool) llminstrFantasy.AgentOption {
	wrapped := make([]llminstrFantasy.AgentTool, len(tools))
	for i, t := range tools {
		if _, done := t.(*llminstrFantasyTool); done || t == nil {
			wrapped[i] = t
			continue
		}
		wrapped[i] = &llminstrFantasyTool{AgentTool: t}
	}
	return f(wrapped...)
}

// llminstrFantasyTool is an AgentTool whose runs are traced.
type llminstrFantasyTool struct {
	llminstrFantasy.AgentTool
}

// llminstrFantasyToolError is the error.type of a tool whose response
// reports an error.
const llminstrFantasyToolError = "tool_error"

func (t *llminstrFantasyTool) Run(ctx llminstrContext.Context, call llminstrFantasy.ToolCall) (llminstrFantasy.ToolResponse, error) {
	ctx, op := llminstrRT.StartToolCall(ctx, call.Name, call.ID)
	op.SetToolArguments(call.Input)
	resp, err := t.AgentTool.Run(ctx, call)
	op.SetToolResult(resp.Content)
	if err == nil && resp.IsError {
		op.EndWithErrorType(llminstrErrors.New(resp.Content), llminstrFantasyToolError)
	} else {
		op.End(err)
	}
	return resp, err
}
