// Package mcpgo holds the adapters of github.com/mark3labs/mcp-go: the
// requests its clients send and the tool calls its servers handle are
// traced, and the trace crosses from one to the other in the request's
// _meta.
//
// The file is injected into packages that use mcp-go, with its package
// clause changed. So every top-level name starts with "llminstr" and every
// import is named.
package mcpgo

import (
	llminstrContext "context"
	llminstrErrors "errors"
	llminstrURL "net/url"
	llminstrReflect "reflect"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
	llminstrClient "github.com/mark3labs/mcp-go/client"
	llminstrTransport "github.com/mark3labs/mcp-go/client/transport"
	llminstrMCP "github.com/mark3labs/mcp-go/mcp"
	llminstrServer "github.com/mark3labs/mcp-go/server"
)

// The adapters of the client's requests: one per method of
// client.MCPClient, for calls on a *client.Client or through the interface.
// Each sends its request in a CLIENT span (see llminstrMCPGoRequest).

func llminstrMCPGoInitialize(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.InitializeRequest) (*llminstrMCP.InitializeResult, error) {
	return llminstrMCPGoRequest(c, ctx, "initialize", "", nil, func(ctx llminstrContext.Context) (*llminstrMCP.InitializeResult, error) {
		return c.Initialize(ctx, request)
	})
}

func llminstrMCPGoPing(c llminstrClient.MCPClient, ctx llminstrContext.Context) error {
	_, err := llminstrMCPGoRequest(c, ctx, "ping", "", nil, func(ctx llminstrContext.Context) (struct{}, error) {
		return struct{}{}, c.Ping(ctx)
	})
	return err
}

func llminstrMCPGoListResourcesByPage(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.ListResourcesRequest) (*llminstrMCP.ListResourcesResult, error) {
	return llminstrMCPGoRequest(c, ctx, "resources/list", "", &request.Params.Meta, func(ctx llminstrContext.Context) (*llminstrMCP.ListResourcesResult, error) {
		return c.ListResourcesByPage(ctx, request)
	})
}

func llminstrMCPGoListResources(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.ListResourcesRequest) (*llminstrMCP.ListResourcesResult, error) {
	return llminstrMCPGoRequest(c, ctx, "resources/list", "", &request.Params.Meta, func(ctx llminstrContext.Context) (*llminstrMCP.ListResourcesResult, error) {
		return c.ListResources(ctx, request)
	})
}

func llminstrMCPGoListResourceTemplatesByPage(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.ListResourceTemplatesRequest) (*llminstrMCP.ListResourceTemplatesResult, error) {
	return llminstrMCPGoRequest(c, ctx, "resources/templates/list", "", &request.Params.Meta, func(ctx llminstrContext.Context) (*llminstrMCP.ListResourceTemplatesResult, error) {
		return c.ListResourceTemplatesByPage(ctx, request)
	})
}

func llminstrMCPGoListResourceTemplates(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.ListResourceTemplatesRequest) (*llminstrMCP.ListResourceTemplatesResult, error) {
	return llminstrMCPGoRequest(c, ctx, "resources/templates/list", "", &request.Params.Meta, func(ctx llminstrContext.Context) (*llminstrMCP.ListResourceTemplatesResult, error) {
		return c.ListResourceTemplates(ctx, request)
	})
}

func llminstrMCPGoReadResource(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.ReadResourceRequest) (*llminstrMCP.ReadResourceResult, error) {
	return llminstrMCPGoRequest(c, ctx, "resources/read", request.Params.URI, &request.Params.Meta, func(ctx llminstrContext.Context) (*llminstrMCP.ReadResourceResult, error) {
		return c.ReadResource(ctx, request)
	})
}

func llminstrMCPGoSubscribe(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.SubscribeRequest) error {
	_, err := llminstrMCPGoRequest(c, ctx, "resources/subscribe", request.Params.URI, nil, func(ctx llminstrContext.Context) (struct{}, error) {
		return struct{}{}, c.Subscribe(ctx, request)
	})
	return err
}

