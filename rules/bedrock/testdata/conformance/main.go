// Command conformance replays recorded Bedrock traffic through the AWS
// SDK's bedrockruntime: it
// reads the interactions (JSON) named by REPLAY_FILE, makes the same calls
// with the recorded request bodies, and serves the recorded responses from
// an http.RoundTripper, so the SDK talks to Bedrock as it
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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

// converseRequest is the recorded Converse body.
type converseRequest struct {
	Messages []struct {
		Role    string
		Content []struct{ Text string }
	}
	InferenceConfig struct {
		MaxTokens     *int32
		Temperature   *float32
		TopP          *float32
		StopSequences []string
	}
}

func main() {
	recorded, err := replay.FromEnv()
	if err != nil {
		log.Fatal(err)
	}
	its := recorded.Interactions
	client := bedrockruntime.New(bedrockruntime.Options{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "test", ""),
		HTTPClient:  recorded.Client(),
	})
	ctx := context.Background()
	for _, it := range its {
		model, ok := strings.CutSuffix(it.URI[strings.Index(it.URI, "/model/")+len("/model/"):], "/converse")
		if !ok {
			log.Fatalf("no replay for %s", it.URI)
		}
		var req converseRequest
		if err := json.Unmarshal([]byte(it.RequestBody), &req); err != nil {
			log.Fatal(err)
		}
		in := &bedrockruntime.ConverseInput{ModelId: aws.String(model), InferenceConfig: &types.InferenceConfiguration{
			MaxTokens: req.InferenceConfig.MaxTokens, Temperature: req.InferenceConfig.Temperature,
			TopP: req.InferenceConfig.TopP, StopSequences: req.InferenceConfig.StopSequences,
		}}
		for _, m := range req.Messages {
			msg := types.Message{Role: types.ConversationRole(m.Role)}
			for _, c := range m.Content {
				msg.Content = append(msg.Content, &types.ContentBlockMemberText{Value: c.Text})
			}
			in.Messages = append(in.Messages, msg)
		}
		out, err := client.Converse(ctx, in)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println("stop:", out.StopReason)
	}
}
