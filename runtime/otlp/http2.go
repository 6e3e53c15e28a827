//go:build go1.24

package otlp

import "net/http"

// useHTTP2 makes t speak only HTTP/2, over TLS or, when plaintext, with
// prior knowledge (h2c), as gRPC does.
func useHTTP2(t *http.Transport, plaintext bool) error {
	var p http.Protocols
	if plaintext {
		p.SetUnencryptedHTTP2(true)
	} else {
		p.SetHTTP2(true)
	}
	t.Protocols = &p
	return nil
}
