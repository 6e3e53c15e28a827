// Package eino holds the adapters of github.com/cloudwego/eino: an
// execute_tool span for each tool run, an invoke_agent span for each run of
// an ADK ChatModelAgent and each Generate of a flow/agent/react agent.
//
// Tools and ADK agents are seen through eino's own callbacks: the file
// registers a global callback handler, in an init function, which eino
// calls around every tool (compose.ToolsNode runs them with callbacks) and
// every run of a compiled chain or graph; the handler only asks for tools,
// and for the chain an ADK ChatModelAgent compiles under its name. The
// model calls under them are traced where they leave the program: eino-ext's
// OpenAI-compatible models speak HTTP with a client of their own, which the
// wire-level fallback reads, and its models built on an SDK llminstr traces
// are that SDK's spans: the handler never starts a span for a model, so
// there is one per request.
//
// The rules only wrap constructors (which also get the file injected where
// they are called) and react's Generate. Their adapters are generic, so
// that the file imports none of the packages they come from.
//
// The file is injected into every package that calls them, with its package
// clause changed. So every top-level name starts with "llminstr" and every
// import is named. Each copy registers its own handler; a handler leaves a
// run to one that started its span first (their starts are chained
// through the context).
package eino

import (
	llminstrContext "context"
	llminstrIO "io"
	llminstrSync "sync"

	llminstrCallbacks "github.com/cloudwego/eino/callbacks"
	llminstrComponents "github.com/cloudwego/eino/components"
	llminstrTool "github.com/cloudwego/eino/components/tool"
	llminstrCompose "github.com/cloudwego/eino/compose"
	llminstrSchema "github.com/cloudwego/eino/schema"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
)

func init() {
	llminstrCallbacks.AppendGlobalHandlers(llminstrEinoHandler{})
}

// llminstrEinoAgents are the names of the ADK agents this copy's
// constructor calls made: a chain or graph run under one of them is that
// agent's run.
var llminstrEinoAgents llminstrSync.Map

// llminstrEinoNewChatModelAgent wraps adk.NewChatModelAgent: the agent's
// name is noted, for its runs.
func llminstrEinoNewChatModelAgent[Config, Agent any](
	f func(llminstrContext.Context, Config) (Agent, error),
	ctx llminstrContext.Context, config Config,
) (Agent, error) {
	agent, err := f(ctx, config)
	if err == nil {
		llminstrRT.Safe(func() {
			if named, ok := any(agent).(interface {
				Name(llminstrContext.Context) string
			}); ok {
				if name := named.Name(ctx); name != "" {
					llminstrEinoAgents.Store(name, true)
				}
			}
		})
	}
	return agent, err
}

// llminstrEinoNew wraps a constructor whose product runs tools
// (compose.NewToolNode, react.NewAgent): calling it is what gets this file,
// and its handler, into the program.
func llminstrEinoNew[Config, Product any](
	f func(llminstrContext.Context, Config) (Product, error),
	ctx llminstrContext.Context, config Config,
) (Product, error) {
	return f(ctx, config)
}

// llminstrEinoReactGenerate wraps (*react.Agent).Generate in an
// invoke_agent span; the model calls and tool runs of its steps are the
// span's children.
func llminstrEinoReactGenerate[Input, Output, Option any](
	m func(llminstrContext.Context, Input, ...Option) (Output, error),
	ctx llminstrContext.Context, input Input, opts ...Option,
) (Output, error) {
	ctx, op := llminstrRT.StartAgentRun(ctx, "")
	out, err := m(ctx, input, opts...)
	op.End(err)
	return out, err
}

// llminstrEinoHandler is the global callback handler.
type llminstrEinoHandler struct{}

// Needed asks eino for the callbacks of tools and of the chains and graphs
// ADK agents run under their names; eino then copies no other stream for
// it.
func (llminstrEinoHandler) Needed(ctx llminstrContext.Context, info *llminstrCallbacks.RunInfo, _ llminstrCallbacks.CallbackTiming) bool {
	return info != nil && (info.Component == llminstrComponents.ComponentOfTool || llminstrEinoIsAgent(info))
}

func llminstrEinoIsAgent(info *llminstrCallbacks.RunInfo) bool {
	if info.Component != llminstrCompose.ComponentOfChain && info.Component != llminstrCompose.ComponentOfGraph {
		return false
	}
	_, ok := llminstrEinoAgents.Load(info.Name)
	return ok
}

