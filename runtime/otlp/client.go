package otlp

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// userAgent names the exporter in its requests.
const userAgent = "llminstr-otlp-exporter/0.1"

// client sends encoded export requests of one signal over OTLP/HTTP or
// OTLP/gRPC (unary calls over HTTP/2, as net/http speaks it).
type client struct {
	cfg     Config
	signal  Signal
	url     string
	http    *http.Client
	stopped atomic.Bool
}

var errStopped = errors.New("the OTLP exporter is shut down")

func newClient(cfg Config, signal Signal) (*client, error) {
	if cfg.URL == nil {
		return nil, errors.New("no OTLP endpoint")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = defaultTimeout
	}
	transport := &http.Transport{
		// The exporter dials on its own, so that it never goes through
		// a transport the application changed, and honours
		// HTTPS_PROXY/NO_PROXY as the OpenTelemetry exporters do.
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSClientConfig:       cfg.TLS,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          4,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	c := &client{cfg: cfg, signal: signal, http: &http.Client{Transport: transport}}
	switch cfg.Protocol {
	case HTTPProtobuf, "":
		c.url = cfg.URL.String()
	case GRPC:
		if err := useHTTP2(transport, cfg.URL.Scheme == "http"); err != nil {
			return nil, err
		}
		c.url = cfg.URL.Scheme + "://" + cfg.URL.Host + signal.method
	default:
		return nil, fmt.Errorf("OTLP protocol %q is not supported", cfg.Protocol)
	}
	return c, nil
}

func (c *client) shutdown(context.Context) error {
	c.stopped.Store(true)
	c.http.CloseIdleConnections()
	return nil
}

// Retry intervals: the first wait, doubled after each attempt up to the
// last, with jitter; the export's timeout bounds them all.
const (
	firstRetry = time.Second
	lastRetry  = 30 * time.Second
)

// export sends msg, an encoded export request, retrying what OTLP says may
// be retried until the configured timeout or ctx ends.
func (c *client) export(ctx context.Context, msg []byte) error {
	if c.stopped.Load() {
		return errStopped
	}
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	body, err := c.body(msg)
	if err != nil {
		return err
	}
	wait := firstRetry
	for {
		retry, after, err := c.send(ctx, body)
		if err == nil || !retry {
			return err
		}
		d := wait/2 + rand.N(wait/2+1)
		d = max(d, after)
		if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) < d {
			return err
		}
		timer := time.NewTimer(d)
		select {
		case <-ctx.Done():
			timer.Stop()
			return errors.Join(err, ctx.Err())
		case <-timer.C:
		}
		wait = min(2*wait, lastRetry)
	}
}

// body is what goes on the wire for msg: compressed if asked, and for gRPC
// in a length-prefixed message frame.
func (c *client) body(msg []byte) ([]byte, error) {
	if c.cfg.Gzip {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(msg)
		if err := zw.Close(); err != nil {
			return nil, fmt.Errorf("compressing the OTLP request: %w", err)
		}
		msg = buf.Bytes()
	}
	if c.cfg.Protocol != GRPC {
		return msg, nil
	}
	frame := make([]byte, 5, 5+len(msg))
	if c.cfg.Gzip {
		frame[0] = 1
	}
	binary.BigEndian.PutUint32(frame[1:], uint32(len(msg)))
	return append(frame, msg...), nil
}

// send makes one attempt. retry says whether another may succeed, after
// how long at least when the endpoint says so.
func (c *client) send(ctx context.Context, body []byte) (retry bool, after time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url, bytes.NewReader(body))
	if err != nil {
		return false, 0, err
	}
	for k, v := range c.cfg.Headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("User-Agent", userAgent)
	if c.cfg.Protocol == GRPC {
		req.Header.Set("Content-Type", "application/grpc")
		req.Header.Set("Te", "trailers")
		if c.cfg.Gzip {
			req.Header.Set("Grpc-Encoding", "gzip")
		}
		if deadline, ok := ctx.Deadline(); ok {
			req.Header.Set("Grpc-Timeout", strconv.FormatInt(max(1, time.Until(deadline).Milliseconds()), 10)+"m")
		}
	} else {
		req.Header.Set("Content-Type", "application/x-protobuf")
		if c.cfg.Gzip {
			req.Header.Set("Content-Encoding", "gzip")
		}
	}
	resp, err := c.http.Do(req)
	if err != nil {
		// Connection refused, reset, timed out: the collector may be
		// starting or restarting.
		return ctx.Err() == nil, 0, fmt.Errorf("OTLP export to %s: %w", c.url, err)
	}
	defer resp.Body.Close()
	respBody, readErr := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if c.cfg.Protocol == GRPC {
		return c.grpcResult(resp, respBody, readErr)
	}
	return c.httpResult(resp, respBody)
}

// httpResult interprets an OTLP/HTTP response.
func (c *client) httpResult(resp *http.Response, body []byte) (retry bool, after time.Duration, err error) {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		c.partialSuccess(body)
		return false, 0, nil
	}
	err = fmt.Errorf("OTLP export to %s: %s%s", c.url, resp.Status, statusMessage(resp.Header.Get("Content-Type"), body))
	if retryableHTTPStatus(resp.StatusCode) {
		return true, retryAfter(resp.Header.Get("Retry-After")), err
	}
	return false, 0, err
}

