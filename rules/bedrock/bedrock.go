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
	llminstrBinary "encoding/binary"
	llminstrJSON "encoding/json"
	llminstrErrors "errors"

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
	out, err := call(ctx, in, llminstrBedrockOptions(c, s, llminstrBedrockConverseEvent, nil, optFns)...)
	if err != nil {
		s.End(err)
	}
	return out, err
}

// llminstrBedrockEventFunc records what an event of a stream tells, given
// its :event-type header and its payload.
type llminstrBedrockEventFunc func(s *llminstrRT.Stream, kind string, payload []byte)

// llminstrBedrockOptions returns optFns plus one that adds llminstr's
// middleware to this call: the endpoint's address; for a stream (s not
// nil) the reader of the response's event stream, which hands each event to
// onEvent; and when tokens is not nil, the token counts of the response's
// headers.
func llminstrBedrockOptions(c *llminstrRT.Call, s *llminstrRT.Stream, onEvent llminstrBedrockEventFunc, tokens *llminstrBedrockTokens, optFns []func(*llminstrBedrock.Options)) []func(*llminstrBedrock.Options) {
	add := func(o *llminstrBedrock.Options) {
		o.APIOptions = append(o.APIOptions, func(stack *llminstrMiddleware.Stack) error {
			err := stack.Finalize.Add(llminstrMiddleware.FinalizeMiddlewareFunc("llminstrServer",
				func(ctx llminstrContext.Context, in llminstrMiddleware.FinalizeInput, next llminstrMiddleware.FinalizeHandler) (llminstrMiddleware.FinalizeOutput, llminstrMiddleware.Metadata, error) {
					if req, ok := in.Request.(*llminstrSmithyHTTP.Request); ok {
						llminstrRT.Safe(func() { c.SetServerURL(req.URL) })
					}
					return next.HandleFinalize(ctx, in)
				}), llminstrMiddleware.After)
			if err != nil || (s == nil && tokens == nil) {
				return err
			}
			return stack.Deserialize.Add(llminstrMiddleware.DeserializeMiddlewareFunc("llminstrResponse",
				func(ctx llminstrContext.Context, in llminstrMiddleware.DeserializeInput, next llminstrMiddleware.DeserializeHandler) (llminstrMiddleware.DeserializeOutput, llminstrMiddleware.Metadata, error) {
					out, md, err := next.HandleDeserialize(ctx, in)
					resp, ok := out.RawResponse.(*llminstrSmithyHTTP.Response)
					if ok && tokens != nil && err == nil {
						llminstrRT.Safe(func() { tokens.read(resp.Header) })
					}
					if ok && s != nil && err == nil && resp.StatusCode < 300 && resp.Body != nil {
						resp.Body = llminstrRT.ObserveBody(resp.Body, s, &llminstrBedrockFrames{onEvent: onEvent})
					}
					return out, md, err
				}), llminstrMiddleware.After)
		})
	}
	out := make([]func(*llminstrBedrock.Options), 0, len(optFns)+1)
	out = append(out, optFns...)
	return append(out, add)
}

// llminstrBedrockFrames reads along the AWS event stream frames of a
// response body as the SDK reads them (see llminstrRT.ObserveBody): 4 bytes
// total length, 4 bytes headers length, 4 bytes prelude CRC, headers,
// payload, 4 bytes CRC. The SDK checks the CRCs.
type llminstrBedrockFrames struct {
	onEvent llminstrBedrockEventFunc
	buf     []byte
}

// llminstrBedrockMaxFrame bounds a frame, as the SDK does (16 MiB).
const llminstrBedrockMaxFrame = 16 << 20

// Feed buffers data until it holds whole frames and hands each on; a frame
// the SDK could not read either stops the reading along.
func (b *llminstrBedrockFrames) Feed(s *llminstrRT.Stream, data []byte) bool {
	b.buf = append(b.buf, data...)
	for len(b.buf) >= 12 {
		total := int(llminstrBinary.BigEndian.Uint32(b.buf[0:4]))
		headersLen := int(llminstrBinary.BigEndian.Uint32(b.buf[4:8]))
		if total < 16 || total > llminstrBedrockMaxFrame || headersLen > total-16 {
			b.buf = nil
			return false
		}
		if len(b.buf) < total {
			return true
		}
		headers := llminstrBedrockHeaders(b.buf[12 : 12+headersLen])
		payload := b.buf[12+headersLen : total-4]
		b.event(s, headers, payload)
		b.buf = b.buf[total:]
	}
	return true
}

