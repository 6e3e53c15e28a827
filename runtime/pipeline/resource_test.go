package pipeline_test

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"

	"github.com/llminstr/llminstr/runtime/pipeline"
)

// TestResourceFromEnv: OTEL_SERVICE_NAME wins over OTEL_RESOURCE_ATTRIBUTES,
// which wins over the defaults; values are percent-decoded; entries that
// cannot be read are reported and the rest kept.
func TestResourceFromEnv(t *testing.T) {
	for _, tc := range []struct {
		env     map[string]string
		want    map[string]string
		wantLen int
		wantErr string
	}{
		{map[string]string{}, map[string]string{"service.name": "unknown_service:", "telemetry.sdk.name": "llminstr", "telemetry.sdk.version": "1.2.3", "telemetry.sdk.language": "go"}, 4, ""},
		{map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=chat, deployment.environment = prod%20eu ,team=a=b"},
			map[string]string{"service.name": "chat", "deployment.environment": "prod eu", "team": "a=b"}, 6, ""},
		{map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=chat,telemetry.sdk.name=x", "OTEL_SERVICE_NAME": "agent"},
			map[string]string{"service.name": "agent", "telemetry.sdk.name": "x"}, 4, ""},
		{map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "novalue,=v,ok=1,bad=%zz"},
			map[string]string{"ok": "1", "bad": "%zz"}, 6, `"novalue", "=v", "bad=%zz" (kept undecoded)`},
	} {
		r, err := pipeline.ResourceFromEnv(func(k string) string { return tc.env[k] }, "llminstr", "1.2.3")
		if (err != nil) != (tc.wantErr != "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
			t.Errorf("%v: error %v, want %q", tc.env, err, tc.wantErr)
		}
		for k, want := range tc.want {
			v, ok := r.Attributes.Value(attribute.Key(k))
			if got := v.AsString(); !ok || got != want && !(want == "unknown_service:" && strings.HasPrefix(got, want)) {
				t.Errorf("%v: %s = %q, want %q", tc.env, k, got, want)
			}
		}
		if r.Attributes.Len() != tc.wantLen {
			t.Errorf("%v: %d attributes: %v", tc.env, r.Attributes.Len(), r.Attributes.ToSlice())
		}
	}
}
