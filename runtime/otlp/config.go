package otlp

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Signal is a kind of telemetry an exporter sends.
type Signal struct {
	env      string // the part of the per-signal variable names: TRACES
	httpPath string // the OTLP/HTTP path: /v1/traces
	method   string // the OTLP/gRPC method
}

var (
	// Traces are spans.
	Traces = Signal{"TRACES", "/v1/traces", "/opentelemetry.proto.collector.trace.v1.TraceService/Export"}
	// Metrics are metric data points.
	Metrics = Signal{"METRICS", "/v1/metrics", "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export"}
)

// Protocols.
const (
	HTTPProtobuf = "http/protobuf"
	GRPC         = "grpc"
)

// Config says where and how an exporter sends.
type Config struct {
	// Protocol is HTTPProtobuf or GRPC.
	Protocol string
	// URL is the address requests go to: for OTLP/HTTP the full URL, path
	// included; for gRPC its scheme (http for plain text, https for TLS)
	// and host.
	URL *url.URL
	// Headers are added to every request.
	Headers map[string]string
	// Gzip compresses requests.
	Gzip bool
	// Timeout bounds one export, its retries included.
	Timeout time.Duration
	// TLS, when not nil, is the TLS configuration for https.
	TLS *tls.Config
	// Temporality is the metrics temporality preference: cumulative (the
	// default), delta or lowmemory.
	Temporality string
	// ExponentialHistograms makes histograms without bucket boundaries of
	// their own base-2 exponential.
	ExponentialHistograms bool
	// Warn, when not nil, receives what the endpoint says it rejected.
	Warn func(string)
}

// Default settings, as the OTLP exporter specification gives them.
const (
	defaultHTTPEndpoint = "http://localhost:4318"
	defaultGRPCEndpoint = "http://localhost:4317"
	defaultTimeout      = 10 * time.Second
)

// ConfigFromEnv reads the configuration of a signal's exporter from the
// standard OTLP exporter environment variables: OTEL_EXPORTER_OTLP_* and
// their per-signal forms (OTEL_EXPORTER_OTLP_TRACES_*), which win:
// PROTOCOL, ENDPOINT, INSECURE, HEADERS, COMPRESSION, TIMEOUT, CERTIFICATE,
// CLIENT_CERTIFICATE and CLIENT_KEY, and for metrics
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE and
// OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION.
//
// A value it cannot use is reported in warnings, naming the variable, and
// the default is used instead. err is set, and the exporter cannot be set
// up, only when following a value could send data where the user did not
// mean it to go, or unprotected: an unknown protocol, an endpoint that is
// not a URL, TLS files that cannot be read.
func ConfigFromEnv(getenv func(string) string, signal Signal) (cfg Config, warnings []string, err error) {
	// lookup returns the per-signal value of a setting, else the shared
	// one, with the name of the variable it came from.
	lookup := func(setting string) (value, name string) {
		name = "OTEL_EXPORTER_OTLP_" + signal.env + "_" + setting
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v, name
		}
		name = "OTEL_EXPORTER_OTLP_" + setting
		return strings.TrimSpace(getenv(name)), name
	}
	warn := func(format string, args ...any) { warnings = append(warnings, fmt.Sprintf(format, args...)) }

	protocol, name := lookup("PROTOCOL")
	switch protocol {
	case "", HTTPProtobuf:
		cfg.Protocol = HTTPProtobuf
	case GRPC:
		cfg.Protocol = GRPC
	default:
		return cfg, warnings, fmt.Errorf("%s=%q is not supported (use grpc or http/protobuf)", name, protocol)
	}

	insecure := false
	if v, name := lookup("INSECURE"); v != "" {
		b, perr := strconv.ParseBool(v)
		if perr != nil {
			warn("%s=%q is not true or false; using false", name, v)
		}
		insecure = b
	}
	value, name := lookup("ENDPOINT")
	cfg.URL, err = endpoint(name, value, signal, cfg.Protocol, insecure)
	if err != nil {
		return cfg, warnings, err
	}

	if v, name := lookup("HEADERS"); v != "" {
		cfg.Headers = map[string]string{}
		for _, entry := range strings.Split(v, ",") {
			key, value, ok := strings.Cut(entry, "=")
			key = strings.TrimSpace(key)
			if !ok || key == "" {
				warn("%s: %q is not key=value; left out", name, strings.TrimSpace(entry))
				continue
			}
			if unescaped, uerr := url.PathUnescape(strings.TrimSpace(value)); uerr == nil {
				value = unescaped
			} else {
				value = strings.TrimSpace(value)
			}
			cfg.Headers[key] = value
		}
	}

	switch v, name := lookup("COMPRESSION"); strings.ToLower(v) {
	case "", "none":
	case "gzip":
		cfg.Gzip = true
	default:
		warn("%s=%q is not supported (use gzip or none); sending uncompressed", name, v)
	}

	cfg.Timeout = defaultTimeout
	if v, name := lookup("TIMEOUT"); v != "" {
		ms, perr := strconv.Atoi(v)
		if perr != nil || ms <= 0 {
			warn("%s=%q is not a positive number of milliseconds; using %v", name, v, defaultTimeout)
		} else {
			cfg.Timeout = time.Duration(min(ms, 24*60*60*1000)) * time.Millisecond
		}
	}

	if cfg.TLS, err = tlsConfig(lookup); err != nil {
		return cfg, warnings, err
	}

	if signal == Metrics {
		switch v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE")); strings.ToLower(v) {
		case "", "cumulative":
		case "delta", "lowmemory":
			cfg.Temporality = strings.ToLower(v)
		default:
			warn("OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=%q is not supported (use cumulative, delta or lowmemory); using cumulative", v)
		}
		switch v := strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION")); strings.ToLower(v) {
		case "", "explicit_bucket_histogram":
		case "base2_exponential_bucket_histogram":
			cfg.ExponentialHistograms = true
		default:
			warn("OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION=%q is not supported (use explicit_bucket_histogram or base2_exponential_bucket_histogram); using explicit_bucket_histogram", v)
		}
	}
	return cfg, warnings, nil
}

