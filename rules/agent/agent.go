// Package agent holds the adapter of the //llminstr:agent directive.
//
// The file is injected into every package that uses the directive, with its
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
// name.
func llminstrAgent(ctx llminstrContext.Context, name string) (llminstrContext.Context, func()) {
	return llminstrRT.StartAgent(ctx, name)
}