// The context of a run holds its span under the run's *RunInfo: a key
// every copy of this file shares, so that the handler that comes second
// sees the span of the first.

func (h llminstrEinoHandler) OnStart(ctx llminstrContext.Context, info *llminstrCallbacks.RunInfo, input llminstrCallbacks.CallbackInput) llminstrContext.Context {
	if !h.Needed(ctx, info, llminstrCallbacks.TimingOnStart) || ctx.Value(info) != nil {
		return ctx
	}
	var op *llminstrRT.OperationSpan
	if info.Component == llminstrComponents.ComponentOfTool {
		callID := ""
		llminstrRT.Safe(func() { callID = llminstrCompose.GetToolCallID(ctx) })
		ctx, op = llminstrRT.StartToolCall(ctx, info.Name, callID)
		if op.CaptureContent() {
			llminstrRT.Safe(func() {
				if in := llminstrTool.ConvCallbackInput(input); in != nil {
					op.SetToolArguments(in.ArgumentsInJSON)
				}
			})
		}
	} else {
		ctx, op = llminstrRT.StartAgentRun(ctx, info.Name)
	}
	if op == nil {
		return ctx
	}
	return llminstrContext.WithValue(ctx, info, op)
}

// llminstrEinoSpan returns the span the context holds for the run.
func llminstrEinoSpan(ctx llminstrContext.Context, info *llminstrCallbacks.RunInfo) *llminstrRT.OperationSpan {
	if info == nil {
		return nil
	}
	op, _ := ctx.Value(info).(*llminstrRT.OperationSpan)
	return op
}

func (llminstrEinoHandler) OnEnd(ctx llminstrContext.Context, info *llminstrCallbacks.RunInfo, output llminstrCallbacks.CallbackOutput) llminstrContext.Context {
	op := llminstrEinoSpan(ctx, info)
	if op == nil {
		return ctx
	}
	if info.Component == llminstrComponents.ComponentOfTool && op.CaptureContent() {
		llminstrRT.Safe(func() {
			if out := llminstrTool.ConvCallbackOutput(output); out != nil {
				op.SetToolResult(out.Response)
			}
		})
	}
	op.End(nil)
	return ctx
}

func (llminstrEinoHandler) OnError(ctx llminstrContext.Context, info *llminstrCallbacks.RunInfo, err error) llminstrContext.Context {
	llminstrEinoSpan(ctx, info).End(err)
	return ctx
}

// OnStartWithStreamInput starts the run's span as OnStart does; the copy
// of the input eino made for the handler is closed unread.
func (h llminstrEinoHandler) OnStartWithStreamInput(ctx llminstrContext.Context, info *llminstrCallbacks.RunInfo, input *llminstrSchema.StreamReader[llminstrCallbacks.CallbackInput]) llminstrContext.Context {
	if input != nil {
		input.Close()
	}
	return h.OnStart(ctx, info, nil)
}

// OnEndWithStreamOutput ends the run's span when its output stream ends:
// the copy eino made for the handler is read to its end (or first error)
// on a goroutine of its own, which the stream's end also ends.
func (llminstrEinoHandler) OnEndWithStreamOutput(ctx llminstrContext.Context, info *llminstrCallbacks.RunInfo, output *llminstrSchema.StreamReader[llminstrCallbacks.CallbackOutput]) llminstrContext.Context {
	op := llminstrEinoSpan(ctx, info)
	if output == nil {
		op.End(nil)
		return ctx
	}
	if op == nil {
		output.Close()
		return ctx
	}
	isTool := info.Component == llminstrComponents.ComponentOfTool
	go func() {
		defer output.Close()
		var result []byte
		for {
			chunk, err := output.Recv()
			if err == llminstrIO.EOF {
				break
			}
			if err != nil {
				op.End(err)
				return
			}
			if isTool && op.CaptureContent() {
				llminstrRT.Safe(func() {
					if out := llminstrTool.ConvCallbackOutput(chunk); out != nil {
						result = append(result, out.Response...)
					}
				})
			}
		}
		if isTool && op.CaptureContent() {
			op.SetToolResult(string(result))
		}
		op.End(nil)
	}()
	return ctx
}
