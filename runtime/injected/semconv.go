package injected

import (
	"os"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/attribute"
)

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
	keyUsageCacheCreation   = attribute.Key("gen_ai.usage.cache_creation.input_tokens")
	keyUsageCacheWrite      = attribute.Key("gen_ai.usage.cache_write.input_tokens") // the latest name of cache_creation
	keyRequestTopK          = attribute.Key("gen_ai.request.top_k")
	keyServerAddress        = attribute.Key("server.address")
	keyNetworkTransport     = attribute.Key("network.transport")
	keyServerPort           = attribute.Key("server.port")
	keyErrorType            = attribute.Key("error.type")
	keyEmbeddingsDimensions = attribute.Key("gen_ai.embeddings.dimension.count")
	keyRequestEncodings     = attribute.Key("gen_ai.request.encoding_formats")
	keyOutputType           = attribute.Key("gen_ai.output.type")
	keyConversationID       = attribute.Key("gen_ai.conversation.id")
	keyAgentName            = attribute.Key("gen_ai.agent.name")
	keyToolName             = attribute.Key("gen_ai.tool.name")
	keyToolType             = attribute.Key("gen_ai.tool.type")
	keyToolCallID           = attribute.Key("gen_ai.tool.call.id")
	keyUserID               = attribute.Key("user.id")

	// Message content, recorded only on opt-in.
	keyInputMessages      = attribute.Key("gen_ai.input.messages")
	keyOutputMessages     = attribute.Key("gen_ai.output.messages")
	keySystemInstructions = attribute.Key("gen_ai.system_instructions")
	keyToolDefinitions    = attribute.Key("gen_ai.tool.definitions")
	keyToolCallArguments  = attribute.Key("gen_ai.tool.call.arguments")
	keyToolCallResult     = attribute.Key("gen_ai.tool.call.result")
	eventOperationDetails = "gen_ai.client.inference.operation.details"

	// keyCost is the estimated price of an inference in US dollars, from
	// the token usage and a price table. The semantic conventions define no
	// cost attribute, so it lives in llminstr's namespace.
	keyCost = attribute.Key("llminstr.cost.usd")
	// keyUnfinished marks a span the runtime ended at the program's exit:
	// its call was in flight, or its stream neither drained nor closed.
	keyUnfinished = attribute.Key("llminstr.unfinished")
)

// Metric names: the v1.41 set, and the latest experimental one
// (OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental).
const (
	metricOperationDuration  = "gen_ai.client.operation.duration"
	metricTokenUsage         = "gen_ai.client.token.usage"
	metricOperationTTFC      = "gen_ai.client.operation.time_to_first_chunk"
	keyTokenType             = attribute.Key("gen_ai.token.type")
	metricInferenceDuration  = "gen_ai.client.inference.duration"
	metricEmbeddingsDuration = "gen_ai.client.embeddings.duration"
	metricInferenceTTFC      = "gen_ai.client.inference.time_to_first_chunk"
	metricInferenceOpInput   = "gen_ai.client.inference.operation.input_tokens"
	metricInferenceOpOutput  = "gen_ai.client.inference.operation.output_tokens"
	metricEmbeddingsOpInput  = "gen_ai.client.embeddings.operation.input_tokens"
	keyTokenModality         = attribute.Key("gen_ai.token.modality")
)

// usageCounterNames are the latest experimental token counters, by the span
// attribute of the same kind of usage.
var usageCounterNames = map[attribute.Key]string{
	keyUsageInputTokens:  "gen_ai.client.inference.usage.input_tokens",
	keyUsageOutputTokens: "gen_ai.client.inference.usage.output_tokens",
	keyUsageCacheRead:    "gen_ai.client.inference.usage.cache_read.input_tokens",
	keyUsageReasoning:    "gen_ai.client.inference.usage.reasoning.output_tokens",
	keyUsageCacheWrite:   "gen_ai.client.inference.usage.cache_write.input_tokens",
}

var semconvOnce struct {
	once   sync.Once
	latest bool
}

// semconvLatest reports whether OTEL_SEMCONV_STABILITY_OPT_IN (a comma
// separated list) holds gen_ai_latest_experimental.
func semconvLatest() bool {
	semconvOnce.once.Do(func() { semconvOnce.latest = optInLatest(os.Getenv("OTEL_SEMCONV_STABILITY_OPT_IN")) })
	return semconvOnce.latest
}

func optInLatest(v string) bool {
	for _, opt := range strings.Split(v, ",") {
		if strings.TrimSpace(opt) == "gen_ai_latest_experimental" {
			return true
		}
	}
	return false
}

// Operation names (gen_ai.operation.name).
const (
	OperationChat           = "chat"
	OperationTextCompletion = "text_completion"
	OperationEmbeddings     = "embeddings"
)

// errorTypeOther is the semconv fallback for errors without a known type.
const errorTypeOther = "_OTHER"