func llminstrMCPGoUnsubscribe(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.UnsubscribeRequest) error {
	_, err := llminstrMCPGoRequest(c, ctx, "resources/unsubscribe", request.Params.URI, nil, func(ctx llminstrContext.Context) (struct{}, error) {
		return struct{}{}, c.Unsubscribe(ctx, request)
	})
	return err
}

func llminstrMCPGoListPromptsByPage(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.ListPromptsRequest) (*llminstrMCP.ListPromptsResult, error) {
	return llminstrMCPGoRequest(c, ctx, "prompts/list", "", &request.Params.Meta, func(ctx llminstrContext.Context) (*llminstrMCP.ListPromptsResult, error) {
		return c.ListPromptsByPage(ctx, request)
	})
}

func llminstrMCPGoListPrompts(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.ListPromptsRequest) (*llminstrMCP.ListPromptsResult, error) {
	return llminstrMCPGoRequest(c, ctx, "prompts/list", "", &request.Params.Meta, func(ctx llminstrContext.Context) (*llminstrMCP.ListPromptsResult, error) {
		return c.ListPrompts(ctx, request)
	})
}

func llminstrMCPGoGetPrompt(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.GetPromptRequest) (*llminstrMCP.GetPromptResult, error) {
	return llminstrMCPGoRequest(c, ctx, "prompts/get", request.Params.Name, &request.Params.Meta, func(ctx llminstrContext.Context) (*llminstrMCP.GetPromptResult, error) {
		return c.GetPrompt(ctx, request)
	})
}

func llminstrMCPGoListToolsByPage(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.ListToolsRequest) (*llminstrMCP.ListToolsResult, error) {
	return llminstrMCPGoRequest(c, ctx, "tools/list", "", &request.Params.Meta, func(ctx llminstrContext.Context) (*llminstrMCP.ListToolsResult, error) {
		return c.ListToolsByPage(ctx, request)
	})
}

func llminstrMCPGoListTools(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.ListToolsRequest) (*llminstrMCP.ListToolsResult, error) {
	return llminstrMCPGoRequest(c, ctx, "tools/list", "", &request.Params.Meta, func(ctx llminstrContext.Context) (*llminstrMCP.ListToolsResult, error) {
		return c.ListTools(ctx, request)
	})
}

func llminstrMCPGoCallTool(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.CallToolRequest) (*llminstrMCP.CallToolResult, error) {
	return llminstrMCPGoRequest(c, ctx, "tools/call", request.Params.Name, &request.Params.Meta, func(ctx llminstrContext.Context) (*llminstrMCP.CallToolResult, error) {
		return c.CallTool(ctx, request)
	})
}

func llminstrMCPGoSetLevel(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.SetLevelRequest) error {
	_, err := llminstrMCPGoRequest(c, ctx, "logging/setLevel", "", nil, func(ctx llminstrContext.Context) (struct{}, error) {
		return struct{}{}, c.SetLevel(ctx, request)
	})
	return err
}

func llminstrMCPGoComplete(c llminstrClient.MCPClient, ctx llminstrContext.Context, request llminstrMCP.CompleteRequest) (*llminstrMCP.CompleteResult, error) {
	return llminstrMCPGoRequest(c, ctx, "completion/complete", "", nil, func(ctx llminstrContext.Context) (*llminstrMCP.CompleteResult, error) {
		return c.Complete(ctx, request)
	})
}

