package injected

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"
)

// Operation names of the spans an agent's run is made of, besides its
// inference calls.
const (
	OperationInvokeAgent = "invoke_agent"
	OperationExecuteTool = "execute_tool"
)

// StartAgent starts the span of an agent invocation in this process (see
// [StartAgentRun]) and returns a context under which LLM calls are its
// children, and the function that ends the span with the invocation's
// error (nil when it succeeded). llminstr calls it at the top of functions
// marked //llminstr:agent.
//
// Only calls made with the returned context (or one derived from it) join
// the agent's trace. llminstr does not track spans per goroutine: that needs
// a field added to the Go runtime's goroutine struct, which has leaked memory
// and mixed requests up under load in the tools that do it.
func StartAgent(ctx context.Context, name string) (agentCtx context.Context, end func(error)) {
	agentCtx, op := StartAgentRun(ctx, name)
	return agentCtx, op.End
}

// StartAgentRun starts the span of an agent invocation in this process,
// named "invoke_agent {name}" (or "invoke_agent" when the agent has no
// name), and returns a context under which LLM calls are its children and
// carry gen_ai.agent.name, and the span.
func StartAgentRun(ctx context.Context, name string) (agentCtx context.Context, op *OperationSpan) {
	var attrs []attribute.KeyValue
	if name != "" {
		attrs = append(attrs, keyAgentName.String(name))
	}
	agentCtx, op = startOperation(ctx, OperationInvokeAgent, name, attrs...)
	if name != "" && op != nil {
		agentCtx = WithAgentName(agentCtx, name)
	}
	return agentCtx, op
}

// StartTool starts the span of a tool's execution in this process (see
// [StartToolCall]) and returns a context under which the calls the tool
// makes are its children, and the function that ends the span with the
// tool's error (nil when it succeeded). llminstr calls it at the top of
// functions marked //llminstr:tool.
func StartTool(ctx context.Context, name string) (toolCtx context.Context, end func(error)) {
	toolCtx, op := StartToolCall(ctx, name, "")
	return toolCtx, op.End
}

// StartToolCall starts the span of a tool's execution in this process,
// named "execute_tool {name}", with gen_ai.tool.name, gen_ai.tool.type
// function and, when the model's call has one, gen_ai.tool.call.id.
func StartToolCall(ctx context.Context, name, callID string) (toolCtx context.Context, op *OperationSpan) {
	attrs := []attribute.KeyValue{keyToolName.String(name), keyToolType.String("function")}
	if callID != "" {
		attrs = append(attrs, keyToolCallID.String(callID))
	}
	return startOperation(ctx, OperationExecuteTool, name, attrs...)
}

// An OperationSpan is the span of an agent's invocation or of a tool's
// execution in this process (kind INTERNAL). Its methods are safe on a nil
// OperationSpan, which is what the Start functions return when their own
// setup fails; it ends exactly once.
type OperationSpan struct {
	span    trace.Span
	content *contentConfig // nil unless content is captured on spans
	once    sync.Once

	// mcp, for an MCP request's span, is what its duration metric needs.
	mcp *mcpMeasure
}

// mcpMeasure is an MCP request's duration metric in the making.
type mcpMeasure struct {
	server bool
	start  time.Time
	attrs  []attribute.KeyValue
}

// startOperation starts an INTERNAL span of operation, named after it and
// name, with attrs and the context's attributes.
func startOperation(ctx context.Context, operation, name string, attrs ...attribute.KeyValue) (context.Context, *OperationSpan) {
	all := append([]attribute.KeyValue{keyOperationName.String(operation)}, attrs...)
	return startSpan(ctx, trace.SpanKindInternal, operation, name, all)
}

// startSpan starts an OperationSpan of kind named "{prefix} {name}" (the
// prefix alone without a name), with attrs and the context's attributes.
// Whatever fails, it returns ctx and a nil span, so that the function runs
// as it would uninstrumented.
func startSpan(ctx context.Context, kind trace.SpanKind, prefix, name string, attrs []attribute.KeyValue) (spanCtx context.Context, op *OperationSpan) {
	defer func() {
		if r := recover(); r != nil {
			warnf("internal error (recovered): %v", r)
			spanCtx, op = ctx, nil
		}
	}()
	if ctx == nil {
		return ctx, nil
	}
	spanName := prefix
	if name != "" {
		spanName += " " + name
	}
	attrs = append(attrs[:len(attrs):len(attrs)], contextAttributes(ctx)...)
	ctx, span := tracer().Start(ctx, spanName, trace.WithSpanKind(kind), trace.WithAttributes(attrs...), parentOption(ctx))
	op = &OperationSpan{span: span}
	if cfg := content(); cfg.mode&captureOnSpan != 0 {
		op.content = cfg
	}
	track(op)
	return ctx, op
}

// CaptureContent reports whether the span records tool arguments and
// results (content capture on spans is on).
func (op *OperationSpan) CaptureContent() bool { return op != nil && op.content != nil }

// SetUsage records the tokens an agent's run used in all its model calls.
func (op *OperationSpan) SetUsage(input, output int64) {
	if op == nil {
		return
	}
	op.span.SetAttributes(keyUsageInputTokens.Int64(input), keyUsageOutputTokens.Int64(output))
}

// SetToolArguments records gen_ai.tool.call.arguments, redacted and
// bounded, when content is captured.
func (op *OperationSpan) SetToolArguments(arguments string) {
	op.setContent(keyToolCallArguments, arguments)
}

// SetToolResult records gen_ai.tool.call.result, redacted and bounded,
// when content is captured.
func (op *OperationSpan) SetToolResult(result string) { op.setContent(keyToolCallResult, result) }

func (op *OperationSpan) setContent(key attribute.Key, s string) {
	defer recoverAndWarn()
	if !op.CaptureContent() || s == "" {
		return
	}
	if s, ok := op.content.redact(op.content.precut(s)); ok {
		op.span.SetAttributes(key.String(cut(s, op.content.maxBytes)))
	}
}

// End ends the span; a non-nil err marks it failed, with its error.type.
func (op *OperationSpan) End(err error) { op.EndWithErrorType(err, "") }

// EndWithErrorType is End with an explicit error.type for err (a tool's
// "tool_error" for a result that reports an error); an empty errorType
// falls back to what End would record.
func (op *OperationSpan) EndWithErrorType(err error, errorType string) {
	if op == nil {
		return
	}
	defer recoverAndWarn()
	op.once.Do(func() {
		untrack(op)
		if err != nil {
			if errorType == "" {
				errorType = errorTypeOf(err)
			}
			op.span.SetAttributes(keyErrorType.String(errorType))
			op.span.SetStatus(codes.Error, err.Error())
		} else {
			errorType = ""
		}
		op.span.End()
		if op.mcp != nil {
			op.mcp.record(errorType)
		}
	})
}

func (op *OperationSpan) endUnfinished() bool {
	op.span.SetAttributes(keyUnfinished.Bool(true))
	op.End(nil)
	return true
}

// record records the request's duration with its method, tool and error.
func (m *mcpMeasure) record(errorType string) {
	inst := meters()
	h := inst.mcpClientDuration
	if m.server {
		h = inst.mcpServerDuration
	}
	if h == nil {
		return
	}
	attrs := m.attrs
	if errorType != "" {
		attrs = append(attrs[:len(attrs):len(attrs)], keyErrorType.String(errorType))
	}
	h.Record(context.Background(), time.Since(m.start).Seconds(), metric.WithAttributes(attrs...))
}
