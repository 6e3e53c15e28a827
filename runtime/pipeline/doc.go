// Package pipeline records spans and metrics through the OpenTelemetry API
// and hands them to exporters. It is the small part of an OpenTelemetry SDK
// that the runtime needs when the application has set no provider of its
// own: a tracer provider with the standard samplers, span limits and a
// batching processor, and a meter provider with counters and histograms
// (explicit-bucket and base-2 exponential), cumulative or delta, read
// periodically. It reads the resource, the sampler and the span limits from
// the standard environment (ResourceFromEnv, SamplerFromEnv,
// LimitsFromEnv); its caller gives the exporters and the batching and
// reading settings.
//
// It exists so that instrumenting a program does not compile and link the
// OpenTelemetry SDK into it: the runtime otherwise depends on the
// OpenTelemetry API alone. Instruments other than Int64Counter,
// Int64Histogram and Float64Histogram are the API's no-op ones.
package pipeline
