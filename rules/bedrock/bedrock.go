// Package bedrock holds the adapters for
// github.com/aws/aws-sdk-go-v2/service/bedrockruntime.
//
// Each call gets a per-call middleware: it records the endpoint's host and
// port and, for a stream, reads along the AWS event stream frames of the
// response body as the SDK reads them (no second decoding of the SDK's
// events, no goroutine): the span ends when the body ends or is closed,
// when the call's context ends, or when the body is collected.
//
// The file is injected into every package that calls the SDK, with its
// package clause changed. So every top-level name starts with "llminstr" and
// every import is named, to stay clear of the host package's own names.
package bedrock

import (
	llminstrContext "context"
	llminstrErrors "errors"
	llminstrHTTP "net/http"

	llminstrBedrock "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	llminstrTypes "github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
	llminstrSmithy "github.com/aws/smithy-go"
	llminstrMiddleware "github.com/aws/smithy-go/middleware"
	llminstrSmithyHTTP "github.com/aws/smithy-go/transport/http"
	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
)

// llminstrBedrockConverse wraps (*Client).Converse.
func llminstrBedrockConverse(
	call func(llminstrContext.Context, *llminstrBedrock.ConverseInput, ...func(*llminstrBedrock.Options)) (*llminstrBedrock.ConverseOutput, error),
	ctx llminstrContext.Context, in *llminstrBedrock.ConverseInput, optFns ...func(*llminstrBedrock.Options),
) (*llminstrBedrock.ConverseOutput, error) {
	if in == nil {
		return call(ctx, in, optFns...)
	}
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "aws.bedrock", llminstrBedrockString(in.ModelId))
	if c == nil {
		return call(ctx, in, optFns...)
	}
	llminstrRT.Safe(func() { llminstrBedrockRequest(c, in.InferenceConfig, in.System, in.Messages) })
	out, err := call(ctx, in, llminstrBedrockOptions(c, nil, nil, nil, optFns)...)
	llminstrRT.Safe(func() {
		if err != nil || out == nil {
			return
		}
		s := llminstrRT.NewStream(nil, c, nil)
		s.Finish(0, string(out.StopReason))
		if out.Usage != nil {
			s.SetUsage(llminstrBedrockUsage(out.Usage.InputTokens, out.Usage.OutputTokens, out.Usage.CacheReadInputTokens, out.Usage.CacheWriteInputTokens))
		}
		if msg, ok := out.Output.(*llminstrTypes.ConverseOutputMemberMessage); ok && s.CaptureContent() {
			for _, block := range msg.Value.Content {
				switch b := block.(type) {
				case *llminstrTypes.ContentBlockMemberText:
					s.AppendText(0, b.Value)
				case *llminstrTypes.ContentBlockMemberToolUse:
					s.AddToolCall(0, llminstrBedrockString(b.Value.ToolUseId), llminstrBedrockString(b.Value.Name), llminstrBedrockDocument(b.Value.Input))
				}
			}
		}
		// A response is a stream of one chunk; ending it ends the call.
		s.End(nil)
	})
	c.EndWithErrorType(err, llminstrBedrockErrorType(err))
	return out, err
}

// llminstrBedrockConverseStream wraps (*Client).ConverseStream.
func llminstrBedrockConverseStream(
	call func(llminstrContext.Context, *llminstrBedrock.ConverseStreamInput, ...func(*llminstrBedrock.Options)) (*llminstrBedrock.ConverseStreamOutput, error),
	ctx llminstrContext.Context, in *llminstrBedrock.ConverseStreamInput, optFns ...func(*llminstrBedrock.Options),
) (*llminstrBedrock.ConverseStreamOutput, error) {
	if in == nil {
		return call(ctx, in, optFns...)
	}
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "aws.bedrock", llminstrBedrockString(in.ModelId))
	if c == nil {
		return call(ctx, in, optFns...)
	}
	c.SetStreaming()
	llminstrRT.Safe(func() { llminstrBedrockRequest(c, in.InferenceConfig, in.System, in.Messages) })
	s := llminstrRT.NewStream(ctx, c, llminstrBedrockErrorType)
	out, err := call(ctx, in, llminstrBedrockOptions(c, s, llminstrRT.BedrockConverseEvent, nil, optFns)...)
	if err != nil {
		s.End(err)
	}
	return out, err
}

