package runtime

import "go.opentelemetry.io/otel/attribute"

// Attribute keys of the OpenTelemetry GenAI semantic conventions (v1.41),
// defined in one place: the Go semconv package no longer carries them.
const (
	keyOperationName        = attribute.Key("gen_ai.operation.name")
	keyProviderName         = attribute.Key("gen_ai.provider.name")
	keyRequestModel         = attribute.Key("gen_ai.request.model")
	keyRequestTemperature   = attribute.Key("gen_ai.request.temperature")
	keyRequestTopP          = attribute.Key("gen_ai.request.top_p")
	keyRequestMaxTokens     = attribute.Key("gen_ai.request.max_tokens")
	keyRequestStopSequences = attribute.Key("gen_ai.request.stop_sequences")
	keyRequestSeed          = attribute.Key("gen_ai.request.seed")
	keyRequestChoiceCount   = attribute.Key("gen_ai.request.choice.count")
	keyRequestFreqPenalty   = attribute.Key("gen_ai.request.frequency_penalty")
	keyRequestPresPenalty   = attribute.Key("gen_ai.request.presence_penalty")
	keyRequestStream        = attribute.Key("gen_ai.request.stream")
	keyResponseID           = attribute.Key("gen_ai.response.id")
	keyResponseModel        = attribute.Key("gen_ai.response.model")
	keyResponseFinish       = attribute.Key("gen_ai.response.finish_reasons")
	keyResponseTTFC         = attribute.Key("gen_ai.response.time_to_first_chunk")
	keyUsageInputTokens     = attribute.Key("gen_ai.usage.input_tokens")
	keyUsageOutputTokens    = attribute.Key("gen_ai.usage.output_tokens")
	keyUsageCacheRead       = attribute.Key("gen_ai.usage.cache_read.input_tokens")
	keyUsageReasoning       = attribute.Key("gen_ai.usage.reasoning.output_tokens")
	keyServerAddress        = attribute.Key("server.address")
	keyServerPort           = attribute.Key("server.port")
	keyErrorType            = attribute.Key("error.type")
	keyEmbeddingsDimensions = attribute.Key("gen_ai.embeddings.dimension.count")
	keyRequestEncodings     = attribute.Key("gen_ai.request.encoding_formats")
	keyOutputType           = attribute.Key("gen_ai.output.type")
)

// Operation names (gen_ai.operation.name).
const (
	OperationChat           = "chat"
	OperationTextCompletion = "text_completion"
	OperationEmbeddings     = "embeddings"
)

// errorTypeOther is the semconv fallback for errors without a known type.
const errorTypeOther = "_OTHER"
