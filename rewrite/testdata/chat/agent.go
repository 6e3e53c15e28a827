package main

import (
	"context"
	"fmt"
)

// plan asks the model for a plan, in an invoke_agent span named planner.
//
//llminstr:agent planner
func plan(ctx context.Context, a *app) {
	res, err := a.client.Chat.Completions.New(ctx, params())
	fmt.Println(res, err)
}

// act is an agent named after its method.
//
//llminstr:agent
func (a *app) act(_ int, ctx context.Context) error { return ctx.Err() }

// idle cannot be an agent: it has no context.
//
//llminstr:agent
func idle() {}

// notAgent has a directive that is something else.
//
//llminstr:agents
func notAgent(ctx context.Context) {}

// lookup is a tool: the error it returns ends its span.
//
//llminstr:tool weather
func lookup(ctx context.Context, city string) (string, error) {
	if city == "" {
		return "", fmt.Errorf("no city")
	}
	return "sunny", nil
}

// named keeps its result names.
//
//llminstr:tool
func named(ctx context.Context) (n int, err error) { return 1, ctx.Err() }

// blank names its error result _.
//
//llminstr:tool
func blank(ctx context.Context) (_ int, _ error) { return 0, ctx.Err() }

// single returns an error alone.
//
//llminstr:tool
func single(ctx context.Context) error { return ctx.Err() }

// split has its results on several lines, which stay where they are.
//
//llminstr:tool
func split(ctx context.Context) (
	int,
	error,
) {
	return 0, ctx.Err()
}
