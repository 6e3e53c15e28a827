// Package cassette reads recorded HTTP exchanges (vcrpy YAML cassettes, as
// the conformance data in ../shared/conformance holds) into plain values a
// replaying RoundTripper can serve.
package cassette

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Interaction is one recorded request and its response.
type Interaction struct {
	Method      string
	URI         string
	RequestBody string
	Status      int
	Header      http.Header
	Body        []byte
}

type file struct {
	Interactions []struct {
		Request struct {
			Body   string `yaml:"body"`
			Method string `yaml:"method"`
			URI    string `yaml:"uri"`
		} `yaml:"request"`
		Response struct {
			Body struct {
				String string `yaml:"string"`
			} `yaml:"body"`
			Headers map[string]any `yaml:"headers"`
			Status  struct {
				Code int `yaml:"code"`
			} `yaml:"status"`
		} `yaml:"response"`
	} `yaml:"interactions"`
}

// Load reads a cassette. Response bodies are returned decoded: a gzip body
// is unzipped and its Content-Encoding dropped; Content-Length and
// Transfer-Encoding are dropped, since re-printed bodies no longer match them.
func Load(path string) ([]Interaction, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var f file
	if err := yaml.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []Interaction
	for i, it := range f.Interactions {
		h := http.Header{}
		for k, v := range it.Response.Headers {
			switch v := v.(type) {
			case []any:
				for _, e := range v {
					h.Add(k, fmt.Sprint(e))
				}
			default:
				h.Add(k, fmt.Sprint(v))
			}
		}
		body := []byte(it.Response.Body.String)
		if strings.EqualFold(h.Get("Content-Encoding"), "gzip") {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				return nil, fmt.Errorf("%s: interaction %d: %w", path, i, err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				return nil, fmt.Errorf("%s: interaction %d: %w", path, i, err)
			}
			h.Del("Content-Encoding")
		}
		h.Del("Content-Length")
		h.Del("Transfer-Encoding")
		out = append(out, Interaction{
			Method: it.Request.Method, URI: it.Request.URI, RequestBody: it.Request.Body,
			Status: it.Response.Status.Code, Header: h, Body: body,
		})
	}
	return out, nil
}

// WriteJSON writes interactions as JSON, the form replaying programs read.
func WriteJSON(path string, its []Interaction) error {
	data, err := json.Marshal(its)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o666)
}
