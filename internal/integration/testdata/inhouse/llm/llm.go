// Package llm is an in-house LLM client, as many companies write one: its
// own types over an OpenAI-compatible HTTP API, which no llminstr rule
// knows. llminstr.yaml tells llminstr where its attributes are.
package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// Client calls an OpenAI-compatible chat completions endpoint.
type Client struct {
	BaseURL string
	Key     string
}

// Request is one prompt to a model.
type Request struct {
	Model  string
	Prompt string
}

// Usage counts tokens.
type Usage struct {
	Prompt     int `json:"prompt_tokens"`
	Completion int `json:"completion_tokens"`
}

// Reply is the model's answer.
type Reply struct {
	ID     string
	Model  string
	Text   string
	Reason string
	Usage  *Usage
}

// Complete sends req and returns the first choice.
func (c *Client) Complete(ctx context.Context, req *Request) (*Reply, error) {
	body, _ := json.Marshal(map[string]any{
		"model":    req.Model,
		"messages": []map[string]string{{"role": "user", "content": req.Prompt}},
	})
	hreq, err := http.NewRequestWithContext(ctx, "POST", c.BaseURL+"chat/completions", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Authorization", "Bearer "+c.Key)
	hreq.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(hreq)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("llm: %s", resp.Status)
	}
	var out struct {
		ID      string `json:"id"`
		Model   string `json:"model"`
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage *Usage `json:"usage"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	if len(out.Choices) == 0 {
		return nil, fmt.Errorf("llm: no choices")
	}
	return &Reply{ID: out.ID, Model: out.Model, Text: out.Choices[0].Message.Content, Reason: out.Choices[0].FinishReason, Usage: out.Usage}, nil
}
