// Command adk runs a Google ADK agent on a Gemini model served at
// ADKAPP_BASE_URL. ADK traces its own runs (invoke_agent, generate_content)
// through the global TracerProvider; llminstr's genai rule rewrites the
// genai call ADK makes.
//
//	adk          no TracerProvider of the program's: ADK's spans do not
//	             record, and llminstr's generate_content span is the one
//	adk appotel  the program sets ADK's telemetry (OTLP from the
//	             environment) as the global providers: ADK's spans record,
//	             and its generate_content span is the request's only one
//
// A second argument "tool" gives the agent a tool the model calls, "stream"
// streams the model's answers.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"google.golang.org/adk/agent"
	"google.golang.org/adk/agent/llmagent"
	"google.golang.org/adk/model/gemini"
	"google.golang.org/adk/runner"
	"google.golang.org/adk/session"
	"google.golang.org/adk/telemetry"
	"google.golang.org/adk/tool"
	"google.golang.org/adk/tool/functiontool"
	"google.golang.org/genai"
)

type weatherInput struct {
	City string `json:"city"`
}

type weatherOutput struct {
	Weather string `json:"weather"`
}

func main() {
	ctx := context.Background()
	if len(os.Args) > 1 && os.Args[1] == "appotel" {
		providers, err := telemetry.New(ctx)
		if err != nil {
			log.Fatal(err)
		}
		providers.SetGlobalOtelProviders()
		defer providers.Shutdown(ctx)
	}
	model, err := gemini.NewModel(ctx, "gemini-2.5-flash", &genai.ClientConfig{
		APIKey:      "test-key",
		Backend:     genai.BackendGeminiAPI,
		HTTPOptions: genai.HTTPOptions{BaseURL: os.Getenv("ADKAPP_BASE_URL")},
	})
	if err != nil {
		log.Fatal(err)
	}
	mode := ""
	if len(os.Args) > 2 {
		mode = os.Args[2]
	}
	cfg := llmagent.Config{Name: "helper", Model: model, Instruction: "Answer briefly."}
	if mode == "tool" {
		weather, err := functiontool.New(functiontool.Config{Name: "get_weather", Description: "The weather in a city"},
			func(ctx tool.Context, in weatherInput) (weatherOutput, error) {
				return weatherOutput{Weather: "sunny in " + in.City}, nil
			})
		if err != nil {
			log.Fatal(err)
		}
		cfg.Tools = []tool.Tool{weather}
	}
	a, err := llmagent.New(cfg)
	if err != nil {
		log.Fatal(err)
	}
	sessions := session.InMemoryService()
	r, err := runner.New(runner.Config{AppName: "app", Agent: a, SessionService: sessions})
	if err != nil {
		log.Fatal(err)
	}
	created, err := sessions.Create(ctx, &session.CreateRequest{AppName: "app", UserID: "user"})
	if err != nil {
		log.Fatal(err)
	}
	run := agent.RunConfig{}
	if mode == "stream" {
		run.StreamingMode = agent.StreamingModeSSE
	}
	for event, err := range r.Run(ctx, "user", created.Session.ID(), genai.NewContentFromText("Say hello.", genai.RoleUser), run) {
		if err != nil {
			log.Fatal(err)
		}
		if event.Content == nil || event.Partial {
			continue
		}
		for _, p := range event.Content.Parts {
			switch {
			case p.Text != "":
				fmt.Println("answer:", p.Text)
			case p.FunctionCall != nil:
				fmt.Println("call:", p.FunctionCall.Name)
			case p.FunctionResponse != nil:
				fmt.Println("result:", p.FunctionResponse.Response)
			}
		}
	}
}