// retryableHTTPStatus reports whether an HTTP status says the endpoint is
// busy or unavailable for now, so that the export may be tried again.
func retryableHTTPStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// grpcResult interprets the response to a gRPC call: its status is in the
// trailers, or in the headers of a response without a body.
func (c *client) grpcResult(resp *http.Response, body []byte, readErr error) (retry bool, after time.Duration, err error) {
	if resp.StatusCode != http.StatusOK {
		return retryableHTTPStatus(resp.StatusCode), 0, fmt.Errorf("OTLP export to %s: HTTP %s", c.url, resp.Status)
	}
	status := resp.Trailer.Get("Grpc-Status")
	message := resp.Trailer.Get("Grpc-Message")
	if status == "" {
		status, message = resp.Header.Get("Grpc-Status"), resp.Header.Get("Grpc-Message")
	}
	if status == "" {
		if readErr != nil {
			return true, 0, fmt.Errorf("OTLP export to %s: %w", c.url, readErr)
		}
		return false, 0, fmt.Errorf("OTLP export to %s: the response has no gRPC status", c.url)
	}
	code, convErr := strconv.Atoi(status)
	if convErr != nil {
		return false, 0, fmt.Errorf("OTLP export to %s: gRPC status %q", c.url, status)
	}
	if code == 0 {
		if len(body) >= 5 && body[0] == 0 {
			if n := binary.BigEndian.Uint32(body[1:5]); int(n) <= len(body)-5 {
				c.partialSuccess(body[5 : 5+n])
			}
		}
		return false, 0, nil
	}
	if m, uerr := url.PathUnescape(message); uerr == nil {
		message = m
	}
	err = fmt.Errorf("OTLP export to %s: gRPC status %d (%s): %s", c.url, code, grpcCodeName(code), message)
	switch code {
	case 1, 4, 10, 11, 14, 15: // cancelled, deadline exceeded, aborted, out of range, unavailable, data loss
		return true, 0, err
	}
	return false, 0, err
}

// grpcCodeName names the gRPC status codes OTLP endpoints return.
func grpcCodeName(code int) string {
	names := [...]string{"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND",
		"ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",
		"OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}
	if code >= 0 && code < len(names) {
		return names[code]
	}
	return "code " + strconv.Itoa(code)
}

// retryAfter is the wait a Retry-After header asks for, in seconds or as
// a date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(min(s, 3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, time.Until(t))
	}
	return 0
}

// statusMessage is the message of the google.rpc.Status (message = 2) in
// an OTLP/HTTP error response, or its text, as ": message".
func statusMessage(contentType string, body []byte) string {
	if len(body) == 0 {
		return ""
	}
	var msg string
	if strings.HasPrefix(contentType, "application/x-protobuf") {
		msg = string(field(body, 2))
	} else {
		msg = strings.TrimSpace(string(body))
	}
	if len(msg) > 512 {
		msg = msg[:512] + "..."
	}
	if msg == "" {
		return ""
	}
	return ": " + msg
}

// partialSuccess reports what an Export*ServiceResponse says the endpoint
// rejected: partial_success = 1 {rejected_spans or rejected_data_points =
// 1, error_message = 2}.
func (c *client) partialSuccess(resp []byte) {
	if c.cfg.Warn == nil {
		return
	}
	ps := field(resp, 1)
	if ps == nil {
		return
	}
	rejected := varintField(ps, 1)
	message := string(field(ps, 2))
	if rejected == 0 && message == "" {
		return
	}
	what := "spans"
	if c.signal == Metrics {
		what = "data points"
	}
	c.cfg.Warn(fmt.Sprintf("the OTLP endpoint %s rejected %d %s: %s", c.url, rejected, what, message))
}

// field returns the contents of the last length-delimited field num of the
// protobuf message msg, or nil.
func field(msg []byte, num uint64) []byte {
	var found []byte
	walk(msg, func(n, wireType uint64, v uint64, b []byte) {
		if n == num && wireType == wireBytes {
			found = b
		}
	})
	return found
}

// varintField returns the last varint field num of msg, or 0.
func varintField(msg []byte, num uint64) uint64 {
	var found uint64
	walk(msg, func(n, wireType uint64, v uint64, _ []byte) {
		if n == num && wireType == wireVarint {
			found = v
		}
	})
	return found
}

// walk calls f for each field of msg, until the end or a malformed field.
func walk(msg []byte, f func(num, wireType, v uint64, b []byte)) {
	for len(msg) > 0 {
		key, n := binary.Uvarint(msg)
		if n <= 0 {
			return
		}
		msg = msg[n:]
		num, wireType := key>>3, key&7
		switch wireType {
		case wireVarint:
			v, n := binary.Uvarint(msg)
			if n <= 0 {
				return
			}
			f(num, wireType, v, nil)
			msg = msg[n:]
		case wireFixed64:
			if len(msg) < 8 {
				return
			}
			f(num, wireType, binary.LittleEndian.Uint64(msg), nil)
			msg = msg[8:]
		case wireFixed32:
			if len(msg) < 4 {
				return
			}
			f(num, wireType, uint64(binary.LittleEndian.Uint32(msg)), nil)
			msg = msg[4:]
		case wireBytes:
			l, n := binary.Uvarint(msg)
			if n <= 0 || l > uint64(len(msg)-n) {
				return
			}
			f(num, wireType, 0, msg[n:n+int(l)])
			msg = msg[n+int(l):]
		default:
			return
		}
	}
}
