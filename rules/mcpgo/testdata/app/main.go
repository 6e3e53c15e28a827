// Command app is an MCP client and server of github.com/mark3labs/mcp-go
// in one binary: "app client" starts "app server" over stdio and calls its
// tools (one that works, directly and through a wrapper, one whose result
// reports an error, one that does not exist); "app selftraced" does the same with mcp-go's own tracing
// turned on in the client. The mcpgo integration's test builds it with
// -toolexec=llminstr, and both processes export their spans.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"sync/atomic"

	"github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/client/transport"
	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
	"github.com/mark3labs/mcp-go/tracing"
)

func serve() error {
	s := server.NewMCPServer("calc", "1.0.0")
	s.AddTool(mcp.NewTool("add", mcp.WithDescription("Adds two numbers"),
		mcp.WithNumber("a", mcp.Required()), mcp.WithNumber("b", mcp.Required())),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			args, _ := req.Params.Arguments.(map[string]any)
			a, _ := args["a"].(float64)
			b, _ := args["b"].(float64)
			return mcp.NewToolResultText(fmt.Sprint(a + b)), nil
		})
	s.AddTool(mcp.NewTool("fail", mcp.WithDescription("Fails")),
		func(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
			return mcp.NewToolResultError("the tool broke"), nil
		})
	return server.ServeStdio(s)
}

// ownTracer is a tracer of the program's own, for mcp-go's tracing hooks:
// it counts the spans mcp-go starts.
type ownTracer struct{}

var ownSpans atomic.Int64

func (ownTracer) Start(ctx context.Context, name string, kind tracing.SpanKind, attrs ...tracing.Attribute) (context.Context, tracing.Span) {
	ownSpans.Add(1)
	return ctx, ownSpan{}
}

type ownSpan struct{}

func (ownSpan) SetAttributes(...tracing.Attribute)   {}
func (ownSpan) RecordError(error)                    {}
func (ownSpan) SetStatus(tracing.StatusCode, string) {}
func (ownSpan) End()                                 {}

// loggingClient is a client of the program's that wraps another.
type loggingClient struct{ client.MCPClient }

func (l loggingClient) CallTool(ctx context.Context, req mcp.CallToolRequest) (*mcp.CallToolResult, error) {
	log.Printf("calling %s", req.Params.Name)
	return l.MCPClient.CallTool(ctx, req)
}

func call(ctx context.Context, selfTraced bool) error {
	var opts []client.ClientOption
	if selfTraced {
		opts = append(opts, client.WithTracer(ownTracer{}))
	}
	c := client.NewClient(transport.NewStdio(os.Args[0], nil, "server"), opts...)
	if err := c.Start(ctx); err != nil {
		return err
	}
	defer c.Close()
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "app", Version: "1.0.0"}
	initialized, err := c.Initialize(ctx, init)
	if err != nil {
		return err
	}
	fmt.Println("protocol:", initialized.ProtocolVersion)
	// Through the SDK's interface, and through a wrapper of the program's
	// that implements it by calling the client it wraps.
	var mc client.MCPClient = c
	tools, err := mc.ListTools(ctx, mcp.ListToolsRequest{})
	if err != nil {
		return err
	}
	fmt.Println("tools:", len(tools.Tools))
	req := mcp.CallToolRequest{}
	req.Params.Name = "add"
	req.Params.Arguments = map[string]any{"a": 2, "b": 3}
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return err
	}
	fmt.Println("add:", res.Content[0].(mcp.TextContent).Text)
	fmt.Println("request untouched:", req.Params.Meta == nil)
	mc = loggingClient{c}
	if res, err = mc.CallTool(ctx, req); err != nil {
		return err
	}
	fmt.Println("wrapped add:", res.Content[0].(mcp.TextContent).Text)
	req = mcp.CallToolRequest{}
	req.Params.Name = "fail"
	if res, err = c.CallTool(ctx, req); err != nil {
		return err
	}
	fmt.Println("fail: isError", res.IsError)
	req.Params.Name = "missing"
	_, err = c.CallTool(ctx, req)
	fmt.Println("missing:", err != nil)
	if selfTraced {
		fmt.Println("own spans:", ownSpans.Load() > 0)
	}
	return nil
}

func main() {
	var err error
	switch os.Args[1] {
	case "server":
		err = serve()
	case "client":
		err = call(context.Background(), false)
	case "selftraced":
		err = call(context.Background(), true)
	default:
		err = fmt.Errorf("unknown mode %q", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}
