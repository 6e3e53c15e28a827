package injected

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	goruntime "runtime"
	"strings"
	"sync"
	"time"
	_ "unsafe" // for go:linkname
)

// The wire-level fallback: in a build with -toolexec=llminstr, net/http's
// Client sends every request through net/http.llminstrWireHook, which this
// package sets. A POST whose path has the shape of a known LLM API (an
// OpenAI-compatible /chat/completions, Anthropic's /v1/messages, ...) and
// that no adapter is tracing already (its context holds no [Call]) gets an
// inference span from what goes over the wire: the request's JSON, and the
// response's JSON or event stream, read as the client reads it. This traces
// clients no rule names (plain net/http, in-house and long-tail SDKs) and
// SDK calls the call-site rewrite cannot see (through an interface of the
// program, inside the SDK).

// wireHook is net/http's llminstrWireHook. In a program whose net/http was
// not compiled by llminstr (LLMINSTR_DISABLE=wire) it is a variable of this
// package that nothing reads.
//
//go:linkname wireHook net/http.llminstrWireHook
var wireHook func(req *http.Request, send func(*http.Request) (*http.Response, error)) (*http.Response, error)

func init() { wireHook = TraceWire }

// wireFormat is the wire format of an API: how its requests and responses
// are read.
type wireFormat int

const (
	openAIChatFormat wireFormat = iota + 1
	openAICompletionFormat
	openAIEmbeddingsFormat
	openAIResponsesFormat
	anthropicFormat
	geminiFormat
	geminiEmbedFormat
	ollamaChatFormat
	ollamaGenerateFormat
	ollamaEmbedFormat
	cohereChatFormat
	bedrockConverseFormat
	bedrockInvokeFormat
)

// WireShape is an API shape the wire-level fallback traces: a POST whose
// URL path ends with Suffix (and holds Segment before it, when set).
type WireShape struct {
	Suffix    string
	Provider  string // gen_ai.provider.name when the host is not a known one
	Operation string
	format    wireFormat
	// common marks a suffix other APIs use too (/responses, /embeddings):
	// such a request is traced only when its body is at hand and has the
	// API's shape, never from its path alone.
	common bool
	// Segment is a path segment the API names its model after (Bedrock's
	// /model/{modelId}/converse).
	Segment string
}

// wireShapes are matched in order: the first whose suffix the path ends
// with wins.
var wireShapes = []WireShape{
	{"/chat/completions", "openai", "chat", openAIChatFormat, false, ""},
	{"/completions", "openai", "text_completion", openAICompletionFormat, true, ""},
	{"/embeddings", "openai", "embeddings", openAIEmbeddingsFormat, true, ""},
	{"/responses", "openai", "chat", openAIResponsesFormat, true, ""},
	{"/v1/messages", "anthropic", "chat", anthropicFormat, false, ""},
	{":generateContent", "gcp.gemini", "generate_content", geminiFormat, false, ""},
	{":streamGenerateContent", "gcp.gemini", "generate_content", geminiFormat, false, ""},
	{":embedContent", "gcp.gemini", "embeddings", geminiEmbedFormat, false, ""},
	{"/api/chat", "ollama", "chat", ollamaChatFormat, true, ""},
	{"/api/generate", "ollama", "text_completion", ollamaGenerateFormat, true, ""},
	{"/api/embed", "ollama", "embeddings", ollamaEmbedFormat, true, ""},
	{"/api/embeddings", "ollama", "embeddings", ollamaEmbedFormat, true, ""},
	{"/v2/chat", "cohere", "chat", cohereChatFormat, true, ""},
	{"/converse", "aws.bedrock", "chat", bedrockConverseFormat, false, "/model/"},
	{"/converse-stream", "aws.bedrock", "chat", bedrockConverseFormat, false, "/model/"},
	{"/invoke", "aws.bedrock", "chat", bedrockInvokeFormat, false, "/model/"},
	{"/invoke-with-response-stream", "aws.bedrock", "chat", bedrockInvokeFormat, false, "/model/"},
}

// WireShapes returns the API shapes the wire-level fallback traces.
func WireShapes() []WireShape { return append([]WireShape(nil), wireShapes...) }

