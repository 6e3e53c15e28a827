package injected

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/trace"
)

// Call is one LLM operation in flight: the span of an inference or embeddings
// request. Adapters create it with [StartInference], set what they know, and
// end it with [Call.End]. A Call ends exactly once; calls after End are
// ignored. All methods are safe on a nil *Call and from several goroutines.
type Call struct {
	span      trace.Span
	start     time.Time
	operation string
	provider  string
	model     string

	mu            sync.Mutex
	firstChunk    time.Time
	finishReasons []string
	responseModel string
	serverAddress string
	serverPort    int
	usage         *Usage
	ended         atomic.Bool
	chunked       atomic.Bool // a chunk arrived: firstChunk is set

	// content is set when message content is captured; eventAttrs are the
	// content attributes for the operation details event.
	content    *contentConfig
	eventAttrs []attribute.KeyValue

	// stream, when the call streams, ends it at exit (endUnfinished).
	stream *Stream
	// wire is the stream read along the response body of the call's
	// request once that body ended (see backstopStream).
	wire *Stream
}

// wireStream returns the call's completed wire stream, or nil.
func (c *Call) wireStream() *Stream {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wire
}

// StartInference starts the span of an LLM operation and returns the context
// the SDK call must be made with, so that the span is the parent of anything
// the SDK does with it. The span is named "{operation} {model}".
func StartInference(ctx context.Context, operation, provider, model string) (callCtx context.Context, call *Call) {
	return startInference(ctx, operation, provider, model, time.Now())
}

// startInference is StartInference for a call that began at start.
func startInference(ctx context.Context, operation, provider, model string, start time.Time) (callCtx context.Context, call *Call) {
	defer func() {
		// Whatever failed, the SDK call runs as it would uninstrumented.
		if r := recover(); r != nil {
			warnf("internal error (recovered): %v", r)
			callCtx, call = ctx, nil
		}
	}()
	if ctx == nil {
		// The SDK would fail on a nil context; leave that failure to it.
		return ctx, nil
	}
	if inForeignInference(ctx) {
		// A framework that traces its own model calls (Google's ADK) has
		// this request's span already: one span per request.
		return ctx, nil
	}
	name := operation
	if model != "" {
		name += " " + model
	}
	attrs := []attribute.KeyValue{
		keyOperationName.String(operation),
		keyProviderName.String(provider),
	}
	if model != "" {
		attrs = append(attrs, keyRequestModel.String(model))
	}
	attrs = append(attrs, contextAttributes(ctx)...)
	spanCtx, span := tracer().Start(ctx, name, parentOption(ctx),
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attrs...),
		trace.WithTimestamp(start),
	)
	c := &Call{span: span, start: start, operation: operation, provider: provider, model: model}
	if cfg := content(); cfg.mode != 0 && span.IsRecording() {
		c.content = cfg
	}
	track(c)
	return context.WithValue(spanCtx, callKey{}, c), c
}

// inferenceOperations are the gen_ai.operation.name values of a model
// request's span.
var inferenceOperations = map[string]bool{
	OperationChat: true, OperationTextCompletion: true, "generate_content": true, OperationEmbeddings: true,
}

// inForeignInference reports whether the context's span is a recording
// span of a model request that another instrumentation started (its
// gen_ai.operation.name says so): Google's ADK starts "generate_content
// {model}" around the genai call it makes, recorded when the application
// set a global TracerProvider. The call is then left to that span, without
// the runtime's metrics and cost.
func inForeignInference(ctx context.Context) bool {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return false
	}
	ro, ok := span.(sdkSpan)
	if !ok || ro.InstrumentationScope().Name == instrumentationName {
		return false
	}
	for _, kv := range ro.Attributes() {
		if kv.Key == keyOperationName {
			return inferenceOperations[kv.Value.AsString()]
		}
	}
	return false
}

// sdkSpan is what inForeignInference reads of a span of the OpenTelemetry
// SDK's (its ReadOnlySpan), without linking the SDK.
type sdkSpan interface {
	InstrumentationScope() instrumentation.Scope
	Attributes() []attribute.KeyValue
}

