package injected

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/llminstr/llminstr/runtime/otlp"
	"github.com/llminstr/llminstr/runtime/pipeline"
)

// sdkDisabled reports whether OTEL_SDK_DISABLED=true: record nothing.
func sdkDisabled(getenv func(string) string) bool {
	return strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true")
}

// exportersFromEnv returns the exporters a signal's environment asks for:
// none when OTEL_SDK_DISABLED=true, else the comma-separated list in
// selector (OTEL_TRACES_EXPORTER, OTEL_METRICS_EXPORTER), without
// duplicates and without "none". When selector is unset the list is "otlp"
// only if an OTLP endpoint is configured (the shared one or
// signalEndpoint), so that an instrumented program never starts dialing a
// collector nobody asked for. Unknown names are left out and reported in
// err, which does not stop the others from being used.
func exportersFromEnv(getenv func(string) string, selector, signalEndpoint string) (names []string, err error) {
	if sdkDisabled(getenv) {
		return nil, nil
	}
	value := strings.TrimSpace(getenv(selector))
	if value == "" {
		if getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv(signalEndpoint) != "" {
			return []string{"otlp"}, nil
		}
		return nil, nil
	}
	var unknown []string
	for _, name := range strings.Split(value, ",") {
		name = strings.ToLower(strings.TrimSpace(name))
		switch name {
		case "", "none":
		case "console", "otlp":
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		default:
			unknown = append(unknown, strconv.Quote(name))
		}
	}
	if len(unknown) > 0 {
		err = fmt.Errorf("%s: %s not supported (use otlp, console or none)", selector, strings.Join(unknown, ", "))
	}
	return names, err
}

// TraceFileEnv names the file to which the runtime appends its spans and
// metrics as OTLP/JSON lines (see [otlp.File]), besides the exporters
// OTEL_TRACES_EXPORTER and OTEL_METRICS_EXPORTER choose; llminstr view
// reads it.
const TraceFileEnv = "LLMINSTR_TRACE_FILE"

var traceFiles sync.Map // path -> *otlp.File

// fileFromEnv returns the file TraceFileEnv names, one per path so that
// spans and metrics share it, or nil when it is unset or the SDK is
// disabled (OTEL_SDK_DISABLED=true).
func fileFromEnv(getenv func(string) string) *otlp.File {
	path := strings.TrimSpace(getenv(TraceFileEnv))
	if path == "" || sdkDisabled(getenv) {
		return nil
	}
	f, _ := traceFiles.LoadOrStore(path, otlp.NewFile(path))
	return f.(*otlp.File)
}

// Limits of the batch span processor's settings: larger values are clamped
// to them, so that a typo cannot make the queue allocate without bound.
const (
	maxQueueSizeLimit = 1 << 18
	maxMillis         = 24 * 60 * 60 * 1000
)

// batchConfig reads OTEL_BSP_* as the specification defines them, with
// checks: a value that is not a positive integer falls back to the
// default ([pipeline.DefaultBatchConfig]), with a warning; a queue or batch
// size above maxQueueSizeLimit is clamped; the batch is at most the queue.
func batchConfig(getenv func(string) string) (pipeline.BatchConfig, []string) {
	var warnings []string
	def := pipeline.DefaultBatchConfig
	queue := readPositive(getenv, "OTEL_BSP_MAX_QUEUE_SIZE", def.QueueSize, maxQueueSizeLimit, &warnings)
	batch := min(readPositive(getenv, "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", def.BatchSize, maxQueueSizeLimit, &warnings), queue)
	return pipeline.BatchConfig{
		QueueSize: queue,
		BatchSize: batch,
		Delay:     readMillis(getenv, "OTEL_BSP_SCHEDULE_DELAY", def.Delay, &warnings),
		Timeout:   readMillis(getenv, "OTEL_BSP_EXPORT_TIMEOUT", def.Timeout, &warnings),
	}, warnings
}

// readerConfig reads OTEL_METRIC_EXPORT_INTERVAL and
// OTEL_METRIC_EXPORT_TIMEOUT with the checks of batchConfig.
func readerConfig(getenv func(string) string) (pipeline.ReaderConfig, []string) {
	var warnings []string
	def := pipeline.DefaultReaderConfig
	return pipeline.ReaderConfig{
		Interval: readMillis(getenv, "OTEL_METRIC_EXPORT_INTERVAL", def.Interval, &warnings),
		Timeout:  readMillis(getenv, "OTEL_METRIC_EXPORT_TIMEOUT", def.Timeout, &warnings),
	}, warnings
}

// readMillis is [readPositive] for a duration in milliseconds, at most a
// day.
func readMillis(getenv func(string) string, key string, def time.Duration, warnings *[]string) time.Duration {
	return time.Duration(readPositive(getenv, key, int(def/time.Millisecond), maxMillis, warnings)) * time.Millisecond
}

// readPositive reads key as a positive integer: def when it is unset, or
// (with a warning) when it is not a positive integer; limit when it is
// larger (with a warning).
func readPositive(getenv func(string) string, key string, def, limit int, warnings *[]string) int {
	v := strings.TrimSpace(getenv(key))
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	switch {
	case err != nil || n <= 0:
		*warnings = append(*warnings, fmt.Sprintf("%s=%q is not a positive integer: using %d", key, v, def))
		return def
	case n > limit:
		*warnings = append(*warnings, fmt.Sprintf("%s=%q is above %d: using %d", key, v, limit, limit))
		return limit
	}
	return n
}

// defaultExitTimeout bounds the flush at exit when no export timeout is
// set: long enough for a local collector, short enough that a person at a
// terminal does not notice a collector that never answers.
const defaultExitTimeout = time.Second

// exitTimeout is how long the flush at exit may take: the smallest export
// timeout the environment sets explicitly (OTEL_BSP_EXPORT_TIMEOUT,
// OTEL_EXPORTER_OTLP_TIMEOUT and its per-signal forms, in milliseconds),
// else defaultExitTimeout. Values that are not positive integers are
// ignored.
func exitTimeout(getenv func(string) string) time.Duration {
	d := time.Duration(0)
	for _, key := range []string{"OTEL_BSP_EXPORT_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "OTEL_EXPORTER_OTLP_METRICS_TIMEOUT"} {
		n, err := strconv.Atoi(strings.TrimSpace(getenv(key)))
		if err != nil || n <= 0 {
			continue
		}
		if v := time.Duration(min(n, maxMillis)) * time.Millisecond; d == 0 || v < d {
			d = v
		}
	}
	if d == 0 {
		return defaultExitTimeout
	}
	return d
}

// resourceFromEnv is the resource of the runtime's spans and metrics (see
// [pipeline.ResourceFromEnv]); what it cannot read of the environment is
// reported.
func resourceFromEnv(getenv func(string) string) *pipeline.Resource {
	r, err := pipeline.ResourceFromEnv(getenv, "llminstr", Version)
	if err != nil {
		warnf("%v", err)
	}
	return r
}

// isDefaultGlobal reports whether p, the value of otel.GetTracerProvider or
// otel.GetMeterProvider (nil when the program does not link the
// OpenTelemetry API), is the OpenTelemetry API's placeholder or nil, which
// means the application has not set a provider of its own.
func isDefaultGlobal(p any) bool {
	if p == nil {
		return true
	}
	switch fmt.Sprintf("%T", p) {
	case "*global.tracerProvider", "*global.meterProvider":
		return true
	}
	return false
}