// wireHosts name the provider of well-known API hosts; other hosts (a
// proxy, a gateway, a local server) are named by the API's shape.
var wireHosts = map[string]string{
	"api.openai.com":                    "openai",
	"api.anthropic.com":                 "anthropic",
	"api.groq.com":                      "groq",
	"api.mistral.ai":                    "mistral_ai",
	"api.deepseek.com":                  "deepseek",
	"api.x.ai":                          "x_ai",
	"api.perplexity.ai":                 "perplexity",
	"api.cohere.com":                    "cohere",
	"api.cohere.ai":                     "cohere",
	"generativelanguage.googleapis.com": "gcp.gemini",
}

func matchWireShape(path string) *WireShape {
	path = strings.TrimSuffix(path, "/")
	for i := range wireShapes {
		shape := &wireShapes[i]
		if strings.HasSuffix(path, shape.Suffix) && strings.Contains(path[:len(path)-len(shape.Suffix)], shape.Segment) {
			return shape
		}
	}
	return nil
}

// wireProvider names the provider of a request to host in shape's format.
func wireProvider(shape *WireShape, host string) string {
	if p, ok := wireHosts[host]; ok {
		return p
	}
	if strings.HasSuffix(host, ".openai.azure.com") || strings.HasSuffix(host, ".cognitiveservices.azure.com") {
		return "azure.ai.openai"
	}
	if host == "aiplatform.googleapis.com" || strings.HasSuffix(host, "-aiplatform.googleapis.com") {
		return "gcp.vertex_ai"
	}
	return shape.Provider
}

// wireDisabled is LLMINSTR_DISABLE naming "wire" at run time (a build
// with it names it at build time, and net/http has no hook).
var wireDisabled = sync.OnceValue(func() bool { return wireDisabledBy(os.Getenv) })

func wireDisabledBy(getenv func(string) string) bool {
	for _, name := range strings.Split(getenv("LLMINSTR_DISABLE"), ",") {
		if strings.EqualFold(strings.TrimSpace(name), "wire") {
			return true
		}
	}
	return false
}

// maxWireBody bounds what is kept of a request or a whole (not streamed)
// response to read its JSON; a larger body passes through unread.
const maxWireBody = 32 << 20

// TraceWire sends req with send, in an inference span when req is a call of
// a known LLM API that no adapter traces. Whatever goes wrong inside it,
// the request is sent once, as it would be without it, and the response
// and error are the ones send returned. Nothing of the request is read
// ahead of the transport, and its GetBody is never called (a GetBody may
// count its calls, read a file again or sign): the request body is read
// along as the transport sends it, and the span begins once it is sent,
// dated from when the request was handed over.
func TraceWire(req *http.Request, send func(*http.Request) (*http.Response, error)) (*http.Response, error) {
	if c := adapterCall(req); c != nil {
		resp, err := send(req)
		backstopStream(c, req, resp, err)
		return resp, err
	}
	w := prepareWire(req)
	if w == nil {
		return send(req)
	}
	resp, err := send(w.req)
	if w.begin() {
		w.finish(resp, err)
	}
	return resp, err
}

// adapterCall returns the call an adapter traces req for, when there is
// one and the wire-level fallback is not disabled.
func adapterCall(req *http.Request) (c *Call) {
	defer func() {
		if r := recover(); r != nil {
			warnf("internal error (recovered): %v", r)
			c = nil
		}
	}()
	if req == nil || wireDisabled() {
		return nil
	}
	return CallFrom(req.Context())
}