// endUnfinished ends, at exit, a call still in flight: through its stream,
// when it streams, so that what the chunks told so far is recorded. A
// stream the program read to its end through an interface of its own,
// never closing it (the wire saw the whole answer, the adapter's stream
// nothing), is not unfinished: it ends as it would have when closed.
func (c *Call) endUnfinished() bool {
	c.mu.Lock()
	s, wire := c.stream, c.wire
	c.mu.Unlock()
	marked := s == nil || wire == nil || !s.unobserved()
	if marked {
		c.set(keyUnfinished.Bool(true))
	}
	if s != nil {
		s.End(nil) // unmarked, it takes the wire's record and its end
	}
	c.End(nil)
	return marked
}

type callKey struct{}

// CallFrom returns the call whose context ctx is, or derives from, or nil.
// An adapter that sees the SDK's HTTP requests uses it to find the call a
// request belongs to.
func CallFrom(ctx context.Context) *Call {
	if ctx == nil {
		return nil
	}
	c, _ := ctx.Value(callKey{}).(*Call)
	return c
}

func (c *Call) set(kv ...attribute.KeyValue) {
	if c == nil || c.ended.Load() {
		return
	}
	c.span.SetAttributes(kv...)
}

// SetTemperature records gen_ai.request.temperature.
func (c *Call) SetTemperature(v float64) { c.set(keyRequestTemperature.Float64(v)) }

// SetTopP records gen_ai.request.top_p.
func (c *Call) SetTopP(v float64) { c.set(keyRequestTopP.Float64(v)) }

// SetTopK records gen_ai.request.top_k.
func (c *Call) SetTopK(v float64) { c.set(keyRequestTopK.Float64(v)) }

// SetMaxTokens records gen_ai.request.max_tokens.
func (c *Call) SetMaxTokens(v int64) { c.set(keyRequestMaxTokens.Int64(v)) }

// SetStopSequences records gen_ai.request.stop_sequences.
func (c *Call) SetStopSequences(v []string) {
	if len(v) > 0 {
		c.set(keyRequestStopSequences.StringSlice(v))
	}
}

// SetSeed records gen_ai.request.seed.
func (c *Call) SetSeed(v int64) { c.set(keyRequestSeed.Int64(v)) }

// SetChoiceCount records gen_ai.request.choice.count when it is not 1.
func (c *Call) SetChoiceCount(v int64) {
	if v != 1 {
		c.set(keyRequestChoiceCount.Int64(v))
	}
}

// SetFrequencyPenalty records gen_ai.request.frequency_penalty.
func (c *Call) SetFrequencyPenalty(v float64) { c.set(keyRequestFreqPenalty.Float64(v)) }

// SetPresencePenalty records gen_ai.request.presence_penalty.
func (c *Call) SetPresencePenalty(v float64) { c.set(keyRequestPresPenalty.Float64(v)) }

// SetEmbeddingDimensions records gen_ai.embeddings.dimension.count.
func (c *Call) SetEmbeddingDimensions(n int64) { c.set(keyEmbeddingsDimensions.Int64(n)) }

// SetEncodingFormats records gen_ai.request.encoding_formats.
func (c *Call) SetEncodingFormats(formats ...string) {
	if len(formats) > 0 {
		c.set(keyRequestEncodings.StringSlice(formats))
	}
}

// SetOutputType records gen_ai.output.type (text, json, image, speech).
func (c *Call) SetOutputType(t string) {
	if t != "" {
		c.set(keyOutputType.String(t))
	}
}

// SetProviderName replaces gen_ai.provider.name, for adapters that learn
// the provider from the request (an OpenAI SDK talking to Azure OpenAI).
func (c *Call) SetProviderName(name string) {
	if c == nil || name == "" {
		return
	}
	c.mu.Lock()
	c.provider = name
	c.mu.Unlock()
	c.set(keyProviderName.String(name))
}

// SetString records a provider-specific string attribute, such as
// openai.response.service_tier. Empty values are left out.
func (c *Call) SetString(key, value string) {
	if value != "" {
		c.set(attribute.String(key, value))
	}
}

// SetStreaming records gen_ai.request.stream=true.
func (c *Call) SetStreaming() { c.set(keyRequestStream.Bool(true)) }

