package injected

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// Attributes of the OpenTelemetry semantic conventions for MCP.
const (
	keyMCPMethodName = attribute.Key("mcp.method.name")
	keyMCPSessionID  = attribute.Key("mcp.session.id")
	keyMCPProtocol   = attribute.Key("mcp.protocol.version")
)

// SetMCPProtocolVersion records the MCP protocol version the session
// negotiated, when it is known.
func (op *OperationSpan) SetMCPProtocolVersion(version string) {
	if op == nil || version == "" {
		return
	}
	op.span.SetAttributes(keyMCPProtocol.String(version))
}

// SetNetwork records how an MCP request travels: network.transport ("pipe"
// for stdio and in-process pipes, "tcp" for HTTP) and, where the server's
// URL is known, server.address and server.port (its host and port only).
// They are also attributes of the request's duration metric.
func (op *OperationSpan) SetNetwork(transport string, server *url.URL) {
	if op == nil {
		return
	}
	defer recoverAndWarn()
	var kvs []attribute.KeyValue
	if transport != "" {
		kvs = append(kvs, keyNetworkTransport.String(transport))
	}
	if host, port := hostPort(server); host != "" {
		kvs = append(kvs, keyServerAddress.String(host))
		if port > 0 {
			kvs = append(kvs, keyServerPort.Int(port))
		}
	}
	if len(kvs) == 0 {
		return
	}
	op.span.SetAttributes(kvs...)
	if op.mcp != nil {
		op.mcp.attrs = append(op.mcp.attrs[:len(op.mcp.attrs):len(op.mcp.attrs)], kvs...)
	}
}

// mcpClientRequest is the context key of the method of the MCP request a
// client is sending, so that a request made inside it (a wrapper of the
// SDK's client calling the client it wraps) is not traced twice.
type mcpClientRequest struct{}

// MCPToolCall is the method of an MCP tool call, whose spans are also
// execute_tool spans.
const MCPToolCall = "tools/call"

// StartMCPRequest starts the span of an MCP request: kind CLIENT where it
// is sent (server false), SERVER where it is handled. The span is named
// "{method} {target}" (the tool, prompt or resource the request is about;
// the method alone when it has none) and records mcp.method.name and
// mcp.session.id; a tools/call is also gen_ai.operation.name execute_tool
// with gen_ai.tool.name. A server's span continues the trace that the
// request's _meta carries (see [InjectTraceContext]), if any. Its end
// records the request's duration (mcp.client.operation.duration or
// mcp.server.operation.duration, by method, tool and error.type).
func StartMCPRequest(ctx context.Context, server bool, method, target, sessionID string, meta map[string]any) (context.Context, *OperationSpan) {
	if ctx == nil {
		return ctx, nil
	}
	kind := trace.SpanKindClient
	if server {
		kind = trace.SpanKindServer
		if len(meta) > 0 {
			ctx = extractTraceContext(ctx, meta)
		}
		if ctx.Value(mcpClientRequest{}) != nil {
			// An in-process server handles the request in the client's
			// context: what the server's handlers send is not nested.
			ctx = context.WithValue(ctx, mcpClientRequest{}, nil)
		}
	} else if m, _ := ctx.Value(mcpClientRequest{}).(string); m == method {
		return ctx, nil // already traced by the call that wraps this one
	}
	measured := []attribute.KeyValue{keyMCPMethodName.String(method)}
	if method == MCPToolCall {
		measured = append(measured, keyOperationName.String(OperationExecuteTool), keyToolName.String(target))
	}
	attrs := measured[:len(measured):len(measured)]
	if sessionID != "" {
		attrs = append(attrs, keyMCPSessionID.String(sessionID))
	}
	ctx, op := startSpan(ctx, kind, method, target, attrs)
	if op != nil {
		op.mcp = &mcpMeasure{server: server, start: time.Now(), attrs: measured}
		if !server {
			ctx = context.WithValue(ctx, mcpClientRequest{}, method)
		}
	}
	return ctx, op
}

// InjectTraceContext returns a copy of an MCP request's _meta with the
// W3C trace context (traceparent, tracestate) of ctx's span, for the
// server to continue the trace; meta itself is left as it is.
func InjectTraceContext(ctx context.Context, meta map[string]any) map[string]any {
	defer recoverAndWarn()
	if ctx == nil || !trace.SpanContextFromContext(ctx).IsValid() {
		return meta
	}
	out := make(map[string]any, len(meta)+2)
	for k, v := range meta {
		out[k] = v
	}
	injectTraceContext(ctx, out)
	return out
}

// JSONRPCErrorType is the error.type of a JSON-RPC error: its code.
func JSONRPCErrorType(code int64) string { return strconv.FormatInt(code, 10) }
