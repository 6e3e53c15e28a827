package otlpcompat

import (
	"compress/gzip"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/llminstr/llminstr/runtime/otlp"
)

// traceServer is a gRPC OTLP trace service that answers each call with
// the next of its replies (the last one repeats).
type traceServer struct {
	coltracepb.UnimplementedTraceServiceServer
	mu       sync.Mutex
	replies  []error
	partial  *coltracepb.ExportTracePartialSuccess
	requests []*coltracepb.ExportTraceServiceRequest
	metadata []metadata.MD
}

func (s *traceServer) Export(ctx context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	md, _ := metadata.FromIncomingContext(ctx)
	s.requests = append(s.requests, req)
	s.metadata = append(s.metadata, md)
	var err error
	if len(s.replies) > 0 {
		err = s.replies[0]
		if len(s.replies) > 1 {
			s.replies = s.replies[1:]
		}
	}
	if err != nil {
		return nil, err
	}
	return &coltracepb.ExportTraceServiceResponse{PartialSuccess: s.partial}, nil
}

// gzipCounter is the servers' gzip codec, which counts the messages it
// decompresses.
type gzipCounter struct{}

var gzipped atomic.Int64

func init() { encoding.RegisterCompressor(gzipCounter{}) }

func (gzipCounter) Name() string { return "gzip" }
func (gzipCounter) Compress(w io.Writer) (io.WriteCloser, error) {
	return gzip.NewWriter(w), nil
}
func (gzipCounter) Decompress(r io.Reader) (io.Reader, error) {
	gzipped.Add(1)
	return gzip.NewReader(r)
}

// startGRPC serves srv on a loopback port, with TLS when creds is not nil.
func startGRPC(t *testing.T, srv *traceServer, creds credentials.TransportCredentials) string {
	var opts []grpc.ServerOption
	if creds != nil {
		opts = append(opts, grpc.Creds(creds))
	}
	s := grpc.NewServer(opts...)
	coltracepb.RegisterTraceServiceServer(s, srv)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(s.Stop)
	return l.Addr().String()
}

