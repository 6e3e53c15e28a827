// Command app runs a charm.land/fantasy agent with two tools (one made
// with fantasy.NewAgentTool, one an AgentTool of its own) through fantasy's
// OpenAI provider against the server at FANTASYAPP_BASE_URL. The fantasy
// integration's test builds it with -toolexec=llminstr.
//
//	app generate   Agent.Generate
//	app stream     Agent.Stream
//	app toolerror  Agent.Generate, with a tool whose response is an error
//	app toolfail   Agent.Generate, with a tool that returns an error (which
//	               ends fantasy's run)
//	app mcp        Agent.Generate, with two more tools that MCP servers run:
//	               add (this program as "app mcpserver", over stdio) and
//	               multiply ("app mcphttpserver", over streamable HTTP)
//	app cancel     Agent.Generate, whose context a tool cancels
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"

	"charm.land/fantasy"
	"charm.land/fantasy/providers/openai"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

type weatherInput struct {
	City string `json:"city" description:"The city"`
}

// cancelRun, in mode cancel, cancels the run's context.
var cancelRun context.CancelFunc = func() {}

func weather(ctx context.Context, in weatherInput, call fantasy.ToolCall) (fantasy.ToolResponse, error) {
	cancelRun()
	switch in.City {
	case "Atlantis":
		return fantasy.NewTextErrorResponse("no weather station in Atlantis"), nil
	case "Nowhere":
		return fantasy.ToolResponse{}, errors.New("no such city")
	}
	return fantasy.NewTextResponse("sunny in " + in.City), nil
}

// clock is an AgentTool of the program's own.
type clock struct{ options fantasy.ProviderOptions }

func (clock) Info() fantasy.ToolInfo {
	return fantasy.ToolInfo{Name: "get_time", Description: "The time", Parameters: map[string]any{}, Required: []string{}}
}

func (clock) Run(ctx context.Context, call fantasy.ToolCall) (fantasy.ToolResponse, error) {
	return fantasy.NewTextResponse("noon"), nil
}

func (c clock) ProviderOptions() fantasy.ProviderOptions      { return c.options }
func (c *clock) SetProviderOptions(o fantasy.ProviderOptions) { c.options = o }

// mcpTool is an MCP server's tool as a fantasy tool, the way agent CLIs
// (crush, mcphost) offer them.
type mcpTool struct {
	session *mcp.ClientSession
	tool    *mcp.Tool
	options fantasy.ProviderOptions
}

func (t *mcpTool) Info() fantasy.ToolInfo {
	return fantasy.ToolInfo{Name: t.tool.Name, Description: t.tool.Description, Parameters: map[string]any{
		"a": map[string]any{"type": "integer"}, "b": map[string]any{"type": "integer"}}, Required: []string{"a", "b"}}
}

func (t *mcpTool) Run(ctx context.Context, call fantasy.ToolCall) (fantasy.ToolResponse, error) {
	var args map[string]any
	if err := json.Unmarshal([]byte(call.Input), &args); err != nil {
		return fantasy.NewTextErrorResponse(err.Error()), nil
	}
	res, err := t.session.CallTool(ctx, &mcp.CallToolParams{Name: t.tool.Name, Arguments: args})
	if err != nil {
		return fantasy.ToolResponse{}, err
	}
	out, _ := json.Marshal(res.StructuredContent)
	return fantasy.NewTextResponse(string(out)), nil
}

func (t *mcpTool) ProviderOptions() fantasy.ProviderOptions     { return t.options }
func (t *mcpTool) SetProviderOptions(o fantasy.ProviderOptions) { t.options = o }

type addInput struct {
	A int `json:"a"`
	B int `json:"b"`
}

type addOutput struct {
	Sum int `json:"sum"`
}

