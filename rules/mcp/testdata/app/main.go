// Command app is an MCP client and server of the official Go SDK in one
// binary: "app client" starts "app server" over stdio, lists its tools and
// calls them (one that works, one whose result reports an error, one that
// does not exist). The mcp integration's test builds it with
// -toolexec=llminstr, and both processes export their spans.
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"os/exec"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type addInput struct {
	A int `json:"a"`
	B int `json:"b"`
}

type addOutput struct {
	Sum int `json:"sum"`
}

func add(ctx context.Context, req *mcp.CallToolRequest, in addInput) (*mcp.CallToolResult, addOutput, error) {
	return nil, addOutput{Sum: in.A + in.B}, nil
}

func fail(ctx context.Context, req *mcp.CallToolRequest, in struct{}) (*mcp.CallToolResult, any, error) {
	return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: "the tool broke"}}}, nil, nil
}

func serve(ctx context.Context) error {
	server := mcp.NewServer(&mcp.Implementation{Name: "calc", Version: "v1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "add", Description: "Adds two numbers"}, add)
	mcp.AddTool(server, &mcp.Tool{Name: "fail", Description: "Fails"}, fail)
	return server.Run(ctx, &mcp.StdioTransport{})
}

func call(ctx context.Context) error {
	client := mcp.NewClient(&mcp.Implementation{Name: "app", Version: "v1.0.0"}, nil)
	session, err := client.Connect(ctx, &mcp.CommandTransport{Command: exec.Command(os.Args[0], "server")}, nil)
	if err != nil {
		return err
	}
	defer session.Close()
	tools, err := session.ListTools(ctx, nil)
	if err != nil {
		return err
	}
	fmt.Println("tools:", len(tools.Tools))
	params := &mcp.CallToolParams{Name: "add", Arguments: map[string]any{"a": 2, "b": 3}}
	res, err := session.CallTool(ctx, params)
	if err != nil {
		return err
	}
	fmt.Println("add:", res.StructuredContent)
	// (From v1.6 the SDK itself puts the protocol version in them.)
	_, traced := params.Meta["traceparent"]
	fmt.Println("params untouched:", !traced)
	res, err = session.CallTool(ctx, &mcp.CallToolParams{Name: "fail"})
	if err != nil {
		return err
	}
	fmt.Println("fail: isError", res.IsError)
	_, err = session.CallTool(ctx, &mcp.CallToolParams{Name: "missing"})
	fmt.Println("missing:", err != nil)
	return nil
}

func main() {
	ctx := context.Background()
	var err error
	switch mode := os.Args[1]; mode {
	case "server":
		err = serve(ctx)
	case "client":
		err = call(ctx)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		log.Fatal(err)
	}
}
