// Command inhouse asks a question through the in-house client.
package main

import (
	"context"
	"fmt"
	"os"

	"example.com/inhouse/llm"
)

func main() {
	c := &llm.Client{BaseURL: os.Getenv("CHATAPP_BASE_URL"), Key: "sk-test-secret"}
	model := "gpt-4o-mini"
	if len(os.Args) > 1 {
		model = os.Args[1]
	}
	reply, err := c.Complete(context.Background(), &llm.Request{Model: model, Prompt: "Say hello."})
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Printf("answer: %s (%d+%d tokens)\n", reply.Text, reply.Usage.Prompt, reply.Usage.Completion)
}
