package integration

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/llminstr/llminstr/internal/llmtest"

	"github.com/llminstr/llminstr/internal/fakeprovider"
	"github.com/llminstr/llminstr/internal/otlpreceiver"
	"github.com/llminstr/llminstr/rules/openai/openaitest"
)

// TestCollector sends an instrumented program's spans and metrics through a
// real OpenTelemetry Collector (built from the core modules in e2e/, which
// the go command fetches from the module proxy), over OTLP/gRPC and
// OTLP/HTTP. The collector forwards what it accepted over OTLP/HTTP to a
// receiver in the test, which checks that it arrived intact.
func TestCollector(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the OpenTelemetry Collector")
	}
	collector := filepath.Join(t.TempDir(), "collector")
	llmtest.Run(t, filepath.Join(llmtest.RepoRoot(), "e2e"), nil, "go", "build", "-o", collector, "./collector")

	downstream := otlpreceiver.Start()
	defer downstream.Close()
	grpcAddr, httpAddr := freeAddr(t), freeAddr(t)
	config := filepath.Join(t.TempDir(), "collector.yaml")
	os.WriteFile(config, []byte(fmt.Sprintf(`receivers:
  otlp:
    protocols:
      grpc:
        endpoint: %s
      http:
        endpoint: %s
exporters:
  otlphttp:
    endpoint: %s
    compression: none
  debug:
    verbosity: basic
service:
  telemetry:
    metrics:
      level: none
  pipelines:
    traces:
      receivers: [otlp]
      exporters: [otlphttp, debug]
    metrics:
      receivers: [otlp]
      exporters: [otlphttp, debug]
`, grpcAddr, httpAddr, downstream.URL())), 0o666)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, collector, "--config", config)
	var log strings.Builder
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			t.Logf("collector log:\n%s", log.String())
		}
	}()
	for _, addr := range []string{grpcAddr, httpAddr} {
		waitListening(t, addr, 60*time.Second)
	}

	dir := copyApp(t, "openai")
	bin := filepath.Join(t.TempDir(), "chatapp")
	llmtest.Run(t, dir, nil, "go", "build", "-toolexec="+llminstrBin, "-o", bin, ".")
	provider := newEnv(t).Provider
	for _, tc := range []struct{ protocol, endpoint string }{
		{"grpc", "http://" + grpcAddr},
		{"http/protobuf", "http://" + httpAddr},
	} {
		t.Run(strings.ReplaceAll(tc.protocol, "/", "_"), func(t *testing.T) {
			downstream.Reset()
			out, err := llmtest.RunErr("", []string{
				"CHATAPP_BASE_URL=" + provider.URL + "/v1/",
				"OTEL_EXPORTER_OTLP_ENDPOINT=" + tc.endpoint,
				"OTEL_EXPORTER_OTLP_PROTOCOL=" + tc.protocol,
				"OTEL_SERVICE_NAME=through-collector",
				"OTEL_RESOURCE_ATTRIBUTES=deployment.environment.name=e2e",
			}, bin, "stream")
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			// The collector forwards asynchronously.
			deadline := time.Now().Add(30 * time.Second)
			for (len(llmtest.ChatSpans(downstream.Spans())) == 0 || len(downstream.Points()) == 0) && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			s := llmtest.OneChatSpan(t, downstream.Spans())
			llmtest.WantAttrs(t, s, map[string]any{
				"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o-mini",
				"gen_ai.request.temperature": 0.5, "gen_ai.request.stop_sequences": []any{"\n\n", "END"},
				"gen_ai.request.stream": true, "gen_ai.response.id": openaitest.ResponseID,
				"gen_ai.response.finish_reasons": []any{"stop", "stop"},
				"gen_ai.usage.input_tokens":      int64(openaitest.PromptTokens),
				"gen_ai.usage.output_tokens":     int64(2 * len(fakeprovider.AnswerChunks)),
			})
			if s.Kind != "client" || s.Resource["service.name"] != "through-collector" || s.Resource["deployment.environment.name"] != "e2e" {
				t.Errorf("kind %s, resource %v", s.Kind, s.Resource)
			}
			metrics := map[string]bool{}
			for _, p := range downstream.Points() {
				metrics[p.Metric] = true
			}
			if !metrics["gen_ai.client.operation.duration"] || !metrics["gen_ai.client.token.usage"] {
				t.Errorf("metrics through the collector: %v", metrics)
			}
		})
	}
}

// freeAddr returns a loopback address no one listens on.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func waitListening(t *testing.T, addr string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the collector does not listen on %s: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