// llminstrBedrockOptions returns optFns plus one that adds llminstr's
// middleware to this call: the endpoint's address; for a stream (s not
// nil) the reader of the response's event stream, which hands each event to
// onEvent; and when header is not nil, the response's headers.
func llminstrBedrockOptions(c *llminstrRT.Call, s *llminstrRT.Stream, onEvent llminstrRT.EventStreamFunc, header *llminstrHTTP.Header, optFns []func(*llminstrBedrock.Options)) []func(*llminstrBedrock.Options) {
	add := func(o *llminstrBedrock.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *llminstrMiddleware.Stack) error {
			err := stack.Finalize.Add(llminstrMiddleware.FinalizeMiddlewareFunc("llminstrServer",
				func(ctx llminstrContext.Context, in llminstrMiddleware.FinalizeInput, next llminstrMiddleware.FinalizeHandler) (llminstrMiddleware.FinalizeOutput, llminstrMiddleware.Metadata, error) {
					if req, ok := in.Request.(*llminstrSmithyHTTP.Request); ok {
						llminstrRT.Safe(func() { c.SetServerURL(req.URL) })
					}
					return next.HandleFinalize(ctx, in)
				}), llminstrMiddleware.After)
			if err != nil || (s == nil && header == nil) {
				return err
			}
			return stack.Deserialize.Add(llminstrMiddleware.DeserializeMiddlewareFunc("llminstrResponse",
				func(ctx llminstrContext.Context, in llminstrMiddleware.DeserializeInput, next llminstrMiddleware.DeserializeHandler) (llminstrMiddleware.DeserializeOutput, llminstrMiddleware.Metadata, error) {
					out, md, err := next.HandleDeserialize(ctx, in)
					resp, ok := out.RawResponse.(*llminstrSmithyHTTP.Response)
					if ok && header != nil && err == nil {
						*header = resp.Header
					}
					if ok && s != nil && err == nil && resp.StatusCode < 300 && resp.Body != nil {
						resp.Body = llminstrRT.ObserveEventStream(resp.Body, s, onEvent)
					}
					return out, md, err
				}), llminstrMiddleware.After)
		})
	}
	out := make([]func(*llminstrBedrock.Options), 0, len(optFns)+1)
	out = append(out, optFns...)
	return append(out, add)
}

// llminstrBedrockUsage is the usage of a call; Bedrock's inputTokens
// excludes the prompt cache's reads and writes.
func llminstrBedrockUsage(input, output, cacheRead, cacheWrite *int32) llminstrRT.Usage {
	v := func(p *int32) int64 {
		if p == nil {
			return 0
		}
		return int64(*p)
	}
	return llminstrRT.UsageWithCache(v(input), v(output), v(cacheRead), v(cacheWrite))
}

// llminstrBedrockRequest records the inference configuration, and the
// system prompt and messages when the call captures content.
func llminstrBedrockRequest(c *llminstrRT.Call, cfg *llminstrTypes.InferenceConfiguration, system []llminstrTypes.SystemContentBlock, messages []llminstrTypes.Message) {
	if cfg != nil {
		if cfg.MaxTokens != nil {
			c.SetMaxTokens(int64(*cfg.MaxTokens))
		}
		if cfg.Temperature != nil {
			c.SetTemperature(llminstrRT.Float32(*cfg.Temperature))
		}
		if cfg.TopP != nil {
			c.SetTopP(llminstrRT.Float32(*cfg.TopP))
		}
		if len(cfg.StopSequences) > 0 {
			c.SetStopSequences(cfg.StopSequences)
		}
	}
	if !c.CaptureContent() {
		return
	}
	var parts []llminstrRT.Part
	for _, block := range system {
		if t, ok := block.(*llminstrTypes.SystemContentBlockMemberText); ok {
			parts = append(parts, llminstrRT.TextPart(t.Value))
		}
	}
	c.SetSystemInstructions(parts)
	var msgs []llminstrRT.Message
	for _, m := range messages {
		msg := llminstrRT.Message{Role: string(m.Role), Parts: []llminstrRT.Part{}}
		for _, block := range m.Content {
			switch b := block.(type) {
			case *llminstrTypes.ContentBlockMemberText:
				msg.Parts = append(msg.Parts, llminstrRT.TextPart(b.Value))
			case *llminstrTypes.ContentBlockMemberToolUse:
				msg.Parts = append(msg.Parts, llminstrRT.ToolCallPart(llminstrBedrockString(b.Value.ToolUseId), llminstrBedrockString(b.Value.Name), llminstrBedrockDocument(b.Value.Input)))
			case *llminstrTypes.ContentBlockMemberToolResult:
				var text string
				for _, rc := range b.Value.Content {
					switch r := rc.(type) {
					case *llminstrTypes.ToolResultContentBlockMemberText:
						text += r.Value
					case *llminstrTypes.ToolResultContentBlockMemberJson:
						text += llminstrBedrockDocument(r.Value)
					}
				}
				msg.Parts = append(msg.Parts, llminstrRT.ToolCallResponsePart(llminstrBedrockString(b.Value.ToolUseId), text))
			default:
				msg.Parts = append(msg.Parts, llminstrRT.Part{Type: "blob"})
			}
		}
		msgs = append(msgs, msg)
	}
	c.SetInputMessages(msgs)
}

// llminstrBedrockDocument encodes a document (tool input) as JSON text.
func llminstrBedrockDocument(d interface{ MarshalSmithyDocument() ([]byte, error) }) string {
	if d == nil {
		return ""
	}
	b, err := d.MarshalSmithyDocument()
	if err != nil {
		return ""
	}
	return string(b)
}

func llminstrBedrockString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// llminstrBedrockErrorType is the AWS error code (ValidationException,
// ThrottlingException, ...).
func llminstrBedrockErrorType(err error) string {
	var apiErr llminstrSmithy.APIError
	if llminstrErrors.As(err, &apiErr) && apiErr.ErrorCode() != "" {
		return apiErr.ErrorCode()
	}
	return ""
}
