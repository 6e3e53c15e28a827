// Package otlpcompat holds the tests that hold the runtime's own OTLP
// exporter (github.com/llminstr/llminstr/runtime/otlp) to the OpenTelemetry
// Go exporters and to a real gRPC server: for the same spans and metrics,
// the requests it sends must decode, with the generated OTLP packages, to
// the very messages the OpenTelemetry exporters send.
package otlpcompat
