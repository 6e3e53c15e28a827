package toolexec

import (
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// OpenTelemetryModules are the OpenTelemetry Go modules the runtime builds
// with: the API (the first openTelemetryAPIModules), then the SDK that
// implements it.
var OpenTelemetryModules = []string{
	"go.opentelemetry.io/otel", "go.opentelemetry.io/otel/trace", "go.opentelemetry.io/otel/metric",
	"go.opentelemetry.io/otel/sdk", "go.opentelemetry.io/otel/sdk/metric",
}

const openTelemetryAPIModules = 3

// OpenTelemetryListFormat is the -f format of the `go list -m` run on
// [OpenTelemetryModules] whose output [SDKBehindAPI] reads.
const OpenTelemetryListFormat = "{{.Path}} {{.Version}}"

// SDKBehindAPI reads the versions a build selects, as `go list -m -f
// OpenTelemetryListFormat OpenTelemetryModules...` prints them, and returns
// the newest OpenTelemetry API module and the SDK modules older than it.
// The runtime asks only for the oldest SDK it works with, so as to raise
// nothing in the application; but the application's own dependencies
// often select a newer API without the SDK, and an SDK older than the API
// does not compile (the API adds methods the SDK's spans must have).
func SDKBehindAPI(listed string) (api module.Version, behind []module.Version) {
	selected := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(listed), "\n") {
		if path, v, ok := strings.Cut(line, " "); ok {
			selected[path] = v
		}
	}
	for _, path := range OpenTelemetryModules[:openTelemetryAPIModules] {
		if v := selected[path]; semver.IsValid(v) && (api.Version == "" || semver.Compare(v, api.Version) > 0) {
			api = module.Version{Path: path, Version: v}
		}
	}
	if api.Version == "" {
		return api, nil
	}
	for _, path := range OpenTelemetryModules[openTelemetryAPIModules:] {
		if v := selected[path]; semver.IsValid(v) && semver.Compare(v, api.Version) < 0 {
			behind = append(behind, module.Version{Path: path, Version: v})
		}
	}
	return api, behind
}
