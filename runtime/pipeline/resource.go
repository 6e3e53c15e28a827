package pipeline

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"go.opentelemetry.io/otel/attribute"
)

// ResourceFromEnv returns the resource of a program as the OpenTelemetry
// SDKs describe it by default: service.name "unknown_service:" and the
// executable's name, the telemetry.sdk.* attributes naming sdk and its
// version, then the attributes of OTEL_RESOURCE_ATTRIBUTES
// (key=value,..., values percent-decoded), then OTEL_SERVICE_NAME. Entries
// it cannot read are reported in the error and left out; the rest is
// still returned.
func ResourceFromEnv(getenv func(string) string, sdk, version string) (*Resource, error) {
	// Later attributes win: attribute.NewSet keeps the last value of a key.
	kvs := []attribute.KeyValue{
		attribute.String("service.name", "unknown_service:"+filepath.Base(os.Args[0])),
		attribute.String("telemetry.sdk.language", "go"),
		attribute.String("telemetry.sdk.name", sdk),
		attribute.String("telemetry.sdk.version", version),
	}

	var invalid []string
	if s := strings.TrimSpace(getenv("OTEL_RESOURCE_ATTRIBUTES")); s != "" {
		for _, pair := range strings.Split(s, ",") {
			k, v, found := strings.Cut(pair, "=")
			k = strings.TrimSpace(k)
			if !found || k == "" {
				invalid = append(invalid, strconv.Quote(pair))
				continue
			}
			v = strings.TrimSpace(v)
			if decoded, err := url.PathUnescape(v); err == nil {
				v = decoded
			} else {
				invalid = append(invalid, strconv.Quote(pair)+" (kept undecoded)")
			}
			kvs = append(kvs, attribute.String(k, v))
		}
	}
	if name := strings.TrimSpace(getenv("OTEL_SERVICE_NAME")); name != "" {
		kvs = append(kvs, attribute.String("service.name", name))
	}
	var err error
	if len(invalid) > 0 {
		err = fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: cannot read %s (use key=value pairs separated by commas)", strings.Join(invalid, ", "))
	}
	return &Resource{Attributes: attribute.NewSet(kvs...)}, err
}
