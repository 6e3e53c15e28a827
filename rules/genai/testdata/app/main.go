// Command genaiapp calls the Gemini API through google.golang.org/genai in
// the ways real programs do; it is built with -toolexec=llminstr by the
// integration tests.
package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"

	"cloud.google.com/go/auth"
	"google.golang.org/genai"
)

func config(tools bool) *genai.GenerateContentConfig {
	cfg := &genai.GenerateContentConfig{
		Temperature:       genai.Ptr[float32](0.7),
		TopK:              genai.Ptr[float32](20),
		MaxOutputTokens:   128,
		StopSequences:     []string{"END"},
		SystemInstruction: genai.NewContentFromText("You are terse.", genai.RoleUser),
	}
	if tools {
		cfg.Tools = []*genai.Tool{{FunctionDeclarations: []*genai.FunctionDeclaration{{
			Name: "get_weather", Description: "The weather in a city",
			ParametersJsonSchema: map[string]any{"type": "object", "properties": map[string]any{"city": map[string]any{"type": "string"}}},
		}}}}
	}
	return cfg
}

func main() {
	ctx := context.Background()
	client, err := genai.NewClient(ctx, &genai.ClientConfig{
		APIKey: "gemini-test-secret", Backend: genai.BackendGeminiAPI,
		HTTPOptions: genai.HTTPOptions{BaseURL: os.Getenv("GENAIAPP_BASE_URL")},
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	contents := genai.Text("Say this is a test")
	if os.Args[1] == "vertex" {
		// Vertex AI through a private endpoint (here the local server):
		// the host is not aiplatform.googleapis.com.
		client, err = genai.NewClient(ctx, &genai.ClientConfig{
			Backend: genai.BackendVertexAI, Project: "proj", Location: "us-central1",
			Credentials: auth.NewCredentials(&auth.CredentialsOptions{TokenProvider: testToken{}}),
			HTTPClient:  &http.Client{},
			HTTPOptions: genai.HTTPOptions{BaseURL: os.Getenv("GENAIAPP_BASE_URL")},
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	switch mode := os.Args[1]; mode {
	case "plain", "tools", "vertex":
		var res *genai.GenerateContentResponse
		res, err = client.Models.GenerateContent(ctx, "gemini-2.5-flash", contents, config(mode == "tools"))
		if err == nil {
			fmt.Println("answer:", res.Text())
		}
	case "stream", "early":
		var text strings.Builder
		for res, serr := range client.Models.GenerateContentStream(ctx, "gemini-2.5-flash", contents, config(false)) {
			if serr != nil {
				err = serr
				break
			}
			text.WriteString(res.Text())
			if mode == "early" {
				break // a consumer that stops at the first chunk
			}
		}
		fmt.Println("streamed:", text.String())
	case "chat", "chat_stream":
		history := []*genai.Content{genai.NewContentFromText("Hi", genai.RoleUser), genai.NewContentFromText("Hello.", genai.RoleModel)}
		var chat *genai.Chat
		chat, err = client.Chats.Create(ctx, "gemini-2.5-flash", config(false), history)
		if err != nil {
			break
		}
		turn(ctx, chat, mode == "chat_stream")
	case "embed":
		var res *genai.EmbedContentResponse
		res, err = client.Models.EmbedContent(ctx, "text-embedding-004", contents, nil)
		if err == nil {
			fmt.Println("dimensions:", len(res.Embeddings[0].Values))
		}
	case "error":
		_, err = client.Models.GenerateContent(ctx, "no-such-model", contents, nil)
		fmt.Println("error:", err != nil)
		err = nil
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

// turn sends one chat message, from a function that gets the chat from its
// caller.
func turn(ctx context.Context, chat *genai.Chat, stream bool) {
	if !stream {
		res, err := chat.SendMessage(ctx, genai.Part{Text: "Say this is a test"})
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		fmt.Println("answer:", res.Text())
		return
	}
	var text strings.Builder
	for res, err := range chat.SendMessageStream(ctx, genai.Part{Text: "Say this is a test"}) {
		if err != nil {
			fmt.Fprintln(os.Stderr, "error:", err)
			os.Exit(1)
		}
		text.WriteString(res.Text())
	}
	fmt.Println("streamed:", text.String())
}

// testToken is the token of a test's Vertex AI credentials.
type testToken struct{}

func (testToken) Token(context.Context) (*auth.Token, error) {
	return &auth.Token{Value: "vertex-test-token"}, nil
}
