// Command app is an MCP client and server of the official Go SDK in one
// binary: "app client" starts "app server" over stdio ("app httpclient"
// starts "app httpserver" and talks streamable HTTP to it), lists its
// tools and calls them (one that works, one whose result reports an error, one that
// does not exist). The mcp integration's test builds it with
// -toolexec=llminstr, and both processes export their spans.
package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"

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

func newServer() *mcp.Server {
	server := mcp.NewServer(&mcp.Implementation{Name: "calc", Version: "v1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "add", Description: "Adds two numbers"}, add)
	mcp.AddTool(server, &mcp.Tool{Name: "fail", Description: "Fails"}, fail)
	return server
}

// serveHTTP serves MCP over streamable HTTP on loopback, printing its URL,
// until its standard input closes.
func serveHTTP() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	server := newServer()
	srv := &http.Server{Handler: mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return server }, nil)}
	fmt.Printf("http://%s/mcp\n", ln.Addr())
	go func() {
		io.Copy(io.Discard, os.Stdin)
		srv.Close()
	}()
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		return err
	}
	return nil
}

// httpTransport starts "app httpserver" and returns a transport to it, and
// the function that stops it.
func httpTransport() (mcp.Transport, func(), error) {
	cmd := exec.Command(os.Args[0], "httpserver")
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return nil, nil, err
	}
	stop := func() { stdin.Close(); cmd.Wait() }
	fmt.Println("endpoint:", strings.TrimSpace(url))
	return &mcp.StreamableClientTransport{Endpoint: strings.TrimSpace(url)}, stop, nil
}

func call(ctx context.Context, transport mcp.Transport) error {
	client := mcp.NewClient(&mcp.Implementation{Name: "app", Version: "v1.0.0"}, nil)
	session, err := client.Connect(ctx, transport, nil)
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
		err = newServer().Run(ctx, &mcp.StdioTransport{})
	case "httpserver":
		err = serveHTTP()
	case "client":
		err = call(ctx, &mcp.CommandTransport{Command: exec.Command(os.Args[0], "server")})
	case "httpclient":
		var transport mcp.Transport
		var stop func()
		if transport, stop, err = httpTransport(); err == nil {
			err = call(ctx, transport)
			stop()
		}
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		log.Fatal(err)
	}
}
