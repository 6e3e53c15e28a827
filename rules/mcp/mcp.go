// Package mcp holds the adapters of the official MCP Go SDK,
// github.com/modelcontextprotocol/go-sdk/mcp: a sending middleware on every
// client and a receiving middleware on every server, so that every request
// of every method is traced, whichever way the program makes it.
//
// The file is injected into packages that make MCP clients or servers,
// with its package clause changed. So every top-level name starts with
// "llminstr" and every import is named.
package mcp

import (
	llminstrContext "context"
	llminstrErrors "errors"
	llminstrURL "net/url"
	llminstrReflect "reflect"
	llminstrStrings "strings"

	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
	llminstrJSONRPC "github.com/modelcontextprotocol/go-sdk/jsonrpc"
	llminstrMCP "github.com/modelcontextprotocol/go-sdk/mcp"
)

// llminstrMCPNewClient wraps NewClient: the client's requests are traced.
func llminstrMCPNewClient(f func(*llminstrMCP.Implementation, *llminstrMCP.ClientOptions) *llminstrMCP.Client, impl *llminstrMCP.Implementation, opts *llminstrMCP.ClientOptions) *llminstrMCP.Client {
	c := f(impl, opts)
	if c != nil {
		llminstrRT.Safe(func() { c.AddSendingMiddleware(llminstrMCPMiddleware(false)) })
	}
	return c
}

// llminstrMCPNewServer wraps NewServer: the requests it handles are traced.
func llminstrMCPNewServer(f func(*llminstrMCP.Implementation, *llminstrMCP.ServerOptions) *llminstrMCP.Server, impl *llminstrMCP.Implementation, opts *llminstrMCP.ServerOptions) *llminstrMCP.Server {
	s := f(impl, opts)
	if s != nil {
		llminstrRT.Safe(func() { s.AddReceivingMiddleware(llminstrMCPMiddleware(true)) })
	}
	return s
}

// llminstrMCPMiddleware traces each request, sent by a client (server
// false) or handled by a server. Notifications are left alone.
func llminstrMCPMiddleware(server bool) llminstrMCP.Middleware {
	return func(next llminstrMCP.MethodHandler) llminstrMCP.MethodHandler {
		return func(ctx llminstrContext.Context, method string, req llminstrMCP.Request) (llminstrMCP.Result, error) {
			if llminstrStrings.HasPrefix(method, "notifications/") {
				return next(ctx, method, req)
			}
			var params llminstrMCP.Params
			session, target, version, transport := "", "", "", ""
			var serverURL *llminstrURL.URL
			var meta map[string]any
			llminstrRT.Safe(func() {
				if s := req.GetSession(); s != nil && !llminstrMCPIsNil(s) {
					session = s.ID()
					version = llminstrMCPProtocolVersion(s)
					transport, serverURL = llminstrMCPNetwork(s)
				}
				p := req.GetParams()
				if !server && (p == nil || llminstrMCPIsNil(p)) {
					// A request sent without params (ListTools(ctx, nil))
					// gets empty ones, to carry the trace context.
					p = llminstrMCPEmptyParams(req, method)
				}
				if p != nil && !llminstrMCPIsNil(p) {
					params, meta = p, p.GetMeta()
					target = llminstrMCPTarget(p)
				}
			})
			ctx, op := llminstrRT.StartMCPRequest(ctx, server, method, target, session, meta)
			op.SetMCPProtocolVersion(version)
			op.SetNetwork(transport, serverURL)
			if !server && params != nil {
				// The request carries the trace to the server, in a copy
				// of its params: the caller's are never written to, so
				// params shared between goroutines stay race-free.
				llminstrRT.Safe(func() { llminstrMCPSendMeta(req, params, llminstrRT.InjectTraceContext(ctx, meta)) })
			}
			res, err := next(ctx, method, req)
			llminstrMCPEnd(op, res, err)
			return res, err
		}
	}
}

// llminstrMCPProtocolVersion is the protocol version a session's
// initialize negotiated ("" before it, or without one).
func llminstrMCPProtocolVersion(s llminstrMCP.Session) string {
	switch s := s.(type) {
	case *llminstrMCP.ClientSession:
		if r := s.InitializeResult(); r != nil {
			return r.ProtocolVersion
		}
	case *llminstrMCP.ServerSession:
		if p := s.InitializeParams(); p != nil {
			return p.ProtocolVersion
		}
	}
	return ""
}

// llminstrMCPNetwork is how a session's messages travel, by the type of
// its connection (unexported; read, never written, by reflection): stdio,
// commands and in-memory pipes are a pipe, streamable HTTP and SSE are TCP,
// and a client's connection knows its server's URL (host and port only are
// kept). A connection of the program's own is not described.
func llminstrMCPNetwork(s llminstrMCP.Session) (transport string, server *llminstrURL.URL) {
	rv := llminstrReflect.ValueOf(s)
	if rv.Kind() != llminstrReflect.Pointer || rv.IsNil() || rv.Elem().Kind() != llminstrReflect.Struct {
		return "", nil
	}
	conn := rv.Elem().FieldByName("mcpConn")
	if !conn.IsValid() || conn.Kind() != llminstrReflect.Interface || conn.IsNil() {
		return "", nil
	}
	conn = conn.Elem()
	if conn.Kind() != llminstrReflect.Pointer || conn.IsNil() || conn.Elem().Kind() != llminstrReflect.Struct {
		return "", nil
	}
	fields := conn.Elem()
	hostOf := func(u *llminstrURL.URL) *llminstrURL.URL {
		if u == nil {
			return nil
		}
		return &llminstrURL.URL{Scheme: u.Scheme, Host: u.Host}
	}
	switch conn.Type().String() {
	case "*mcp.ioConn":
		return "pipe", nil
	case "*mcp.streamableServerConn", "*mcp.sseServerConn":
		return "tcp", nil
	case "*mcp.streamableClientConn":
		if f := fields.FieldByName("url"); f.IsValid() && f.Kind() == llminstrReflect.String {
			u, _ := llminstrURL.Parse(f.String())
			return "tcp", hostOf(u)
		}
		return "tcp", nil
	case "*mcp.sseClientConn":
		if f := fields.FieldByName("msgEndpoint"); f.IsValid() && f.Kind() == llminstrReflect.Pointer && !f.IsNil() {
			return "tcp", &llminstrURL.URL{Scheme: f.Elem().FieldByName("Scheme").String(), Host: f.Elem().FieldByName("Host").String()}
		}
		return "tcp", nil
	}
	return "", nil
}