// llminstrMCPGoRequest sends a request (call) in a CLIENT span about target
// (the tool, prompt or resource; "" for none). Where the request has a
// _meta (meta non-nil: the adapter's copy of the request's, so nothing of
// the caller's changes), it carries the span's trace context to the server.
//
// Only mcp-go's own client sends requests: a call through client.MCPClient
// on another implementation (a fake, or a wrapper of the program's, whose
// own call of the client it wraps is traced where it is made) is left
// alone, as is a client with mcp-go's own tracing.
func llminstrMCPGoRequest[R any](c llminstrClient.MCPClient, ctx llminstrContext.Context, method, target string, meta **llminstrMCP.Meta, call func(llminstrContext.Context) (R, error)) (R, error) {
	cl, ok := c.(*llminstrClient.Client)
	if !ok || cl == nil || llminstrMCPGoTracesItself(cl) {
		return call(ctx)
	}
	session, version := "", ""
	var transport llminstrTransport.Interface
	llminstrRT.Safe(func() {
		session, transport = cl.GetSessionId(), cl.GetTransport()
		if v, ok := c.(interface{ ProtocolVersion() string }); ok {
			version = v.ProtocolVersion()
		}
	})
	ctx, op := llminstrRT.StartMCPRequest(ctx, false, method, target, session, nil)
	op.SetMCPProtocolVersion(version)
	llminstrRT.Safe(func() { op.SetNetwork(llminstrMCPGoClientNetwork(transport)) })
	if meta != nil && op != nil {
		llminstrRT.Safe(func() { *meta = llminstrMCPGoInject(ctx, *meta) })
	}
	res, err := call(ctx)
	llminstrMCPGoEnd(op, any(res), err)
	return res, err
}

// llminstrMCPGoClientNetwork is how a client's transport reaches its
// server: stdio is a pipe, HTTP and SSE are TCP to the server's URL, an
// in-process server is neither.
func llminstrMCPGoClientNetwork(t llminstrTransport.Interface) (string, *llminstrURL.URL) {
	switch t := t.(type) {
	case *llminstrTransport.Stdio:
		return "pipe", nil
	case *llminstrTransport.SSE:
		return "tcp", t.GetBaseURL()
	case *llminstrTransport.StreamableHTTP:
		// Its URL is not exported; read, never written, by reflection.
		var u *llminstrURL.URL
		if f := llminstrReflect.ValueOf(t).Elem().FieldByName("serverURL"); f.IsValid() && f.Kind() == llminstrReflect.Pointer && !f.IsNil() {
			u = &llminstrURL.URL{Scheme: f.Elem().FieldByName("Scheme").String(), Host: f.Elem().FieldByName("Host").String()}
		}
		return "tcp", u
	}
	return "", nil
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
		session, transport := "", ""
		llminstrRT.Safe(func() {
			if m := request.Params.Meta; m != nil {
				meta = m.AdditionalFields
			}
			if cs := llminstrServer.ClientSessionFromContext(ctx); cs != nil {
				session = cs.SessionID()
				transport = llminstrMCPGoServerNetwork(cs)
			}
		})
		ctx, op := llminstrRT.StartMCPRequest(ctx, true, llminstrRT.MCPToolCall, request.Params.Name, session, meta)
		op.SetNetwork(transport, nil)
		res, err := next(ctx, request)
		llminstrMCPGoEnd(op, res, err)
		return res, err
	}
}

// llminstrMCPGoServerNetwork is how a session's client reaches the server:
// by the session's type (unexported), stdio is a pipe, HTTP and SSE are
// TCP; an in-process session is neither.
func llminstrMCPGoServerNetwork(s llminstrServer.ClientSession) string {
	switch llminstrReflect.TypeOf(s).String() {
	case "*server.stdioSession":
		return "pipe"
	case "*server.streamableHttpSession", "*server.sseSession":
		return "tcp"
	}
	return ""
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
func llminstrMCPGoEnd(op *llminstrRT.OperationSpan, res any, err error) {
	switch {
	case err != nil:
		for _, e := range llminstrMCPGoErrorCodes {
			if llminstrErrors.Is(err, e.err) {
				op.EndWithErrorType(err, llminstrRT.JSONRPCErrorType(int64(e.code)))
				return
			}
		}
		op.End(err)
	default:
		if r, ok := res.(*llminstrMCP.CallToolResult); ok && r != nil && r.IsError {
			op.EndWithErrorType(llminstrErrors.New(llminstrMCPGoText(r)), "tool_error")
			return
		}
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
