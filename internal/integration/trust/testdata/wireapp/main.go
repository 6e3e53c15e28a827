// Command wireapp calls LLM APIs without any SDK llminstr has rules for:
// with plain net/http, through its own client types and transports, and
// calls an SDK through an interface of its own, which the call-site
// rewrite cannot see. Every request is traced at the wire.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

// chatPath is where an OpenAI-compatible server answers chats.
const chatPath = "/chat/completions"

func main() {
	base := strings.TrimSuffix(os.Getenv("WIREAPP_BASE_URL"), "/")
	mode := "chat"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	var err error
	switch mode {
	case "chat":
		err = chat(http.DefaultClient, base, false, false)
	case "stream":
		err = chat(http.DefaultClient, base, true, false)
	case "pipe":
		// A client of its own transport, and a body that cannot be read
		// twice (no GetBody): it is observed as it is sent.
		err = chat(&http.Client{Transport: &http.Transport{}}, base, false, true)
	case "embeddings":
		err = post(http.DefaultClient, base+"/embeddings", map[string]any{
			"model": "text-embedding-3-small", "input": "hello", "dimensions": 8,
		}, false)
	case "anthropic":
		err = post(http.DefaultClient, strings.TrimSuffix(os.Getenv("WIREAPP_ANTHROPIC_URL"), "/")+"/v1/messages", map[string]any{
			"model": "claude-haiku-4-5", "max_tokens": 100, "stream": true,
			"system":   "Answer briefly.",
			"messages": []map[string]any{{"role": "user", "content": "Is this a test?"}},
		}, false)
	case "interface":
		err = throughInterface(base)
	case "generic":
		client := newClient(base)
		err = throughTypeParameter(context.Background(), &client.Chat.Completions)
	case "multivalue":
		client := newClient(base)
		var resp *openai.ChatCompletion
		if resp, err = client.Chat.Completions.New(chatArgs()); err == nil {
			fmt.Println("answer:", resp.Choices[0].Message.Content)
		}
	case "notllm":
		// Requests of other shapes: a GET of the same path, a POST elsewhere,
		// a POST to a common suffix whose body is not an LLM request.
		if _, err = http.Get(base + chatPath); err == nil {
			if err = post(http.DefaultClient, base+"/other", map[string]any{"model": "x"}, false); err == nil {
				err = post(http.DefaultClient, base+"/responses", map[string]any{"survey": 3}, false)
			}
		}
	case "error":
		err = post(http.DefaultClient, base+chatPath, map[string]any{
			"model": "no-such-model", "messages": []map[string]any{{"role": "user", "content": "hi"}},
		}, false)
	default:
		err = fmt.Errorf("unknown mode %q", mode)
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

func chat(client *http.Client, base string, stream, pipe bool) error {
	body := map[string]any{
		"model": "gpt-4o-mini", "temperature": 0.5, "max_tokens": 64, "seed": 42,
		"stop":     []string{"END"},
		"messages": []map[string]any{{"role": "user", "content": "Is this a test?"}},
	}
	if stream {
		body["stream"] = true
		body["stream_options"] = map[string]any{"include_usage": true}
	}
	return post(client, base+chatPath, body, pipe)
}

// post sends body as JSON and reads the answer as a client would: event by
// event, or with a JSON decoder. With pipe, the body can be read only once.
func post(client *http.Client, url string, body map[string]any, pipe bool) error {
	data, _ := json.Marshal(body)
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(data))
	if err != nil {
		return err
	}
	if pipe {
		req.Body, req.GetBody = io.NopCloser(bytes.NewReader(data)), nil
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer sk-test-secret")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 400 {
		io.Copy(io.Discard, resp.Body)
		fmt.Println("status:", resp.StatusCode)
		return nil
	}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		events := 0
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if strings.HasPrefix(sc.Text(), "data:") {
				events++
			}
		}
		fmt.Println("events:", events)
		return sc.Err()
	}
	// A decoder stops at the end of the value, before the body's EOF.
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return err
	}
	fmt.Println("keys:", len(out))
	return nil
}

// chatter is the program's own view of a chat service: the SDK's service
// satisfies it, and calls through it are not seen by the call-site rewrite.
type chatter interface {
	New(ctx context.Context, body openai.ChatCompletionNewParams, opts ...option.RequestOption) (*openai.ChatCompletion, error)
}

func newClient(base string) openai.Client {
	return openai.NewClient(option.WithBaseURL(base+"/"), option.WithAPIKey("sk-test-secret"), option.WithMaxRetries(0))
}

// chatArgs returns all the arguments of a call at once.
func chatArgs() (context.Context, openai.ChatCompletionNewParams) {
	return context.Background(), openai.ChatCompletionNewParams{
		Model:    "gpt-4o-mini",
		Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Is this a test?")},
	}
}

func throughInterface(base string) error {
	client := newClient(base)
	var c chatter = &client.Chat.Completions
	resp, err := c.New(chatArgs())
	if err != nil {
		return err
	}
	fmt.Println("answer:", resp.Choices[0].Message.Content)
	return nil
}

// throughTypeParameter calls the service as a value of a type parameter.
func throughTypeParameter[C chatter](ctx context.Context, c C) error {
	_, params := chatArgs()
	resp, err := c.New(ctx, params)
	if err != nil {
		return err
	}
	fmt.Println("answer:", resp.Choices[0].Message.Content)
	return nil
}
