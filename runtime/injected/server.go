package injected

import (
	"context"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
)

// providerForHost refines gen_ai.provider.name by the host a request goes
// to, for models served by a cloud under its own name: an OpenAI SDK
// talking to Azure OpenAI, Gemini or Claude on Vertex AI, Claude on Bedrock.
func providerForHost(provider, host string) string {
	vertex := host == "aiplatform.googleapis.com" || strings.HasSuffix(host, "-aiplatform.googleapis.com")
	switch {
	case provider == "openai" && (strings.HasSuffix(host, ".openai.azure.com") || strings.HasSuffix(host, ".cognitiveservices.azure.com")):
		return "azure.ai.openai"
	case (provider == "gcp.gemini" || provider == "anthropic") && vertex:
		return "gcp.vertex_ai"
	case provider == "anthropic" && strings.HasPrefix(host, "bedrock-runtime.") && strings.HasSuffix(host, ".amazonaws.com"):
		return "aws.bedrock"
	}
	return provider
}

// TraceHTTP returns ctx with a client trace that records, on c, the server
// of each connection the call's requests ask for (see [Call.SetServerURL]).
// It sees requests sent through net/http's Transport, whatever wraps it.
func TraceHTTP(ctx context.Context, c *Call) context.Context {
	if ctx == nil || c == nil {
		return ctx
	}
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GetConn: func(hostPort string) {
			defer recoverAndWarn()
			c.SetServerURL(&url.URL{Scheme: "https", Host: hostPort})
		},
	})
}

// Transport returns a RoundTripper that records the server of each request
// made for a call (the request's context is the call's, see [CallFrom]) and
// then sends it with inner (http.DefaultTransport when nil). Adapters wrap
// the HTTP clients that programs hand their SDKs with it.
func Transport(inner http.RoundTripper) http.RoundTripper {
	if inner == nil {
		inner = http.DefaultTransport
	}
	return observingTransport{inner: inner}
}

// ProviderTransport is [Transport] for a client whose provider its
// configuration tells (a genai client for the Vertex AI backend): the calls
// its requests are made for record provider as gen_ai.provider.name,
// whatever host they go to (a regional or private endpoint, a proxy).
func ProviderTransport(inner http.RoundTripper, provider string) http.RoundTripper {
	if t, ok := inner.(observingTransport); ok {
		t.provider = provider
		return t
	}
	t := Transport(inner).(observingTransport)
	t.provider = provider
	return t
}

type observingTransport struct {
	inner    http.RoundTripper
	provider string // "" to decide by host
}

func (t observingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if t.provider != "" && req != nil {
		func() {
			defer recoverAndWarn()
			CallFrom(req.Context()).SetProviderName(t.provider)
		}()
	}
	ObserveRequest(req)
	return t.inner.RoundTrip(req)
}

// ObserveRequest records the server of req on the call its context
// belongs to, if any.
func ObserveRequest(req *http.Request) {
	defer recoverAndWarn()
	if req != nil {
		CallFrom(req.Context()).SetServerURL(req.URL)
	}
}

// Float32 widens a float32 request parameter to the float64 with the same
// shortest decimal form, the number the request carries: 0.9, not
// 0.8999999761581421.
func Float32(f float32) float64 {
	v, err := strconv.ParseFloat(strconv.FormatFloat(float64(f), 'g', -1, 32), 64)
	if err != nil {
		return float64(f)
	}
	return v
}