// TestGRPC exports through a real gRPC server (grpc-go), in plaintext
// (h2c) and over TLS, compressed or not, with headers as metadata: the
// server decodes the same request the OTLP/HTTP exporter sends.
func TestGRPC(t *testing.T) {
	spans := spanData(testSpans(t))
	ctx := context.Background()

	reference := newCapture(t)
	httpExporter, err := otlp.NewSpanExporter(config(t, reference.URL+"/v1/traces"))
	if err != nil {
		t.Fatal(err)
	}
	if err := httpExporter.ExportSpans(ctx, spans); err != nil {
		t.Fatal(err)
	}
	want := decodeTraces(t, reference.take(t))

	certFile, serverCert := selfSignedCert(t)
	for _, tc := range []struct {
		name string
		tls  bool
		env  map[string]string
	}{
		{"plaintext", false, map[string]string{"OTEL_EXPORTER_OTLP_INSECURE": "true"}},
		{"plaintext gzip", false, map[string]string{"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION": "gzip"}},
		{"tls", true, map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": certFile}},
		{"tls gzip", true, map[string]string{"OTEL_EXPORTER_OTLP_CERTIFICATE": certFile, "OTEL_EXPORTER_OTLP_COMPRESSION": "gzip"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &traceServer{}
			var creds credentials.TransportCredentials
			scheme := "http://"
			if tc.tls {
				creds = credentials.NewServerTLSFromCert(&serverCert)
				scheme = "https://"
			}
			addr := startGRPC(t, srv, creds)
			env := map[string]string{
				"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
				"OTEL_EXPORTER_OTLP_ENDPOINT": scheme + addr,
				"OTEL_EXPORTER_OTLP_HEADERS":  "authorization=Bearer%20secret,x-tenant=acme",
			}
			if strings.Contains(tc.name, "plaintext") && tc.env["OTEL_EXPORTER_OTLP_INSECURE"] == "true" {
				// host:port without a scheme, as gRPC endpoints are often written
				env["OTEL_EXPORTER_OTLP_ENDPOINT"] = addr
			}
			for k, v := range tc.env {
				env[k] = v
			}
			cfg, warnings, err := otlp.ConfigFromEnv(func(k string) string { return env[k] }, otlp.Traces)
			if err != nil || len(warnings) > 0 {
				t.Fatalf("ConfigFromEnv: %v %v", err, warnings)
			}
			exporter, err := otlp.NewSpanExporter(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if err := exporter.ExportSpans(ctx, spans); err != nil {
				t.Fatal(err)
			}
			if len(srv.requests) != 1 {
				t.Fatalf("the server got %d requests", len(srv.requests))
			}
			got := srv.requests[0]
			sortTraces(got)
			if !proto.Equal(got, want) {
				t.Errorf("the gRPC server decoded a different request than the OTLP/HTTP one")
			}
			md := srv.metadata[0]
			if md.Get("authorization")[0] != "Bearer secret" || md.Get("x-tenant")[0] != "acme" {
				t.Errorf("metadata %v", md)
			}
			if n := gzipped.Swap(0); (n == 1) != strings.Contains(tc.name, "gzip") {
				t.Errorf("the server decompressed %d messages", n)
			}
			exporter.Shutdown(ctx)
			if err := exporter.ExportSpans(ctx, spans); err == nil {
				t.Error("an export after Shutdown succeeded")
			}
		})
	}
}

// TestGRPCStatus: what the server answers decides whether the exporter
// retries, and what it reports.
func TestGRPCStatus(t *testing.T) {
	spans := spanData(testSpans(t))[:1]
	for _, tc := range []struct {
		name     string
		replies  []error
		partial  *coltracepb.ExportTracePartialSuccess
		calls    int
		wantErr  string
		wantWarn string
	}{
		{name: "ok", calls: 1},
		{name: "unavailable, then ok", replies: []error{status.Error(codes.Unavailable, "starting"), nil}, calls: 2},
		{name: "invalid argument", replies: []error{status.Error(codes.InvalidArgument, "bad span: 100%")}, calls: 1,
			wantErr: "gRPC status 3 (INVALID_ARGUMENT): bad span: 100%"},
		{name: "unauthenticated", replies: []error{status.Error(codes.Unauthenticated, "no token")}, calls: 1,
			wantErr: "UNAUTHENTICATED"},
		{name: "partial success", partial: &coltracepb.ExportTracePartialSuccess{RejectedSpans: 1, ErrorMessage: "too old"}, calls: 1,
			wantWarn: "rejected 1 spans: too old"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := &traceServer{replies: tc.replies, partial: tc.partial}
			addr := startGRPC(t, srv, nil)
			cfg := config(t, "http://"+addr)
			cfg.Protocol = otlp.GRPC
			var warnings []string
			cfg.Warn = func(s string) { warnings = append(warnings, s) }
			exporter, err := otlp.NewSpanExporter(cfg)
			if err != nil {
				t.Fatal(err)
			}
			err = exporter.ExportSpans(context.Background(), spans)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
			if len(srv.requests) != tc.calls {
				t.Errorf("%d calls, want %d", len(srv.requests), tc.calls)
			}
			if got := strings.Join(warnings, "\n"); !strings.Contains(got, tc.wantWarn) || (tc.wantWarn == "") != (got == "") {
				t.Errorf("warnings %q, want %q", got, tc.wantWarn)
			}
		})
	}
}

// TestHTTPStatus: the OTLP/HTTP statuses that may be retried are, after
// the wait Retry-After asks for; the others are reported with the
// message of the google.rpc.Status the endpoint returns.
func TestHTTPStatus(t *testing.T) {
	spans := spanData(testSpans(t))[:1]
	rejected, _ := proto.Marshal(status.New(codes.InvalidArgument, "unknown field").Proto())
	partial, _ := proto.Marshal(&coltracepb.ExportTraceServiceResponse{PartialSuccess: &coltracepb.ExportTracePartialSuccess{RejectedSpans: 2, ErrorMessage: "dropped"}})
	type reply struct {
		status int
		header map[string]string
		body   []byte
	}
	for _, tc := range []struct {
		name     string
		replies  []reply
		calls    int
		minWait  time.Duration
		wantErr  string
		wantWarn string
	}{
		{name: "ok", replies: []reply{{status: 200}}, calls: 1},
		{name: "503 then ok", replies: []reply{{status: 503}, {status: 200}}, calls: 2, minWait: 500 * time.Millisecond},
		{name: "429 with Retry-After", replies: []reply{{status: 429, header: map[string]string{"Retry-After": "2"}}, {status: 200}}, calls: 2, minWait: 2 * time.Second},
		{name: "400", replies: []reply{{status: 400, header: map[string]string{"Content-Type": "application/x-protobuf"}, body: rejected}}, calls: 1,
			wantErr: "400 Bad Request: unknown field"},
		{name: "404 text", replies: []reply{{status: 404, body: []byte("no such path\n")}}, calls: 1, wantErr: "404 Not Found: no such path"},
		{name: "partial success", replies: []reply{{status: 200, header: map[string]string{"Content-Type": "application/x-protobuf"}, body: partial}}, calls: 1,
			wantWarn: "rejected 2 spans: dropped"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			srv := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				rep := tc.replies[min(calls, len(tc.replies)-1)]
				calls++
				mu.Unlock()
				for k, v := range rep.header {
					w.Header().Set(k, v)
				}
				w.WriteHeader(rep.status)
				w.Write(rep.body)
			})
			var warnings []string
			cfg := config(t, srv+"/v1/traces")
			cfg.Warn = func(s string) { warnings = append(warnings, s) }
			exporter, err := otlp.NewSpanExporter(cfg)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = exporter.ExportSpans(context.Background(), spans)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Errorf("err = %v, want %q", err, tc.wantErr)
			}
			if calls != tc.calls {
				t.Errorf("%d calls, want %d", calls, tc.calls)
			}
			if waited := time.Since(start); waited < tc.minWait {
				t.Errorf("retried after %v, want at least %v", waited, tc.minWait)
			}
			if got := strings.Join(warnings, "\n"); !strings.Contains(got, tc.wantWarn) || (tc.wantWarn == "") != (got == "") {
				t.Errorf("warnings %q, want %q", got, tc.wantWarn)
			}
		})
	}
}

