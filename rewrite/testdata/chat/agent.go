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