// SetServerURL records server.address and server.port from the URL a request
// is sent to. Only the host and port are read: never the path, query or
// user information.
func (c *Call) SetServerURL(u *url.URL) {
	if c == nil || u == nil {
		return
	}
	host, port := hostPort(u)
	if host == "" {
		return
	}
	kvs := []attribute.KeyValue{keyServerAddress.String(host)}
	if port > 0 {
		kvs = append(kvs, keyServerPort.Int(port))
	}
	c.mu.Lock()
	c.serverAddress, c.serverPort = host, port
	provider := c.provider
	c.mu.Unlock()
	c.set(kvs...)
	if p := providerForHost(provider, host); p != provider {
		c.SetProviderName(p)
	}
}

// hostPort is the host and port of u, the port being the scheme's default
// where u has none (0 when unknown).
func hostPort(u *url.URL) (host string, port int) {
	if u == nil {
		return "", 0
	}
	host, portText := u.Hostname(), u.Port()
	if portText != "" {
		port, _ = strconv.Atoi(portText)
		return host, port
	}
	switch u.Scheme {
	case "https":
		port = 443
	case "http":
		port = 80
	}
	return host, port
}

// SetServerAddress records server.address and server.port from "host:port".
func (c *Call) SetServerAddress(hostport string) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		c.set(keyServerAddress.String(hostport))
		return
	}
	u := &url.URL{Host: net.JoinHostPort(host, port)}
	c.SetServerURL(u)
}

// SetResponse records gen_ai.response.id and gen_ai.response.model; empty
// values are left out.
func (c *Call) SetResponse(id, model string) {
	if id != "" {
		c.set(keyResponseID.String(id))
	}
	if model != "" && c != nil {
		c.mu.Lock()
		c.responseModel = model
		c.mu.Unlock()
		c.set(keyResponseModel.String(model))
	}
}

// SetFinishReasons records gen_ai.response.finish_reasons, one per choice.
func (c *Call) SetFinishReasons(reasons ...string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.finishReasons = append([]string(nil), reasons...)
	c.mu.Unlock()
}

// Usage is the token usage of one operation. Cached input tokens are a
// subset of InputTokens and reasoning tokens a subset of OutputTokens.
// NoOutput marks operations without output tokens (embeddings).
type Usage struct {
	InputTokens          int64
	OutputTokens         int64
	CacheReadInputTokens int64
	// CacheCreationInputTokens are input tokens written to the provider's
	// prompt cache (Anthropic), also a subset of InputTokens.
	CacheCreationInputTokens int64
	ReasoningOutputTokens    int64
	NoOutput                 bool
}

// UsageWithCache returns the usage of an API whose input token count
// excludes the tokens read from and written to its prompt cache (Anthropic,
// Bedrock): the semantic conventions count those as input too.
func UsageWithCache(input, output, cacheRead, cacheWrite int64) Usage {
	return Usage{
		InputTokens:              input + cacheRead + cacheWrite,
		OutputTokens:             output,
		CacheReadInputTokens:     cacheRead,
		CacheCreationInputTokens: cacheWrite,
	}
}

// SetUsage records the gen_ai.usage.* attributes.
func (c *Call) SetUsage(u Usage) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.usage = &u
	c.mu.Unlock()
	kvs := []attribute.KeyValue{keyUsageInputTokens.Int64(u.InputTokens)}
	if !u.NoOutput {
		kvs = append(kvs, keyUsageOutputTokens.Int64(u.OutputTokens))
	}
	if u.CacheReadInputTokens > 0 {
		kvs = append(kvs, keyUsageCacheRead.Int64(u.CacheReadInputTokens))
	}
	if u.CacheCreationInputTokens > 0 {
		key := keyUsageCacheCreation
		if semconvLatest() {
			key = keyUsageCacheWrite
		}
		kvs = append(kvs, key.Int64(u.CacheCreationInputTokens))
	}
	if u.ReasoningOutputTokens > 0 {
		kvs = append(kvs, keyUsageReasoning.Int64(u.ReasoningOutputTokens))
	}
	c.set(kvs...)
}

// Chunk notes the arrival of a streamed chunk; the first one sets
// gen_ai.response.time_to_first_chunk. After the first, it costs one atomic
// load.
func (c *Call) Chunk() {
	if c == nil || c.chunked.Load() {
		return
	}
	c.mu.Lock()
	first := c.firstChunk.IsZero()
	if first {
		c.firstChunk = time.Now()
		c.chunked.Store(true)
	}
	c.mu.Unlock()
	if first {
		c.set(keyResponseTTFC.Float64(c.firstChunk.Sub(c.start).Seconds()))
	}
}

