package injected

import (
	"context"
	"errors"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

func TestOperationSpans(t *testing.T) {
	rec := withAppProvider(t)
	ctx := WithConversationID(context.Background(), "conv-1")

	agentCtx, agent := StartAgentRun(ctx, "planner")
	toolCtx, tool := StartToolCall(agentCtx, "get_weather", "call_1")
	tool.content = &contentConfig{mode: captureOnSpan, maxBytes: 64, patterns: builtinRedactions()}
	tool.SetToolArguments(`{"city":"Paris","to":"someone@example.com"}`)
	tool.SetToolResult(strings.Repeat("sunny ", 40))
	tool.EndWithErrorType(errors.New("no station"), "tool_error")
	tool.End(nil) // ended once
	_, unnamed := StartAgentRun(ctx, "")
	unnamed.SetUsage(3, 4)
	unnamed.End(context.Canceled)
	agent.SetUsage(40, 14)
	agent.End(nil)

	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans ended, want 3", len(spans))
	}
	toolSpan, unnamedSpan, agentSpan := spans[0], spans[1], spans[2]
	if toolSpan.Parent().SpanID() != agentSpan.SpanContext().SpanID() || trace.SpanContextFromContext(toolCtx).SpanID() != toolSpan.SpanContext().SpanID() {
		t.Error("the tool's span is not the agent's child, or not its context's")
	}
	for _, tt := range []struct {
		name string
		got  map[string]string
		want map[string]string
	}{
		{"execute_tool get_weather", emitted(toolSpan.Attributes()), map[string]string{
			"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "get_weather", "gen_ai.tool.type": "function",
			"gen_ai.tool.call.id": "call_1", "gen_ai.agent.name": "planner", "gen_ai.conversation.id": "conv-1",
			"error.type": "tool_error", "gen_ai.tool.call.arguments": `{"city":"Paris","to":"[REDACTED:email]"}`,
			"gen_ai.tool.call.result": strings.Repeat("sunny ", 40)[:64] + truncatedMark,
		}},
		{"invoke_agent", emitted(unnamedSpan.Attributes()), map[string]string{
			"gen_ai.operation.name": "invoke_agent", "error.type": "canceled",
			"gen_ai.usage.input_tokens": "3", "gen_ai.usage.output_tokens": "4", "gen_ai.conversation.id": "conv-1",
		}},
		{"invoke_agent planner", emitted(agentSpan.Attributes()), map[string]string{
			"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "planner",
			"gen_ai.usage.input_tokens": "40", "gen_ai.usage.output_tokens": "14", "gen_ai.conversation.id": "conv-1",
		}},
	} {
		for k, v := range tt.want {
			if tt.got[k] != v {
				t.Errorf("%s: %s = %q, want %q", tt.name, k, tt.got[k], v)
			}
		}
		if len(tt.got) != len(tt.want) {
			t.Errorf("%s: attributes %v, want %v", tt.name, tt.got, tt.want)
		}
	}
	if toolSpan.Name() != "execute_tool get_weather" || unnamedSpan.Name() != "invoke_agent" || agentSpan.Name() != "invoke_agent planner" {
		t.Errorf("names %q, %q, %q", toolSpan.Name(), unnamedSpan.Name(), agentSpan.Name())
	}
	if toolSpan.Status().Code != codes.Error || toolSpan.Status().Description != "no station" || agentSpan.Status().Code == codes.Error {
		t.Errorf("statuses %v, %v", toolSpan.Status(), agentSpan.Status())
	}
	if toolSpan.SpanKind() != trace.SpanKindInternal || agentSpan.SpanKind() != trace.SpanKindInternal {
		t.Error("not INTERNAL spans")
	}

	// Without content capture, nothing of the tool's data is recorded; a
	// nil span (a failed setup) is safe to use.
	_, plain := StartToolCall(ctx, "t", "")
	plain.SetToolArguments("secret")
	plain.End(nil)
	if got := emitted(rec.Ended()[3].Attributes()); got["gen_ai.tool.call.arguments"] != "" || got["gen_ai.tool.call.id"] != "" {
		t.Errorf("recorded %v", got)
	}
	var none *OperationSpan
	none.SetUsage(1, 1)
	none.SetToolResult("x")
	none.End(errors.New("x"))
	if none.CaptureContent() {
		t.Error("a nil span captures content")
	}
}

func emitted(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = emit(kv.Value)
	}
	return m
}
