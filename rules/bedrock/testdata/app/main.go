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
	case "invoke", "invoke-stream":
		// os.Args[2] is the model id; the body is its family's own JSON.
		err = invoke(ctx, client, os.Args[2], mode == "invoke-stream")
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

// invokeBodies are request bodies of InvokeModel, by model family.
var invokeBodies = map[string]string{
	"anthropic": `{"anthropic_version":"bedrock-2023-05-31","max_tokens":64,"temperature":0.8,"top_p":1,"top_k":20,"stop_sequences":["|"],` +
		`"system":"You are terse.","messages":[{"role":"user","content":"Say this is a test"}]}`,
	"nova": `{"schemaVersion":"messages-v1","system":[{"text":"You are terse."}],"messages":[{"role":"user","content":[{"text":"Say this is a test"}]}],` +
		`"inferenceConfig":{"max_new_tokens":64,"temperature":0.8,"topP":1,"topK":20,"stopSequences":["|"]}}`,
	"titan-text": `{"inputText":"Say this is a test","textGenerationConfig":{"maxTokenCount":64,"temperature":0.8,"topP":1,"stopSequences":["|"]}}`,
	"llama":      `{"prompt":"Say this is a test","max_gen_len":64,"temperature":0.8,"top_p":1}`,
	"mistral":    `{"prompt":"<s>[INST] Say this is a test [/INST]","max_tokens":64,"temperature":0.8,"top_p":1,"top_k":20,"stop":["|"]}`,
	"cohere":     `{"prompt":"Say this is a test","max_tokens":64,"temperature":0.8,"p":1,"k":20,"stop_sequences":["|"]}`,
	"embed":      `{"inputText":"Say this is a test","dimensions":256}`,
}

func invoke(ctx context.Context, client *bedrockruntime.Client, model string, stream bool) error {
	var body string
	for family, b := range invokeBodies {
		if strings.Contains(model, family) {
			body = b
		}
	}
	if !stream {
		out, err := client.InvokeModel(ctx, &bedrockruntime.InvokeModelInput{ModelId: &model, Body: []byte(body), ContentType: aws.String("application/json")})
		if err != nil {
			return err
		}
		fmt.Println("body:", string(out.Body))
		return nil
	}
	out, err := client.InvokeModelWithResponseStream(ctx, &bedrockruntime.InvokeModelWithResponseStreamInput{
		ModelId: &model, Body: []byte(body), ContentType: aws.String("application/json")})
	if err != nil {
		return err
	}
	events := out.GetStream()
	n := 0
	for ev := range events.Events() {
		if _, ok := ev.(*types.ResponseStreamMemberChunk); ok {
			n++
		}
	}
	events.Close()
	fmt.Println("chunks:", n)
	return events.Err()
}