// backstopStream reads along the streamed response of a call an adapter
// traces, for the case where the program reads the SDK's stream through an
// interface of its own: the adapter's Recv and Close wrappers never run,
// and its stream would end only with the call's context (as failed) or when
// it is garbage collected. When that stream has recorded nothing itself, it
// takes what the wire told, and ends when the body is closed, or, read to
// its end, when the call's context ends, as of the body's end and as a
// success (see [Stream.complete] and [Stream.closed]). Once the adapter's
// stream records chunks, the body is no longer read along.
func backstopStream(c *Call, req *http.Request, resp *http.Response, err error) {
	defer recoverAndWarn()
	if err != nil || resp == nil || resp.Body == nil || resp.StatusCode < 200 || resp.StatusCode >= 300 || req.URL == nil {
		return
	}
	shape := matchWireShape(req.URL.Path)
	if shape == nil {
		return // another request made under the call's context
	}
	format := shape.format
	var parser BodyParser
	switch mediaType(resp.Header) {
	case "text/event-stream":
		handle := eventHandlerFor(format)
		parser = &sseParser{handle: func(s *Stream, event, data []byte) {
			if bytes.Equal(bytes.TrimSpace(data), []byte("[DONE]")) {
				s.End(nil) // the SDK's stream ends here, before the body
				return
			}
			handle(s, event, data)
		}}
	case "application/vnd.amazon.eventstream":
		onEvent := BedrockConverseEvent
		if format == bedrockInvokeFormat {
			c.mu.Lock()
			model := c.model
			c.mu.Unlock()
			onEvent = BedrockInvokeStream(model)
		}
		parser = &eventStreamFrames{onEvent: onEvent}
	case "application/x-ndjson":
		parser = &ndjsonParser{handle: ollamaLine}
	default:
		return
	}
	b := &backstopBody{observedBody{inner: resp.Body, stream: &Stream{call: c, fromWire: true}, parser: backstopParser{parser}}}
	goruntime.SetFinalizer(b, (*backstopBody).closed)
	resp.Body = b
}

// backstopParser stops reading along once the adapter's stream records
// chunks itself: that stream ends as its adapter ends it, and nothing the
// wire tells is needed.
type backstopParser struct{ BodyParser }

func (p backstopParser) Feed(s *Stream, b []byte) bool {
	return !s.adapterObserves() && p.BodyParser.Feed(s, b)
}

// backstopBody is a response body read along for backstopStream. It reads
// as an observed body does (its EOF, a read error or its last event end
// the wire stream, which completes it: see [Stream.complete]); Close, or
// its collection, may end the adapter's stream (see [Stream.closed]).
type backstopBody struct {
	observedBody
}

func (b *backstopBody) Close() error {
	err := b.inner.Close()
	b.closed()
	return err
}

func (b *backstopBody) closed() {
	defer recoverAndWarn()
	b.stream.closed()
}

// mediaType is the media type of a response's Content-Type, in lower case.
func mediaType(h http.Header) string {
	return strings.ToLower(strings.TrimSpace(strings.Split(h.Get("Content-Type"), ";")[0]))
}

// wireCall is one request that may be traced.
type wireCall struct {
	req     *http.Request // what is sent: a copy of the request, its body observed
	shape   *WireShape
	start   time.Time
	capture *capturedBody // the request body, read as it is sent
	call    *Call
	model   string // the request's model, as the path names it (Bedrock)
	stream  bool
}

// prepareWire returns the call of req when its method and path are those of
// a known API and no adapter traces it, or nil.
func prepareWire(req *http.Request) (w *wireCall) {
	defer func() {
		if r := recover(); r != nil {
			warnf("internal error (recovered): %v", r)
			w = nil
		}
	}()
	if req == nil || req.Method != http.MethodPost || req.URL == nil || wireDisabled() {
		return nil
	}
	shape := matchWireShape(req.URL.Path)
	if shape == nil || req.Body == nil || req.Body == http.NoBody {
		return nil
	}
	w = &wireCall{shape: shape, start: time.Now(), capture: &capturedBody{inner: req.Body}}
	copied := *req
	copied.Body = w.capture
	w.req = &copied
	return w
}

