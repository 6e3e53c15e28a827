package toolexec

import (
	"reflect"
	"testing"

	"golang.org/x/mod/module"
)

func TestSDKBehindAPI(t *testing.T) {
	for _, tc := range []struct {
		listed string
		api    module.Version
		behind []module.Version
	}{
		// langchaingo's dependencies: the API at v1.36, the runtime's SDK.
		{"go.opentelemetry.io/otel v1.36.0\ngo.opentelemetry.io/otel/trace v1.36.0\ngo.opentelemetry.io/otel/metric v1.36.0\n" +
			"go.opentelemetry.io/otel/sdk v1.36.0\ngo.opentelemetry.io/otel/sdk/metric v1.24.0\n",
			module.Version{Path: "go.opentelemetry.io/otel", Version: "v1.36.0"},
			[]module.Version{{Path: "go.opentelemetry.io/otel/sdk/metric", Version: "v1.24.0"}}},
		// The newest API module counts.
		{"go.opentelemetry.io/otel v1.24.0\ngo.opentelemetry.io/otel/trace v1.24.0\ngo.opentelemetry.io/otel/metric v1.38.0\n" +
			"go.opentelemetry.io/otel/sdk v1.24.0\ngo.opentelemetry.io/otel/sdk/metric v1.38.0",
			module.Version{Path: "go.opentelemetry.io/otel/metric", Version: "v1.38.0"},
			[]module.Version{{Path: "go.opentelemetry.io/otel/sdk", Version: "v1.24.0"}}},
		// Aligned, or a newer SDK: nothing behind.
		{"go.opentelemetry.io/otel v1.29.0\ngo.opentelemetry.io/otel/sdk v1.30.0\ngo.opentelemetry.io/otel/sdk/metric v1.29.0",
			module.Version{Path: "go.opentelemetry.io/otel", Version: "v1.29.0"}, nil},
		// Nothing listed.
		{"", module.Version{}, nil},
	} {
		api, behind := SDKBehindAPI(tc.listed)
		if api != tc.api || !reflect.DeepEqual(behind, tc.behind) {
			t.Errorf("SDKBehindAPI(%q) = %v, %v; want %v, %v", tc.listed, api, behind, tc.api, tc.behind)
		}
	}
}
