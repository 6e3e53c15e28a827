// Package main holds the call shapes the rewriter must handle.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
)

type app struct {
	client openai.Client
}

func (a *app) svc() *openai.ChatCompletionService { return &a.client.Chat.Completions }

func params() openai.ChatCompletionNewParams {
	return openai.ChatCompletionNewParams{Model: "gpt-4o-mini"}
}

func main() {
	ctx := context.Background()
	a := &app{client: openai.NewClient()}

	// A struct field, with a comment inside the call.
	res, err := a.client.Chat.Completions.New(ctx, /* the params */ params())
	fmt.Println(res, err)

	// A function result, nested in another call, with variadic options.
	opts := []option.RequestOption{option.WithMaxRetries(0)}
	fmt.Println(a.svc().New(ctx, params(), opts...))

	// A call split over lines keeps its lines.
	stream := a.client.Chat.Completions.NewStreaming(
		ctx,
		params(),
	)
	for stream.Next() {
	}

	// A method value is not a call: left alone.
	f := a.client.Chat.Completions.New
	_ = f

	// Opted out, on its line and by its function.
	_, _ = a.client.Chat.Completions.New(ctx, params()) //llminstr:ignore
	_, _ = a.client.Chat.Completions.New(ctx, params()) // rewritten: the directive above ends a line of code
	//llminstr:ignore
	_, _ = a.client.Chat.Completions.New(ctx, params())
	quiet(ctx, a)

	if err != nil {
		os.Exit(1)
	}
}

// quiet is left alone.
//
//llminstr:ignore
func quiet(ctx context.Context, a *app) { _, _ = a.client.Chat.Completions.New(ctx, params()) }

// handOut gives the method away as a value, on purpose.
//
//llminstr:ignore
func handOut(a *app) any { return a.client.Chat.Completions.New }
