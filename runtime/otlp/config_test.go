package otlp

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestConfigFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name   string
		env    map[string]string
		signal Signal
		// want
		protocol, url string
		headers       map[string]string
		gzip          bool
		timeout       time.Duration
		temporality   string
		exponential   bool
		warning       string // a substring of the warnings, or ""
		err           string // a substring of the error, or ""
	}{
		{name: "defaults", env: nil, signal: Traces, protocol: HTTPProtobuf, url: "http://localhost:4318/v1/traces"},
		{name: "grpc default", env: map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, signal: Traces, protocol: GRPC, url: "http://localhost:4317"},
		{name: "base URL gets the signal's path", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318/otlp/"},
			signal: Metrics, protocol: HTTPProtobuf, url: "https://collector:4318/otlp/v1/metrics"},
		{name: "per-signal endpoint is used as it is", env: map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://shared:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:9999/custom"},
			signal: Traces, protocol: HTTPProtobuf, url: "http://traces:9999/custom"},
		{name: "per-signal endpoint of the other signal", env: map[string]string{
			"OTEL_EXPORTER_OTLP_ENDPOINT": "http://shared:4318", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:9999/custom"},
			signal: Metrics, protocol: HTTPProtobuf, url: "http://shared:4318/v1/metrics"},
		{name: "per-signal endpoint without a path", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://traces:9999"},
			signal: Traces, protocol: HTTPProtobuf, url: "http://traces:9999/"},
		{name: "grpc keeps only the host", env: map[string]string{
			"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4317/ignored"},
			signal: Traces, protocol: GRPC, url: "https://collector:4317"},
		{name: "grpc host:port is TLS", env: map[string]string{
			"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317"},
			signal: Traces, protocol: GRPC, url: "https://collector:4317"},
		{name: "grpc host:port, insecure", env: map[string]string{
			"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_ENDPOINT": "collector:4317", "OTEL_EXPORTER_OTLP_TRACES_INSECURE": "true"},
			signal: Traces, protocol: GRPC, url: "http://collector:4317"},
		{name: "per-signal protocol wins", env: map[string]string{
			"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "http/protobuf"},
			signal: Metrics, protocol: HTTPProtobuf, url: "http://localhost:4318/v1/metrics"},
		{name: "headers, percent-decoded; per-signal ones replace them", env: map[string]string{
			"OTEL_EXPORTER_OTLP_HEADERS": "a=1", "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "Authorization=Bearer%20k%3D%3D , x-team = ml,broken,=v"},
			signal: Traces, protocol: HTTPProtobuf, url: "http://localhost:4318/v1/traces",
			headers: map[string]string{"Authorization": "Bearer k==", "x-team": "ml"}, warning: `"broken" is not key=value`},
		{name: "compression and timeout", env: map[string]string{"OTEL_EXPORTER_OTLP_COMPRESSION": "GZIP", "OTEL_EXPORTER_OTLP_TIMEOUT": "2500"},
			signal: Traces, protocol: HTTPProtobuf, url: "http://localhost:4318/v1/traces", gzip: true, timeout: 2500 * time.Millisecond},
		{name: "bad timeout and compression fall back", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "zstd", "OTEL_EXPORTER_OTLP_TIMEOUT": "10s"},
			signal: Traces, protocol: HTTPProtobuf, url: "http://localhost:4318/v1/traces", warning: `OTEL_EXPORTER_OTLP_TIMEOUT="10s" is not a positive number of milliseconds`},
		{name: "metrics temporality and histograms", env: map[string]string{
			"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "Delta", "OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION": "base2_exponential_bucket_histogram"},
			signal: Metrics, protocol: HTTPProtobuf, url: "http://localhost:4318/v1/metrics", temporality: "delta", exponential: true},
		{name: "unknown temporality", env: map[string]string{"OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "sometimes"},
			signal: Metrics, protocol: HTTPProtobuf, url: "http://localhost:4318/v1/metrics", warning: "OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE"},
		{name: "http/json", env: map[string]string{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/json"}, signal: Traces,
			err: `OTEL_EXPORTER_OTLP_TRACES_PROTOCOL="http/json" is not supported`},
		{name: "not a URL", env: map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://[::1"}, signal: Traces,
			err: "OTEL_EXPORTER_OTLP_ENDPOINT"},
		{name: "wrong scheme", env: map[string]string{"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "ftp://collector"}, signal: Metrics,
			err: `OTEL_EXPORTER_OTLP_METRICS_ENDPOINT="ftp://collector": the scheme must be http or https`},
		{name: "missing certificate", env: map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": "/nonexistent/ca.pem"}, signal: Traces,
			err: "OTEL_EXPORTER_OTLP_CERTIFICATE"},
		{name: "client certificate without key", env: map[string]string{"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE": "/x.pem"}, signal: Traces,
			err: "OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE is set without OTEL_EXPORTER_OTLP_CLIENT_KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, warnings, err := ConfigFromEnv(func(k string) string { return tc.env[k] }, tc.signal)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one containing %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(warnings, "\n"); (tc.warning == "") != (got == "") || !strings.Contains(got, tc.warning) {
				t.Errorf("warnings %q, want %q", got, tc.warning)
			}
			if tc.timeout == 0 {
				tc.timeout = defaultTimeout
			}
			if cfg.Protocol != tc.protocol || cfg.URL.String() != tc.url || cfg.Gzip != tc.gzip || cfg.Timeout != tc.timeout ||
				cfg.Temporality != tc.temporality || cfg.ExponentialHistograms != tc.exponential {
				t.Errorf("got %s %s gzip=%v timeout=%v temporality=%q exponential=%v", cfg.Protocol, cfg.URL, cfg.Gzip, cfg.Timeout, cfg.Temporality, cfg.ExponentialHistograms)
			}
			if len(tc.headers) > 0 && !reflect.DeepEqual(cfg.Headers, tc.headers) {
				t.Errorf("headers %q, want %q", cfg.Headers, tc.headers)
			}
		})
	}
}

func TestConfigFromEnvBadCertificate(t *testing.T) {
	file := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(file, []byte("not a certificate"), 0o600)
	_, _, err := ConfigFromEnv(func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": file}[k]
	}, Traces)
	if err == nil || !strings.Contains(err.Error(), "no PEM certificate") {
		t.Errorf("err = %v", err)
	}
}

// TestEncoderMessageLengths: lengths of nested messages that need more
// than one varint byte are inserted correctly.
func TestEncoderMessageLengths(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 16383, 16384, 1 << 21} {
		e := &encoder{buf: []byte{0xAA}}
		e.message(3, func() { e.buf = append(e.buf, make([]byte, n)...) })
		e.buf = append(e.buf, 0xBB)
		var got []byte
		var fields int
		walk(e.buf[1:len(e.buf)-1], func(num, wireType, _ uint64, b []byte) {
			fields++
			if num == 3 && wireType == wireBytes {
				got = b
			}
		})
		if fields != 1 || len(got) != n || e.buf[0] != 0xAA || e.buf[len(e.buf)-1] != 0xBB {
			t.Errorf("n=%d: %d fields, contents of %d bytes", n, fields, len(got))
		}
	}
}
