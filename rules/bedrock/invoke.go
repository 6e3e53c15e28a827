package bedrock

// InvokeModel and InvokeModelWithResponseStream carry each model family's
// own JSON body. The bodies are read by field rather than by family: the
// families name their fields differently (Anthropic max_tokens, Titan
// textGenerationConfig.maxTokenCount, Nova inferenceConfig.max_new_tokens,
// Llama max_gen_len, Cohere p and k, ...), so one union of the fields reads
// all of them, and a body of an unknown family still gives what it shares.
// Token counts come from the response's headers, or a stream's last chunk,
// when the body has none.

import (
	llminstrContext "context"
	llminstrHTTP "net/http"

	llminstrBedrock "github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	llminstrRT "github.com/llminstr/llminstr/runtime/injected"
)

// llminstrBedrockInvokeModel wraps (*Client).InvokeModel.
func llminstrBedrockInvokeModel(
	call func(llminstrContext.Context, *llminstrBedrock.InvokeModelInput, ...func(*llminstrBedrock.Options)) (*llminstrBedrock.InvokeModelOutput, error),
	ctx llminstrContext.Context, in *llminstrBedrock.InvokeModelInput, optFns ...func(*llminstrBedrock.Options),
) (*llminstrBedrock.InvokeModelOutput, error) {
	if in == nil {
		return call(ctx, in, optFns...)
	}
	model := llminstrBedrockString(in.ModelId)
	op := llminstrRT.BedrockInvokeOperation(model)
	ctx, c := llminstrRT.StartInference(ctx, op, "aws.bedrock", model)
	if c == nil {
		return call(ctx, in, optFns...)
	}
	llminstrRT.Safe(func() { llminstrRT.BedrockInvokeRequest(c, op, model, in.Body) })
	var header llminstrHTTP.Header
	out, err := call(ctx, in, llminstrBedrockOptions(c, nil, nil, &header, optFns)...)
	if err == nil && out != nil {
		llminstrRT.BedrockInvokeResponse(c, model, header, out.Body)
	}
	c.EndWithErrorType(err, llminstrBedrockErrorType(err))
	return out, err
}

// llminstrBedrockInvokeModelWithResponseStream wraps
// (*Client).InvokeModelWithResponseStream.
func llminstrBedrockInvokeModelWithResponseStream(
	call func(llminstrContext.Context, *llminstrBedrock.InvokeModelWithResponseStreamInput, ...func(*llminstrBedrock.Options)) (*llminstrBedrock.InvokeModelWithResponseStreamOutput, error),
	ctx llminstrContext.Context, in *llminstrBedrock.InvokeModelWithResponseStreamInput, optFns ...func(*llminstrBedrock.Options),
) (*llminstrBedrock.InvokeModelWithResponseStreamOutput, error) {
	if in == nil {
		return call(ctx, in, optFns...)
	}
	model := llminstrBedrockString(in.ModelId)
	ctx, c := llminstrRT.StartInference(ctx, llminstrRT.OperationChat, "aws.bedrock", model)
	if c == nil {
		return call(ctx, in, optFns...)
	}
	c.SetStreaming()
	llminstrRT.Safe(func() { llminstrRT.BedrockInvokeRequest(c, llminstrRT.OperationChat, model, in.Body) })
	s := llminstrRT.NewStream(ctx, c, llminstrBedrockErrorType)
	out, err := call(ctx, in, llminstrBedrockOptions(c, s, llminstrRT.BedrockInvokeStream(model), nil, optFns)...)
	if err != nil {
		s.End(err)
	}
	return out, err
}
