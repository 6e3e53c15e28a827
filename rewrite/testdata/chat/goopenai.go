package main

import (
	"context"
	"fmt"

	goopenai "github.com/sashabaranov/go-openai"
)

func mustStream(s *goopenai.ChatCompletionStream, err error) *goopenai.ChatCompletionStream {
	if err != nil {
		panic(err)
	}
	return s
}

// goOpenAI holds the shapes of receiver calls: the stream itself is passed.
func goOpenAI(ctx context.Context, client *goopenai.Client) {
	req := goopenai.ChatCompletionRequest{Model: "gpt-4o-mini"}
	stream, err := client.CreateChatCompletionStream(ctx, req)
	if err != nil {
		return
	}
	defer stream.Close()
	chunk, err := stream.Recv()
	fmt.Println(chunk, err)

	// The receiver and the method name on different lines.
	chunk, err = stream.
		Recv()
	fmt.Println(chunk, err)

	// The receiver is itself a rewritten call.
	chunk, err = mustStream(client.CreateChatCompletionStream(ctx, req)).Recv()
	fmt.Println(chunk, err)
}
