package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	logglobal "go.opentelemetry.io/otel/log/global"
	lognoop "go.opentelemetry.io/otel/log/noop"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

// The gen_ai.client.inference.operation.details event carries the captured
// content with structured values, as an OpenTelemetry log record with an
// event name (the form the semantic conventions define for events),
// correlated with the call's span.

type loggerCache struct {
	provider otellog.LoggerProvider
	logger   otellog.Logger
}

var cachedLogger atomic.Pointer[loggerCache]

// eventLogger returns the logger to emit events with: the application's
// global LoggerProvider when it has set one, otherwise the runtime's own.
func eventLogger() otellog.Logger {
	global := logglobal.GetLoggerProvider()
	if c := cachedLogger.Load(); c != nil && c.provider == global {
		return c.logger
	}
	provider := global
	if isDefaultGlobal(global) {
		provider = ownLoggerProvider()
	}
	l := provider.Logger(instrumentationName, otellog.WithInstrumentationVersion(Version))
	cachedLogger.Store(&loggerCache{provider: global, logger: l})
	return l
}

var ownLogger struct {
	once     sync.Once
	provider otellog.LoggerProvider
	shutdown atomic.Pointer[func(context.Context) error]
}

func ownLoggerProvider() otellog.LoggerProvider {
	ownLogger.once.Do(func() {
		lp, shutdown, err := loggerProviderFromEnv(os.Getenv, os.Stderr)
		if err != nil {
			warnf("events disabled: %v", err)
			lp, shutdown = lognoop.NewLoggerProvider(), nil
		}
		ownLogger.provider = lp
		if shutdown != nil {
			ownLogger.shutdown.Store(&shutdown)
		}
	})
	return ownLogger.provider
}

// loggerProviderFromEnv builds a LoggerProvider from OTEL_LOGS_EXPORTER,
// chosen as for traces (see exporterFromEnv). The console exporter prints
// no events: the console trace tree shows the content already.
func loggerProviderFromEnv(getenv func(string) string, _ io.Writer) (otellog.LoggerProvider, func(context.Context) error, error) {
	name, err := exporterFromEnv(getenv, "OTEL_LOGS_EXPORTER", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT")
	if err != nil {
		return nil, nil, err
	}
	if name != "otlp" {
		return lognoop.NewLoggerProvider(), nil, nil
	}
	protocol, err := otlpProtocol(getenv, "LOGS")
	if err != nil {
		return nil, nil, err
	}
	var exporter sdklog.Exporter
	if protocol == "grpc" {
		exporter, err = otlploggrpc.New(context.Background())
	} else {
		exporter, err = otlploghttp.New(context.Background())
	}
	if err != nil {
		return nil, nil, fmt.Errorf("OTEL_LOGS_EXPORTER=otlp (%s): %w", protocol, err)
	}
	lp := sdklog.NewLoggerProvider(
		sdklog.WithProcessor(sdklog.NewBatchProcessor(exporter)),
		sdklog.WithResource(resourceFromEnv()),
	)
	return lp, lp.Shutdown, nil
}

// emitDetails emits the operation details event of a call that ended: its
// identifying attributes and the captured content, structured.
func (c *Call) emitDetails(ctx context.Context, content []attribute.KeyValue, usage *Usage, responseModel string, reasons []string, errorType string) {
	defer recoverAndWarn()
	var r otellog.Record
	r.SetEventName(eventOperationDetails)
	r.SetTimestamp(c.start)
	r.SetObservedTimestamp(c.start)
	r.SetSeverity(otellog.SeverityInfo)
	attrs := []otellog.KeyValue{
		otellog.String(string(keyOperationName), c.operation),
		otellog.String(string(keyProviderName), c.provider),
	}
	if c.model != "" {
		attrs = append(attrs, otellog.String(string(keyRequestModel), c.model))
	}
	if responseModel != "" {
		attrs = append(attrs, otellog.String(string(keyResponseModel), responseModel))
	}
	if len(reasons) > 0 {
		vs := make([]otellog.Value, len(reasons))
		for i, s := range reasons {
			vs[i] = otellog.StringValue(s)
		}
		attrs = append(attrs, otellog.Slice(string(keyResponseFinish), vs...))
	}
	if usage != nil {
		attrs = append(attrs, otellog.Int64(string(keyUsageInputTokens), usage.InputTokens))
		if !usage.NoOutput {
			attrs = append(attrs, otellog.Int64(string(keyUsageOutputTokens), usage.OutputTokens))
		}
	}
	if errorType != "" {
		attrs = append(attrs, otellog.String(string(keyErrorType), errorType))
	}
	for _, kv := range content {
		var v any
		if json.Unmarshal([]byte(kv.Value.AsString()), &v) != nil {
			continue
		}
		attrs = append(attrs, otellog.KeyValue{Key: string(kv.Key), Value: logValue(v)})
	}
	r.AddAttributes(attrs...)
	eventLogger().Emit(ctx, r)
}

// logValue converts a decoded JSON value to a structured log value.
func logValue(v any) otellog.Value {
	switch x := v.(type) {
	case string:
		return otellog.StringValue(x)
	case float64:
		if x == float64(int64(x)) {
			return otellog.Int64Value(int64(x))
		}
		return otellog.Float64Value(x)
	case bool:
		return otellog.BoolValue(x)
	case []any:
		vs := make([]otellog.Value, len(x))
		for i, e := range x {
			vs[i] = logValue(e)
		}
		return otellog.SliceValue(vs...)
	case map[string]any:
		kvs := make([]otellog.KeyValue, 0, len(x))
		for k, e := range x {
			kvs = append(kvs, otellog.KeyValue{Key: k, Value: logValue(e)})
		}
		return otellog.MapValue(kvs...)
	}
	return otellog.Value{}
}
