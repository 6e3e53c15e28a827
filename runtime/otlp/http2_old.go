//go:build !go1.24

package otlp

import (
	"errors"
	"net/http"
)

// useHTTP2 makes t speak HTTP/2 over TLS; before Go 1.24, net/http cannot
// speak it in plaintext.
func useHTTP2(t *http.Transport, plaintext bool) error {
	if plaintext {
		return errors.New("OTLP/gRPC without TLS needs programs built with Go 1.24 or later; use https or OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf")
	}
	t.ForceAttemptHTTP2 = true
	return nil
}
