// Package mcpgo holds the adapters of github.com/mark3labs/mcp-go: the
// tool calls of its clients and servers are traced, and the trace crosses
// from one to the other in the request's _meta.
//
// The file is injected into packages that use mcp-go, with its package
// clause changed. So every top-level name starts with "llminstr" and every
// import is named.
package mcpgo

import (
	llminstrContext "context"
	llminstrErrors "errors"
	llminstrReflect "reflect"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
	llminstrClient "github.com/mark3labs/mcp-go/client"
	llminstrMCP "github.com/mark3labs/mcp-go/mcp"
	llminstrServer "github.com/mark3labs/mcp-go/server"
)

// llminstrMCPGoCallTool wraps (*Client).CallTool in a CLIENT span and
// sends the span's trace context in the request's _meta (the request is
// the caller's copy: nothing of theirs changes).
func llminstrMCPGoCallTool(c *llminstrClient.Client, ctx llminstrContext.Context, request llminstrMCP.CallToolRequest) (*llminstrMCP.CallToolResult, error) {
	if c == nil || llminstrMCPGoTracesItself(c) {
		return c.CallTool(ctx, request)
	}
	ctx, op := llminstrRT.StartMCPRequest(ctx, false, llminstrRT.MCPToolCall, request.Params.Name, "", nil)
	llminstrRT.Safe(func() { request.Params.Meta = llminstrMCPGoInject(ctx, request.Params.Meta) })
	res, err := c.CallTool(ctx, request)
	llminstrMCPGoEnd(op, res, err)
	return res, err
}

// llminstrMCPGoNewServer wraps NewMCPServer: the server's tool calls run
// in SERVER spans, unless the program turned on mcp-go's own tracing.
func llminstrMCPGoNewServer(f func(string, string, ...llminstrServer.ServerOption) *llminstrServer.MCPServer, name, version string, opts ...llminstrServer.ServerOption) *llminstrServer.MCPServer {
	s := f(name, version, opts...)
	if s != nil && !llminstrMCPGoTracesItself(s) {
		llminstrRT.Safe(func() { s.Use(llminstrMCPGoToolMiddleware) })
	}
	return s
}

// llminstrMCPGoToolMiddleware traces a tool call a server handles,
// continuing the trace of the request's _meta.
func llminstrMCPGoToolMiddleware(next llminstrServer.ToolHandlerFunc) llminstrServer.ToolHandlerFunc {
	return func(ctx llminstrContext.Context, request llminstrMCP.CallToolRequest) (*llminstrMCP.CallToolResult, error) {
		var meta map[string]any
		session := ""
		llminstrRT.Safe(func() {
			if m := request.Params.Meta; m != nil {
				meta = m.AdditionalFields
			}
			if cs := llminstrServer.ClientSessionFromContext(ctx); cs != nil {
				session = cs.SessionID()
			}
		})
		ctx, op := llminstrRT.StartMCPRequest(ctx, true, llminstrRT.MCPToolCall, request.Params.Name, session, meta)
		res, err := next(ctx, request)
		llminstrMCPGoEnd(op, res, err)
		return res, err
	}
}

// llminstrMCPGoInject returns a copy of meta that carries ctx's trace.
func llminstrMCPGoInject(ctx llminstrContext.Context, meta *llminstrMCP.Meta) *llminstrMCP.Meta {
	out := &llminstrMCP.Meta{}
	var fields map[string]any
	if meta != nil {
		*out = *meta
		fields = meta.AdditionalFields
	}
	out.AdditionalFields = llminstrRT.InjectTraceContext(ctx, fields)
	return out
}

// llminstrMCPGoEnd ends a tool call's span: a JSON-RPC error has its code
// as error.type, a result that reports an error is a tool_error.
func llminstrMCPGoEnd(op *llminstrRT.OperationSpan, res *llminstrMCP.CallToolResult, err error) {
	switch {
	case err != nil:
		for _, e := range llminstrMCPGoErrorCodes {
			if llminstrErrors.Is(err, e.err) {
				op.EndWithErrorType(err, llminstrRT.JSONRPCErrorType(int64(e.code)))
				return
			}
		}
		op.End(err)
	case res != nil && res.IsError:
		op.EndWithErrorType(llminstrErrors.New(llminstrMCPGoText(res)), "tool_error")
	default:
		op.End(nil)
	}
}

// llminstrMCPGoErrorCodes are the JSON-RPC codes of the errors a client
// returns for a server's error response.
var llminstrMCPGoErrorCodes = []struct {
	err  error
	code int
}{
	{llminstrMCP.ErrParseError, llminstrMCP.PARSE_ERROR},
	{llminstrMCP.ErrInvalidRequest, llminstrMCP.INVALID_REQUEST},
	{llminstrMCP.ErrMethodNotFound, llminstrMCP.METHOD_NOT_FOUND},
	{llminstrMCP.ErrInvalidParams, llminstrMCP.INVALID_PARAMS},
	{llminstrMCP.ErrInternalError, llminstrMCP.INTERNAL_ERROR},
	{llminstrMCP.ErrResourceNotFound, llminstrMCP.RESOURCE_NOT_FOUND},
}

// llminstrMCPGoText is the text a failed tool result gives.
func llminstrMCPGoText(r *llminstrMCP.CallToolResult) string {
	for _, c := range r.Content {
		if t, ok := c.(llminstrMCP.TextContent); ok && t.Text != "" {
			return t.Text
		}
	}
	return "tool error"
}

// llminstrMCPGoTracesItself reports whether a client or server has a tracer
// of mcp-go's own (client.WithTracer, server.WithTracer) other than its
// no-op one: the program traces its MCP calls itself.
func llminstrMCPGoTracesItself(v any) (traced bool) {
	defer func() {
		if recover() != nil {
			traced = false
		}
	}()
	rv := llminstrReflect.ValueOf(v)
	if rv.Kind() != llminstrReflect.Pointer || rv.IsNil() {
		return false
	}
	f := rv.Elem().FieldByName("tracer")
	if !f.IsValid() || f.Kind() != llminstrReflect.Interface || f.IsNil() {
		return false
	}
	return f.Elem().Type().String() != "tracing.noopTracer"
}
