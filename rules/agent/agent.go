// Package agent holds the adapters of the //llminstr:agent and
// //llminstr:tool directives.
//
// The file is injected into every package that uses a directive, with its
// package clause changed. So every top-level name starts with "llminstr" and
// every import is named.
package agent

import (
	llminstrContext "context"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
)

// llminstrAgent starts the invoke_agent span of a function marked
// //llminstr:agent; the function's context is replaced by the span's, so
// the LLM calls made with it are the span's children and carry the agent's
// name. The function's error result, if it has one, ends the span.
func llminstrAgent(ctx llminstrContext.Context, name string) (llminstrContext.Context, func(error)) {
	return llminstrRT.StartAgent(ctx, name)
}

// llminstrTool starts the execute_tool span of a function marked
// //llminstr:tool; the function's context is replaced by the span's, so
// the calls made with it are the span's children. The function's error
// result, if it has one, ends the span.
func llminstrTool(ctx llminstrContext.Context, name string) (llminstrContext.Context, func(error)) {
	return llminstrRT.StartTool(ctx, name)
}
