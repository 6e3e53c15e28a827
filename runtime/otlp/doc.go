// Package otlp exports the runtime's spans and metrics over OTLP: protobuf
// over HTTP (OTLP/HTTP) or gRPC, configured by the standard
// OTEL_EXPORTER_OTLP_* environment.
//
// It encodes the OTLP messages itself and speaks gRPC's unary calls over
// net/http's HTTP/2, so that an instrumented program links neither the
// generated OTLP packages nor gRPC: they would add about 15 MB to every
// binary and raise the versions of modules the application shares with
// them. It encodes what the runtime's pipeline (package pipeline) records
// (spans with events and links; sums and explicit and exponential
// histograms) as the OpenTelemetry Go exporters do, field for field;
// instrumentation scope attributes and exemplars, which the pipeline never
// records, are left out.
package otlp