// llminstrMCPTarget is what a request is about: the tool, the prompt or
// the resource.
func llminstrMCPTarget(p llminstrMCP.Params) string {
	switch p := p.(type) {
	case *llminstrMCP.CallToolParams:
		return p.Name
	case *llminstrMCP.CallToolParamsRaw: // as a server receives it
		return p.Name
	case *llminstrMCP.GetPromptParams:
		return p.Name
	case *llminstrMCP.ReadResourceParams:
		return p.URI
	}
	return ""
}

// llminstrMCPEnd ends a request's span: a JSON-RPC error has its code as
// error.type, a tool result that reports an error is a tool_error.
func llminstrMCPEnd(op *llminstrRT.OperationSpan, res llminstrMCP.Result, err error) {
	var wire *llminstrJSONRPC.Error
	switch {
	case err != nil && llminstrErrors.As(err, &wire):
		op.EndWithErrorType(err, llminstrRT.JSONRPCErrorType(wire.Code))
	case err != nil:
		op.End(err)
	default:
		if r, ok := res.(*llminstrMCP.CallToolResult); ok && r != nil && r.IsError {
			op.EndWithErrorType(llminstrErrors.New(llminstrMCPText(r)), "tool_error")
			return
		}
		op.End(nil)
	}
}

// llminstrMCPText is the text a failed tool result gives.
func llminstrMCPText(r *llminstrMCP.CallToolResult) string {
	for _, c := range r.Content {
		if t, ok := c.(*llminstrMCP.TextContent); ok && t.Text != "" {
			return t.Text
		}
	}
	return "tool error"
}

// llminstrMCPSendMeta makes the request send a shallow copy of params
// with meta as its _meta.
func llminstrMCPSendMeta(req llminstrMCP.Request, params llminstrMCP.Params, meta map[string]any) {
	f := llminstrMCPParamsField(req)
	pv := llminstrReflect.ValueOf(params)
	if !f.IsValid() || pv.Kind() != llminstrReflect.Pointer || pv.IsNil() || pv.Elem().Kind() != llminstrReflect.Struct {
		return
	}
	cp := llminstrReflect.New(pv.Elem().Type())
	cp.Elem().Set(pv.Elem())
	p, ok := cp.Interface().(llminstrMCP.Params)
	if !ok || !cp.Type().AssignableTo(f.Type()) {
		return
	}
	p.SetMeta(meta)
	f.Set(cp)
}

// llminstrMCPParamsField is the settable Params field of a request the SDK
// made for this call, or the zero Value.
func llminstrMCPParamsField(req llminstrMCP.Request) llminstrReflect.Value {
	rv := llminstrReflect.ValueOf(req)
	if rv.Kind() != llminstrReflect.Pointer || rv.IsNil() || rv.Elem().Kind() != llminstrReflect.Struct {
		return llminstrReflect.Value{}
	}
	f := rv.Elem().FieldByName("Params")
	if !f.IsValid() || !f.CanSet() {
		return llminstrReflect.Value{}
	}
	return f
}

// llminstrMCPEmptyParams sets a request's missing params to empty ones,
// and returns them (nil when it cannot): a typed nil pointer gets a value
// of its type; an empty interface (as releases before v1.3 pass them) one
// of the type of the method's params.
func llminstrMCPEmptyParams(req llminstrMCP.Request, method string) llminstrMCP.Params {
	f := llminstrMCPParamsField(req)
	if !f.IsValid() || (f.Kind() != llminstrReflect.Pointer && f.Kind() != llminstrReflect.Interface) || !f.IsNil() {
		return nil
	}
	var p llminstrMCP.Params
	switch f.Kind() {
	case llminstrReflect.Pointer:
		p, _ = llminstrReflect.New(f.Type().Elem()).Interface().(llminstrMCP.Params)
	case llminstrReflect.Interface:
		switch method {
		case "tools/list":
			p = &llminstrMCP.ListToolsParams{}
		case "prompts/list":
			p = &llminstrMCP.ListPromptsParams{}
		case "resources/list":
			p = &llminstrMCP.ListResourcesParams{}
		case "resources/templates/list":
			p = &llminstrMCP.ListResourceTemplatesParams{}
		case "ping":
			p = &llminstrMCP.PingParams{}
		}
	}
	if p == nil || !llminstrReflect.TypeOf(p).AssignableTo(f.Type()) {
		return nil
	}
	f.Set(llminstrReflect.ValueOf(p))
	return p
}

// llminstrMCPIsNil reports whether an interface holds a nil pointer.
func llminstrMCPIsNil(v any) bool {
	rv := llminstrReflect.ValueOf(v)
	return rv.Kind() == llminstrReflect.Pointer && rv.IsNil()
}
