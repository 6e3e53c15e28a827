// Command bedrockapp calls the Bedrock runtime's Converse API through
// github.com/aws/aws-sdk-go-v2 in the ways real programs do; it is built
// with -toolexec=llminstr by the integration tests.
package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime"
	"github.com/aws/aws-sdk-go-v2/service/bedrockruntime/types"
)

func main() {
	ctx := context.Background()
	client := bedrockruntime.New(bedrockruntime.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(os.Getenv("BEDROCKAPP_BASE_URL")),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAIOSFODNN7EXAMPLE", "bedrock-test-secret", ""),
	})
	model := "amazon.nova-micro-v1:0"
	messages := []types.Message{{Role: types.ConversationRoleUser, Content: []types.ContentBlock{&types.ContentBlockMemberText{Value: "Say this is a test"}}}}
	config := &types.InferenceConfiguration{MaxTokens: aws.Int32(64), Temperature: aws.Float32(0.8), TopP: aws.Float32(1), StopSequences: []string{"|"}}
	system := []types.SystemContentBlock{&types.SystemContentBlockMemberText{Value: "You are terse."}}
	var err error
	switch mode := os.Args[1]; mode {
	case "converse":
		var out *bedrockruntime.ConverseOutput
		out, err = client.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: &model, Messages: messages, InferenceConfig: config, System: system})
		if err == nil {
			fmt.Println("answer:", out.Output.(*types.ConverseOutputMemberMessage).Value.Content[0].(*types.ContentBlockMemberText).Value)
		}
	case "stream", "throttled":
		if mode == "throttled" {
			model = "throttled-model"
		}
		var out *bedrockruntime.ConverseStreamOutput
		out, err = client.ConverseStream(ctx, &bedrockruntime.ConverseStreamInput{ModelId: &model, Messages: messages, InferenceConfig: config, System: system})
		if err != nil {
			break
		}
		stream := out.GetStream()
		var text strings.Builder
		for ev := range stream.Events() {
			if d, ok := ev.(*types.ConverseStreamOutputMemberContentBlockDelta); ok {
				if t, ok := d.Value.Delta.(*types.ContentBlockDeltaMemberText); ok {
					text.WriteString(t.Value)
				}
			}
		}
		stream.Close()
		err = stream.Err()
		fmt.Println("streamed:", text.String())
		if mode == "throttled" {
			fmt.Println("error:", err)
			err = nil
		}
	case "error":
		model = "no-such-model"
		_, err = client.Converse(ctx, &bedrockruntime.ConverseInput{ModelId: &model, Messages: messages})
		fmt.Println("error:", err != nil)
		err = nil
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
