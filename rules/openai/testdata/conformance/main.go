// Command conformance replays recorded OpenAI traffic through openai-go: it
// reads the interactions (JSON) named by REPLAY_FILE, makes the same calls
// with the recorded request bodies, and serves the recorded responses from
// an http.RoundTripper, so the SDK talks to https://api.openai.com as it
// did when the traffic was recorded. Built with -toolexec=llminstr by the
// conformance test.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"strings"

	"llminstr.test/replay"

	llminstr "github.com/llminstr/llminstr/runtime"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploghttp"
	otellog "go.opentelemetry.io/otel/log"
	sdklog "go.opentelemetry.io/otel/sdk/log"
)

func main() {
	recorded, err := replay.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	its := recorded.Interactions
	// The application forwards llminstr's structured events to its own
	// OpenTelemetry log pipeline.
	exporter, err := otlploghttp.New(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	logs := sdklog.NewLoggerProvider(sdklog.WithProcessor(sdklog.NewSimpleProcessor(exporter)))
	defer logs.Shutdown(context.Background())
	logger := logs.Logger("conformance")
	llminstr.SetEventSink(func(ctx context.Context, e llminstr.Event) {
		var r otellog.Record
		r.SetEventName(e.Name)
		for k, v := range e.Attributes {
			r.AddAttributes(otellog.KeyValue{Key: k, Value: logValue(v)})
		}
		logger.Emit(ctx, r)
	})

	client := openai.NewClient(
		option.WithAPIKey("test_openai_api_key"),
		option.WithHTTPClient(recorded.Client()),
		option.WithMaxRetries(0),
	)
	ctx := context.Background()
	for _, it := range its {
		var stream bool
		var probe struct{ Stream bool }
		if json.Unmarshal([]byte(it.RequestBody), &probe) == nil {
			stream = probe.Stream
		}
		switch {
		case strings.HasSuffix(it.URI, "/chat/completions"):
			var p openai.ChatCompletionNewParams
			if err := json.Unmarshal([]byte(it.RequestBody), &p); err != nil {
				log.Fatal(err)
			}
			if stream {
				s := client.Chat.Completions.NewStreaming(ctx, p)
				n := 0
				for s.Next() {
					n++
				}
				if err := s.Err(); err != nil {
					log.Fatal(err)
				}
				fmt.Println("chunks:", n)
			} else {
				res, err := client.Chat.Completions.New(ctx, p)
				if err != nil {
					log.Fatal(err)
				}
				fmt.Println("id:", res.ID)
			}
		case strings.HasSuffix(it.URI, "/embeddings"):
			var p openai.EmbeddingNewParams
			if err := json.Unmarshal([]byte(it.RequestBody), &p); err != nil {
				log.Fatal(err)
			}
			res, err := client.Embeddings.New(ctx, p)
			if err != nil {
				log.Fatal(err)
			}
			fmt.Println("vectors:", len(res.Data))
		default:
			log.Fatalf("no replay for %s", it.URI)
		}
	}
}

// logValue converts a structured event value to a log value.
func logValue(v any) otellog.Value {
	switch x := v.(type) {
	case string:
		return otellog.StringValue(x)
	case float64:
		return otellog.Float64Value(x)
	case int64:
		return otellog.Int64Value(x)
	case bool:
		return otellog.BoolValue(x)
	case []any:
		vs := make([]otellog.Value, len(x))
		for i, e := range x {
			vs[i] = logValue(e)
		}
		return otellog.SliceValue(vs...)
	case map[string]any:
		kvs := make([]otellog.KeyValue, 0, len(x))
		for k, e := range x {
			kvs = append(kvs, otellog.KeyValue{Key: k, Value: logValue(e)})
		}
		return otellog.MapValue(kvs...)
	}
	return otellog.StringValue(fmt.Sprint(v))
}