// serveMCP is the stdio MCP server: one tool, add.
func serveMCP(ctx context.Context) error {
	server := mcp.NewServer(&mcp.Implementation{Name: "calc", Version: "v1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "add", Description: "Adds two numbers"},
		func(ctx context.Context, req *mcp.CallToolRequest, in addInput) (*mcp.CallToolResult, addOutput, error) {
			return nil, addOutput{Sum: in.A + in.B}, nil
		})
	return server.Run(ctx, &mcp.StdioTransport{})
}

// serveMCPHTTP is the streamable HTTP MCP server, on loopback: one tool,
// multiply. It prints its URL and serves until its standard input closes.
func serveMCPHTTP() error {
	server := mcp.NewServer(&mcp.Implementation{Name: "calc-http", Version: "v1.0.0"}, nil)
	mcp.AddTool(server, &mcp.Tool{Name: "multiply", Description: "Multiplies two numbers"},
		func(ctx context.Context, req *mcp.CallToolRequest, in addInput) (*mcp.CallToolResult, addOutput, error) {
			return nil, addOutput{Sum: in.A * in.B}, nil
		})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
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

// mcpTools connects to both MCP servers and returns their tools.
func mcpTools(ctx context.Context) ([]fantasy.AgentTool, func(), error) {
	stdio, closeStdio, err := mcpSessionTools(ctx, &mcp.CommandTransport{Command: exec.Command(os.Args[0], "mcpserver")})
	if err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(os.Args[0], "mcphttpserver")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	url, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		return nil, nil, err
	}
	remote, closeRemote, err := mcpSessionTools(ctx, &mcp.StreamableClientTransport{Endpoint: strings.TrimSpace(url)})
	if err != nil {
		return nil, nil, err
	}
	return append(stdio, remote...), func() { closeStdio(); closeRemote(); stdin.Close(); cmd.Wait() }, nil
}

// mcpSessionTools connects to an MCP server and returns its tools.
func mcpSessionTools(ctx context.Context, transport mcp.Transport) ([]fantasy.AgentTool, func(), error) {
	client := mcp.NewClient(&mcp.Implementation{Name: "app", Version: "v1.0.0"}, nil)
	session, err := client.Connect(ctx, transport, nil)
	if err != nil {
		return nil, nil, err
	}
	list, err := session.ListTools(ctx, nil)
	if err != nil {
		session.Close()
		return nil, nil, err
	}
	var tools []fantasy.AgentTool
	for _, t := range list.Tools {
		tools = append(tools, &mcpTool{session: session, tool: t})
	}
	return tools, func() { session.Close() }, nil
}

func main() {
	mode := "generate"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	ctx := context.Background()
	switch mode {
	case "mcpserver", "mcphttpserver":
		serve := func() error { return serveMCP(ctx) }
		if mode == "mcphttpserver" {
			serve = serveMCPHTTP
		}
		if err := serve(); err != nil {
			log.Fatal(err)
		}
		return
	}
	provider, err := openai.New(openai.WithBaseURL(os.Getenv("FANTASYAPP_BASE_URL")), openai.WithAPIKey("sk-test"))
	if err != nil {
		log.Fatal(err)
	}
	model, err := provider.LanguageModel(ctx, "gpt-4o-mini")
	if err != nil {
		log.Fatal(err)
	}
	tools := []fantasy.AgentTool{fantasy.NewAgentTool("get_weather", "The weather of a city", weather), &clock{}}
	if mode == "mcp" {
		remote, closeSession, err := mcpTools(ctx)
		if err != nil {
			log.Fatal(err)
		}
		defer closeSession()
		tools = append(tools, remote...)
	}
	agent := fantasy.NewAgent(model, fantasy.WithSystemPrompt("You are terse."), fantasy.WithTools(tools...))
	prompt := "What is the weather in Paris, and the time?"
	switch mode {
	case "toolerror":
		prompt = "What is the weather in Atlantis, and the time?"
	case "toolfail":
		prompt = "What is the weather in Nowhere, and the time?"
	}
	var res *fantasy.AgentResult
	switch mode {
	case "generate", "toolerror", "toolfail", "mcp":
		res, err = agent.Generate(ctx, fantasy.AgentCall{Prompt: prompt})
	case "cancel":
		// The weather tool cancels the run: the next model request fails.
		runCtx, cancel := context.WithCancel(ctx)
		cancelRun = cancel
		_, err = agent.Generate(runCtx, fantasy.AgentCall{Prompt: prompt})
		fmt.Println("run:", err)
		return
	case "stream":
		chunks := 0
		res, err = agent.Stream(ctx, fantasy.AgentStreamCall{Prompt: prompt, OnTextDelta: func(id, text string) error {
			chunks++
			return nil
		}})
		fmt.Println("text deltas:", chunks > 0)
	default:
		log.Fatalf("unknown mode %q", mode)
	}
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("steps:", len(res.Steps))
	fmt.Println("answer:", res.Response.Content.Text())
	fmt.Println("usage:", res.TotalUsage.InputTokens, res.TotalUsage.OutputTokens)
}
