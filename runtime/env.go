package runtime

import (
	"fmt"
	"strings"

	sdkresource "go.opentelemetry.io/otel/sdk/resource"
)

// exporterFromEnv returns the exporter a signal's environment asks for:
// "none" when OTEL_SDK_DISABLED=true, else the value of selector
// (OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER). When that is unset it is
// "otlp" only if an OTLP endpoint is configured (the shared one or
// signalEndpoint), so that an instrumented program never starts dialing a
// collector nobody asked for; otherwise "none".
func exporterFromEnv(getenv func(string) string, selector, signalEndpoint string) (string, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return "none", nil
	}
	name := strings.ToLower(strings.TrimSpace(getenv(selector)))
	if name == "" {
		name = "none"
		if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv(signalEndpoint) != "" {
			name = "otlp"
		}
	}
	switch name {
	case "none", "console", "otlp":
		return name, nil
	}
	return "", fmt.Errorf("%s=%q is not supported (use otlp, console or none)", selector, name)
}

// otlpProtocol returns the OTLP protocol for a signal:
// OTEL_EXPORTER_OTLP_{SIGNAL}_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL,
// else http/protobuf. http/json, which the Go exporters do not speak, is an
// error naming the variable.
func otlpProtocol(getenv func(string) string, signal string) (string, error) {
	key := "OTEL_EXPORTER_OTLP_" + signal + "_PROTOCOL"
	v := strings.TrimSpace(getenv(key))
	if v == "" {
		key = "OTEL_EXPORTER_OTLP_PROTOCOL"
		v = strings.TrimSpace(getenv(key))
	}
	switch v {
	case "", "http/protobuf":
		return "http/protobuf", nil
	case "grpc":
		return "grpc", nil
	}
	return "", fmt.Errorf("%s=%q is not supported (use grpc or http/protobuf)", key, v)
}

// resourceFromEnv is the SDK's default resource merged with
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES. A partial resource is still
// useful: on a merge error, the default one is kept.
func resourceFromEnv() *sdkresource.Resource {
	res, err := sdkresource.Merge(sdkresource.Default(), sdkresource.Environment())
	if err != nil {
		return sdkresource.Default()
	}
	return res
}

// isDefaultGlobal reports whether p, the value of otel.GetTracerProvider or
// otel.GetMeterProvider, is the OpenTelemetry API's placeholder, which means
// the application has not set a provider of its own.
func isDefaultGlobal(p any) bool {
	switch fmt.Sprintf("%T", p) {
	case "*global.tracerProvider", "*global.meterProvider":
		return true
	}
	return false
}