// Flush has nothing to do: a frame is whole or the SDK fails on it.
func (b *llminstrBedrockFrames) Flush(*llminstrRT.Stream) {}

// llminstrBedrockHeaders decodes the string headers of a frame.
func llminstrBedrockHeaders(h []byte) map[string]string {
	out := map[string]string{}
	for len(h) > 0 {
		nameLen := int(h[0])
		if len(h) < 1+nameLen+1 {
			return out
		}
		name := string(h[1 : 1+nameLen])
		kind := h[1+nameLen]
		h = h[2+nameLen:]
		size := 0
		switch kind {
		case 0, 1: // bool
		case 2:
			size = 1
		case 3:
			size = 2
		case 4:
			size = 4
		case 5, 8:
			size = 8
		case 9:
			size = 16
		case 6, 7: // bytes, string
			if len(h) < 2 {
				return out
			}
			n := int(llminstrBinary.BigEndian.Uint16(h))
			if len(h) < 2+n {
				return out
			}
			if kind == 7 {
				out[name] = string(h[2 : 2+n])
			}
			h = h[2+n:]
			continue
		default:
			return out
		}
		if len(h) < size {
			return out
		}
		h = h[size:]
	}
	return out
}

// event ends the span on an exception and hands other events on.
func (b *llminstrBedrockFrames) event(s *llminstrRT.Stream, headers map[string]string, payload []byte) {
	if headers[":message-type"] == "exception" || headers[":message-type"] == "error" {
		kind := headers[":exception-type"]
		if kind == "" {
			kind = headers[":error-code"]
		}
		s.End(&llminstrBedrockStreamError{kind: kind, payload: string(payload)})
		return
	}
	b.onEvent(s, headers[":event-type"], payload)
}

// llminstrBedrockConverseEvent records what a ConverseStream event tells.
func llminstrBedrockConverseEvent(s *llminstrRT.Stream, kind string, payload []byte) {
	var ev struct {
		Role              string `json:"role"`
		ContentBlockIndex int    `json:"contentBlockIndex"`
		Start             struct {
			ToolUse struct {
				ToolUseID string `json:"toolUseId"`
				Name      string `json:"name"`
			} `json:"toolUse"`
		} `json:"start"`
		Delta struct {
			Text    *string `json:"text"`
			ToolUse struct {
				Input string `json:"input"`
			} `json:"toolUse"`
			ReasoningContent struct {
				Text string `json:"text"`
			} `json:"reasoningContent"`
		} `json:"delta"`
		StopReason string `json:"stopReason"`
		Usage      *struct {
			InputTokens           *int32 `json:"inputTokens"`
			OutputTokens          *int32 `json:"outputTokens"`
			CacheReadInputTokens  *int32 `json:"cacheReadInputTokens"`
			CacheWriteInputTokens *int32 `json:"cacheWriteInputTokens"`
		} `json:"usage"`
	}
	capture := s.CaptureContent()
	if kind == "contentBlockDelta" && !capture {
		s.Chunk("", "")
		return // nothing to read in it
	}
	if llminstrJSON.Unmarshal(payload, &ev) != nil {
		return
	}
	switch kind {
	case "messageStart":
		s.Chunk("", "")
		s.Finish(0, "")
	case "contentBlockStart":
		if ev.Start.ToolUse.Name != "" {
			s.AppendToolCall(0, ev.ContentBlockIndex, ev.Start.ToolUse.ToolUseID, ev.Start.ToolUse.Name, "")
		}
	case "contentBlockDelta":
		s.Chunk("", "")
		if ev.Delta.Text != nil {
			s.AppendText(0, *ev.Delta.Text)
		}
		if ev.Delta.ToolUse.Input != "" {
			s.AppendToolCall(0, ev.ContentBlockIndex, "", "", ev.Delta.ToolUse.Input)
		}
		s.AppendReasoning(0, ev.Delta.ReasoningContent.Text)
	case "messageStop":
		s.Finish(0, ev.StopReason)
	case "metadata":
		if ev.Usage != nil {
			s.SetUsage(llminstrBedrockUsage(ev.Usage.InputTokens, ev.Usage.OutputTokens, ev.Usage.CacheReadInputTokens, ev.Usage.CacheWriteInputTokens))
		}
	}
}

// llminstrBedrockStreamError is an exception event inside a stream.
type llminstrBedrockStreamError struct{ kind, payload string }

func (e *llminstrBedrockStreamError) Error() string { return e.kind + ": " + e.payload }

func (e *llminstrBedrockStreamError) ErrorType() string { return e.kind }

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
