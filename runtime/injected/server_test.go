package injected

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A client whose configuration says its provider records it on its calls,
// whatever the host; a plain Transport decides by host.
func TestProviderTransport(t *testing.T) {
	rec := withAppProvider(t)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer server.Close()
	for _, tc := range []struct {
		transport http.RoundTripper
		want      string
	}{
		{Transport(nil), "gcp.gemini"},
		{ProviderTransport(nil, "gcp.vertex_ai"), "gcp.vertex_ai"},
		{ProviderTransport(Transport(nil), "gcp.vertex_ai"), "gcp.vertex_ai"},
	} {
		rec.Reset()
		ctx, c := StartInference(context.Background(), "generate_content", "gcp.gemini", "gemini-2.5-flash")
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, server.URL, nil)
		res, err := (&http.Client{Transport: tc.transport}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		c.End(nil)
		spans := rec.Ended()
		if len(spans) != 1 {
			t.Fatalf("%d spans", len(spans))
		}
		if got := emitted(spans[0].Attributes())["gen_ai.provider.name"]; got != tc.want {
			t.Errorf("provider %q, want %q", got, tc.want)
		}
	}
	if _, ok := ProviderTransport(Transport(nil), "x").(observingTransport).inner.(observingTransport); ok {
		t.Error("ProviderTransport wrapped an observing transport in another")
	}
}