// begin starts the span of a sent request, from what its body told, and
// reports whether it is traced: a request whose path other APIs share
// (/responses, /embeddings, ...) is traced only when its body, sent whole,
// has the API's shape.
func (w *wireCall) begin() (traced bool) {
	defer func() {
		if r := recover(); r != nil {
			warnf("internal error (recovered): %v", r)
			if w.call != nil {
				w.call.End(nil)
			}
			traced = false
		}
	}()
	body, sent := w.capture.take()
	wr := parseWireRequest(w.shape, w.req.URL.Path, body)
	if w.shape.common && !wr.shaped {
		return false
	}
	host, _ := hostPort(w.req.URL)
	operation := w.shape.Operation
	if w.shape.format == bedrockInvokeFormat {
		operation = BedrockInvokeOperation(wr.Model)
	}
	_, call := startInference(w.req.Context(), operation, wireProvider(w.shape, host), wr.Model, w.start)
	if call == nil {
		return false
	}
	w.call, w.model = call, wr.Model
	call.SetServerURL(w.req.URL)
	w.stream = wr.streams(w.shape, w.req.URL)
	if w.stream {
		call.SetStreaming()
	}
	if sent {
		wr.record(call, w.shape)
	}
	return true
}

// finish records the outcome of the request: at once for a failure, when
// the client has read the body for a response.
func (w *wireCall) finish(resp *http.Response, err error) {
	defer func() {
		if r := recover(); r != nil {
			warnf("internal error (recovered): %v", r)
			w.call.End(nil)
		}
	}()
	if err != nil {
		w.call.End(err)
		return
	}
	if resp == nil || resp.Body == nil {
		w.call.End(nil)
		return
	}
	if resp.StatusCode >= 400 {
		w.call.EndWithErrorType(fmt.Errorf("%s", resp.Status), wireErrorType(resp))
		return
	}
	mediaType := mediaType(resp.Header)
	switch {
	case mediaType == "text/event-stream":
		s := NewStream(nil, w.call, nil)
		s.OnEnd(func(*Call, error) { w.recordSentRequest() })
		resp.Body = ObserveSSE(resp.Body, s, w.eventHandler())
		s.Watch(w.req.Context())
	case mediaType == "application/vnd.amazon.eventstream":
		s := NewStream(nil, w.call, nil)
		s.OnEnd(func(*Call, error) { w.recordSentRequest() })
		onEvent := BedrockConverseEvent
		if w.shape.format == bedrockInvokeFormat {
			onEvent = BedrockInvokeStream(w.model)
		}
		resp.Body = ObserveEventStream(resp.Body, s, onEvent)
		s.Watch(w.req.Context())
	case mediaType == "application/x-ndjson" || (w.stream && (w.shape.format == ollamaChatFormat || w.shape.format == ollamaGenerateFormat)):
		s := NewStream(nil, w.call, nil)
		s.OnEnd(func(*Call, error) { w.recordSentRequest() })
		resp.Body = ObserveBody(resp.Body, s, &ndjsonParser{handle: ollamaLine})
		s.Watch(w.req.Context())
	default:
		resp.Body = observeWhole(resp.Body, func(body []byte, complete bool) {
			w.recordSentRequest()
			if complete {
				w.recordResponse(resp.Header, body)
			}
			w.call.End(nil)
		})
	}
}

// recordResponse records a whole (not streamed) response on the call.
func (w *wireCall) recordResponse(header http.Header, body []byte) {
	switch w.shape.format {
	case bedrockInvokeFormat:
		BedrockInvokeResponse(w.call, w.model, header, body)
	case bedrockConverseFormat:
		bedrockWholeResponse(w.call, body, Usage{}, false)
	default:
		recordWireResponse(w.call, w.shape, body)
	}
}

// wireErrorType is the error.type of an API's error response: the AWS
// error code an AWS API names in its X-Amzn-ErrorType header
// (ValidationException, ThrottlingException, ...), or what the HTTP status
// tells.
func wireErrorType(resp *http.Response) string {
	if code, _, _ := strings.Cut(resp.Header.Get("X-Amzn-ErrorType"), ":"); code != "" {
		return code
	}
	return HTTPErrorType(resp.StatusCode)
}

// recordSentRequest records the request its body carried when the
// transport was still sending the body's end as the answer's headers
// arrived (begin had none of it): at the end of the response.
func (w *wireCall) recordSentRequest() {
	body, ok := w.capture.take()
	if !ok {
		return
	}
	wr := parseWireRequest(w.shape, w.req.URL.Path, body)
	w.call.setRequestModel(wr.Model)
	if wr.streams(w.shape, w.req.URL) {
		w.call.SetStreaming()
	}
	wr.record(w.call, w.shape)
}