// endpoint returns the URL a signal's requests go to.
//
// For OTLP/HTTP, OTEL_EXPORTER_OTLP_{SIGNAL}_ENDPOINT is used as it is, and
// OTEL_EXPORTER_OTLP_ENDPOINT is a base URL to which the signal's path
// (/v1/traces) is added. For gRPC either names the host; a URL's scheme
// says whether to use TLS (https) or not (http), and an endpoint without a
// scheme uses TLS unless OTEL_EXPORTER_OTLP_INSECURE is true. name and
// value are the variable the setting came from and its value.
func endpoint(name, value string, signal Signal, protocol string, insecure bool) (*url.URL, error) {
	perSignal := name != "OTEL_EXPORTER_OTLP_ENDPOINT"
	if value == "" {
		name = ""
		value = defaultHTTPEndpoint
		if protocol == GRPC {
			value = defaultGRPCEndpoint
		}
	}
	bad := func(why string) error {
		return fmt.Errorf("%s=%q: %s", name, value, why)
	}
	if !strings.Contains(value, "://") {
		// host:port, as gRPC endpoints are often written.
		scheme := "https"
		if insecure {
			scheme = "http"
		}
		value = scheme + "://" + value
	}
	u, err := url.Parse(value)
	if err != nil {
		return nil, bad("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, bad("the scheme must be http or https")
	}
	if u.Host == "" {
		return nil, bad("no host")
	}
	if protocol == GRPC {
		return &url.URL{Scheme: u.Scheme, Host: u.Host}, nil
	}
	if !perSignal {
		u.Path = strings.TrimSuffix(u.Path, "/") + signal.httpPath
		u.RawPath = ""
	} else if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// tlsConfig returns the TLS configuration the CERTIFICATE,
// CLIENT_CERTIFICATE and CLIENT_KEY settings give, or nil when they are
// unset.
func tlsConfig(lookup func(string) (string, string)) (*tls.Config, error) {
	caFile, caName := lookup("CERTIFICATE")
	certFile, certName := lookup("CLIENT_CERTIFICATE")
	keyFile, keyName := lookup("CLIENT_KEY")
	if caFile == "" && certFile == "" && keyFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", caName, err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%s=%s: no PEM certificate in the file", caName, caFile)
		}
		cfg.RootCAs = pool
	}
	switch {
	case certFile != "" && keyFile != "":
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			return nil, fmt.Errorf("%s, %s: %w", certName, keyName, err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	case certFile != "":
		return nil, errors.New(certName + " is set without " + keyName)
	case keyFile != "":
		return nil, errors.New(keyName + " is set without " + certName)
	}
	return cfg, nil
}
