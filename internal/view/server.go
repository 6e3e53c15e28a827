package view

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// maxRequest bounds an OTLP request body, after decompression.
const maxRequest = 64 << 20

// Receiver is an OTLP/HTTP receiver that keeps the spans it is sent in a
// Set and serves the live page: POST /v1/traces (protobuf or JSON, gzip
// or not), POST /v1/metrics and /v1/logs (accepted and dropped), GET /
// (the page) and GET /api/data (what the page shows).
type Receiver struct {
	Set   *Set
	Title string
	// OnSpans, if set, is called with the spans of each request that
	// were new.
	OnSpans func([]*Span)
}

func (rcv *Receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/v1/traces":
		rcv.export(w, r, true)
	case r.URL.Path == "/v1/metrics" || r.URL.Path == "/v1/logs":
		rcv.export(w, r, false)
	case r.URL.Path == "/" && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		writeLivePage(w, rcv.Title)
	case r.URL.Path == "/api/data" && r.Method == http.MethodGet:
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(NewPageData(rcv.Title, rcv.Set.Traces(), time.Now()))
	default:
		http.NotFound(w, r)
	}
}

// export handles an OTLP/HTTP export request, as the specification says:
// 405 for other methods, 415 for other content types, 400 for a body that
// does not decode, else 200 with an empty response of the request's
// encoding.
func (rcv *Receiver) export(w http.ResponseWriter, r *http.Request, traces bool) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST only", http.StatusMethodNotAllowed)
		return
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	isJSON := ct == "application/json"
	if !isJSON && ct != "application/x-protobuf" && ct != "application/protobuf" {
		http.Error(w, "unsupported content type "+ct, http.StatusUnsupportedMediaType)
		return
	}
	body, err := readBody(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if traces {
		var spans []*Span
		if isJSON {
			spans, err = ParseJSON(body)
		} else {
			spans, err = ParseProto(body)
		}
		if err != nil {
			http.Error(w, "decoding the request: "+err.Error(), http.StatusBadRequest)
			return
		}
		if added := rcv.Set.Add(spans...); len(added) > 0 && rcv.OnSpans != nil {
			rcv.OnSpans(added)
		}
	}
	if isJSON {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, "{}")
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

func readBody(r *http.Request) ([]byte, error) {
	var body io.Reader = r.Body
	switch enc := strings.ToLower(r.Header.Get("Content-Encoding")); enc {
	case "", "identity":
	case "gzip":
		zr, err := gzip.NewReader(r.Body)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer zr.Close()
		body = zr
	default:
		return nil, fmt.Errorf("unsupported content encoding %q", enc)
	}
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(body, maxRequest+1))
	if err != nil {
		return nil, err
	}
	if n > maxRequest {
		return nil, fmt.Errorf("request larger than %d bytes", maxRequest)
	}
	return buf.Bytes(), nil
}