// ErrorTyper is implemented by errors that know their low-cardinality
// error.type. Adapters may also pass the type to [Call.EndWithErrorType].
type ErrorTyper interface{ ErrorType() string }

// End ends the call's span. A non-nil err marks the span as failed, with
// error.type from the error (see [HTTPErrorType] for API errors). Only the
// first End of a Call has an effect.
func (c *Call) End(err error) {
	c.EndWithErrorType(err, "")
}

// EndWithErrorType is End with an explicit error.type for err; an empty
// errorType falls back to what End would record.
func (c *Call) EndWithErrorType(err error, errorType string) {
	c.endAt(time.Time{}, err, errorType)
}

// endAt is EndWithErrorType for a call that ended at end (now when zero).
func (c *Call) endAt(end time.Time, err error, errorType string) {
	defer recoverAndWarn()
	if c == nil || !c.ended.CompareAndSwap(false, true) {
		return
	}
	untrack(c)
	c.mu.Lock()
	reasons, eventAttrs, usage, responseModel := c.finishReasons, c.eventAttrs, c.usage, c.responseModel
	c.mu.Unlock()
	if len(reasons) > 0 {
		c.span.SetAttributes(keyResponseFinish.StringSlice(reasons))
	}
	if usage != nil {
		// The model that answered, else the one asked for.
		for _, model := range []string{responseModel, c.model} {
			if usd, ok := cost(prices(), model, *usage); ok && model != "" {
				c.span.SetAttributes(keyCost.Float64(usd))
				break
			}
		}
	}
	if err != nil {
		if errorType == "" {
			errorType = errorTypeOf(err)
		}
		c.span.SetAttributes(keyErrorType.String(errorType))
		c.span.SetStatus(codes.Error, err.Error())
	} else {
		errorType = ""
	}
	if len(eventAttrs) > 0 {
		// The details event, on the span with JSON strings, and with
		// structured values to the application's sink (SetEventSink).
		// Structured span attributes need attribute maps (OpenTelemetry
		// v1.45), and log records a log API whose v0.x and v1.x differ: a
		// runtime built on either would break programs pinning another.
		attrs := append([]attribute.KeyValue{
			keyOperationName.String(c.operation), keyProviderName.String(c.provider), keyRequestModel.String(c.model),
		}, eventAttrs...)
		c.span.AddEvent(eventOperationDetails, trace.WithAttributes(attrs...))
		sendEvent(trace.ContextWithSpan(context.Background(), c.span), attrs)
	}
	if end.IsZero() {
		end = time.Now()
	}
	c.span.End(trace.WithTimestamp(end))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.record(end.Sub(c.start), errorType)
}

// Ended reports whether the call has ended.
func (c *Call) Ended() bool { return c == nil || c.ended.Load() }

func errorTypeOf(err error) string {
	var typed ErrorTyper
	if errors.As(err, &typed) {
		if t := typed.ErrorType(); t != "" {
			return t
		}
	}
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return errorTypeOther
}

// HTTPErrorType maps an HTTP status of a provider API error to a
// low-cardinality error.type, using the error class names the providers'
// own SDKs use (404 → NotFoundError, 429 → RateLimitError, ...).
func HTTPErrorType(status int) string {
	switch {
	case status == 400:
		return "BadRequestError"
	case status == 401:
		return "AuthenticationError"
	case status == 403:
		return "PermissionDeniedError"
	case status == 404:
		return "NotFoundError"
	case status == 409:
		return "ConflictError"
	case status == 422:
		return "UnprocessableEntityError"
	case status == 429:
		return "RateLimitError"
	case status >= 500:
		return "InternalServerError"
	case status >= 400:
		return "APIStatusError"
	}
	return errorTypeOther
}

// Recover, deferred by an adapter function, stops a panic in it from reaching
// the caller: defer runtime.Recover(). It costs less than [Safe] on hot
// paths such as a stream's chunks.
func Recover() {
	if r := recover(); r != nil {
		warnf("internal error (recovered): %v", r)
	}
}

// Safe runs f and stops any panic in it from reaching the caller. Adapters
// wrap the code that reads requests and responses in it.
func Safe(f func()) {
	defer recoverAndWarn()
	f()
}
