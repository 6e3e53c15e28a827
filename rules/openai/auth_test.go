package openai

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/llminstr/llminstr/internal/llmtest"
	openai "github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/auth"
	"github.com/openai/openai-go/v3/option"
)

type subjectToken struct{}

func (subjectToken) TokenType() auth.SubjectTokenType { return auth.SubjectTokenTypeJWT }
func (subjectToken) GetToken(context.Context, auth.HTTPDoer) (string, error) {
	return "subject-token", nil
}

// TestWorkloadIdentityRetry: under workload identity the SDK answers a 401
// by fetching a new token and sending the request again, body included;
// it replays the body only when no middleware but its own is installed.
// The traced call must do what the SDK does (the shape of openai-go's own
// TestWorkloadIdentity401Retry), and record the server from the base URL.
func TestWorkloadIdentityRetry(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec)))
	t.Cleanup(func() { otel.SetTracerProvider(prev) })

	var mu sync.Mutex
	counts := map[string]int{}
	var bodies []string
	transport := roundTripper(func(req *http.Request) (*http.Response, error) {
		mu.Lock()
		defer mu.Unlock()
		json := func(status int, body string) (*http.Response, error) {
			return &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {"application/json"}},
				Body: io.NopCloser(strings.NewReader(body)), Request: req}, nil
		}
		if strings.Contains(req.URL.Path, "/oauth/token") {
			counts["oauth"]++
			return json(200, `{"access_token": "token", "expires_in": 3600}`)
		}
		counts["api"]++
		b, _ := io.ReadAll(req.Body)
		bodies = append(bodies, string(b))
		if counts["api"] == 1 {
			return json(401, `{"error": {"message": "Unauthorized"}}`)
		}
		return json(200, `{"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini", "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}]}`)
	})
	client := openai.NewClient(
		option.WithBaseURL("https://llm.example.com:8443/v1/"),
		option.WithWorkloadIdentity(auth.WorkloadIdentity{IdentityProviderID: "idp", ServiceAccountID: "sa", Provider: subjectToken{}}),
		option.WithHTTPClient(&http.Client{Transport: transport}),
	)
	res, err := llminstrOpenAIChatNew(client.Chat.Completions.New, context.Background(), chatParams())
	if err != nil {
		t.Fatalf("traced call failed after the retry: %v", err)
	}
	if res.ID != "chatcmpl-1" || counts["api"] != 2 || counts["oauth"] != 2 {
		t.Errorf("id %q, %d API calls and %d token calls; want chatcmpl-1, 2 and 2", res.ID, counts["api"], counts["oauth"])
	}
	if len(bodies) != 2 || bodies[0] == "" || bodies[0] != bodies[1] {
		t.Errorf("the retry did not send the same body: %q", bodies)
	}
	spans := rec.Ended()
	if len(spans) != 1 {
		t.Fatalf("%d spans, want 1", len(spans))
	}
	a := llmtest.Attrs(spans[0])
	if a["server.address"].AsString() != "llm.example.com" || a["server.port"].AsInt64() != 8443 || a["gen_ai.response.id"].AsString() != "chatcmpl-1" {
		t.Errorf("attributes: %v", a)
	}
}