// setRequestModel records the request's model when the span began without
// it (the request body was read as it was sent).
func (c *Call) setRequestModel(model string) {
	if c == nil || model == "" {
		return
	}
	c.mu.Lock()
	had := c.model
	if had == "" {
		c.model = model
	}
	c.mu.Unlock()
	if had == "" {
		c.set(keyRequestModel.String(model))
		c.span.SetName(c.operation + " " + model)
	}
}

// boundedCopy is a copy of the bytes read of a body, dropped once it would
// exceed maxWireBody. Its owner guards it.
type boundedCopy struct {
	buf  []byte
	over bool
}

func (c *boundedCopy) add(p []byte) {
	switch {
	case c.over:
	case len(c.buf)+len(p) > maxWireBody:
		c.over, c.buf = true, nil
	default:
		c.buf = append(c.buf, p...)
	}
}

// capturedBody keeps a copy of what the transport reads of a request body.
type capturedBody struct {
	inner io.ReadCloser

	mu sync.Mutex
	boundedCopy
	eof   bool
	taken bool
}

func (b *capturedBody) Read(p []byte) (int, error) {
	n, err := b.inner.Read(p)
	b.mu.Lock()
	b.add(p[:n])
	if err == io.EOF {
		b.eof = true
	}
	b.mu.Unlock()
	return n, err
}

func (b *capturedBody) Close() error { return b.inner.Close() }

// take returns a copy of the body, once, when the transport has read all
// of it: up to EOF, or up to the end of a JSON value (a transport that got
// its answer stops before the read that would return EOF).
func (b *capturedBody) take() ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.taken || b.over || !(b.eof || json.Valid(b.buf)) {
		return nil, false
	}
	b.taken = true
	return append([]byte(nil), b.buf...), true
}

// observeWhole returns a body that passes body's bytes on and keeps a copy;
// at its end (EOF, an error, Close or garbage collection) it calls done
// once with what was read and whether that was the whole body.
func observeWhole(body io.ReadCloser, done func(body []byte, complete bool)) io.ReadCloser {
	o := &wholeBody{inner: body, done: done}
	goruntime.SetFinalizer(o, func(o *wholeBody) { o.end(false) })
	return o
}

type wholeBody struct {
	inner io.ReadCloser
	done  func([]byte, bool)

	mu sync.Mutex
	boundedCopy
	ended bool
}

func (o *wholeBody) Read(p []byte) (int, error) {
	n, err := o.inner.Read(p)
	o.mu.Lock()
	o.add(p[:n])
	o.mu.Unlock()
	if err != nil {
		o.end(err == io.EOF)
	}
	return n, err
}

func (o *wholeBody) Close() error {
	err := o.inner.Close()
	// A JSON decoder stops at the value's end, before EOF: what it read is
	// the whole response when it parses.
	o.end(false)
	return err
}

func (o *wholeBody) end(eof bool) {
	o.mu.Lock()
	if o.ended {
		o.mu.Unlock()
		return
	}
	o.ended = true
	buf, complete := o.buf, !o.over && (eof || json.Valid(o.buf))
	o.mu.Unlock()
	defer recoverAndWarn()
	o.done(buf, complete)
}

// ndjsonParser splits a body into lines of JSON (Ollama's streams).
type ndjsonParser struct {
	handle  func(s *Stream, line []byte)
	partial []byte
}

func (p *ndjsonParser) Feed(s *Stream, b []byte) bool {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			if len(p.partial)+len(b) > maxSSELine {
				return false
			}
			p.partial = append(p.partial, b...)
			return true
		}
		line := b[:i]
		if len(p.partial) > 0 {
			line = append(p.partial, line...)
		}
		if l := bytes.TrimSpace(line); len(l) > 0 {
			p.handle(s, l)
		}
		p.partial = p.partial[:0]
		b = b[i+1:]
	}
	return true
}

func (p *ndjsonParser) Flush(s *Stream) {
	if l := bytes.TrimSpace(p.partial); len(l) > 0 {
		p.handle(s, l)
	}
	p.partial = nil
}