// TestTimeout: an endpoint that keeps failing is given up on when the
// export's timeout ends, and one that never answers does not hold the
// export longer.
func TestTimeout(t *testing.T) {
	spans := spanData(testSpans(t))[:1]
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"always 503", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }},
		{"never answers", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, tc.handler)
			cfg := config(t, srv+"/v1/traces")
			cfg.Timeout = 1500 * time.Millisecond
			exporter, err := otlp.NewSpanExporter(cfg)
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			err = exporter.ExportSpans(context.Background(), spans)
			elapsed := time.Since(start)
			if err == nil {
				t.Error("the export succeeded")
			}
			if elapsed > cfg.Timeout+time.Second {
				t.Errorf("the export took %v with a timeout of %v", elapsed, cfg.Timeout)
			}
		})
	}
}

func newServer(t *testing.T, h http.HandlerFunc) string {
	srv := &http.Server{Handler: h}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

func sortTraces(req *coltracepb.ExportTraceServiceRequest) {
	b, _ := proto.Marshal(req)
	var t testing.T
	*req = *decodeTraces(&t, b)
}

// selfSignedCert writes a certificate for 127.0.0.1 to a PEM file and
// returns the file and the certificate with its key.
func selfSignedCert(t *testing.T) (string, tls.Certificate) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "otlp test"},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA:         true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return file, tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
