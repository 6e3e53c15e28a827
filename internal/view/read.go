package view

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/llminstr/llminstr/runtime/otlp"
)

// maxInput bounds what is read from one file or request.
const maxInput = 1 << 30

// Read reads spans from r: OTLP/JSON (one request per line, as
// LLMINSTR_TRACE_FILE and the Collector's file exporter write it, or any
// sequence of JSON requests), or OTLP protobuf (ExportTraceServiceRequests,
// each preceded by its length as a 4-byte big-endian integer as the
// Collector's file exporter writes them, or one request alone). Metrics
// and logs requests are skipped.
func Read(r io.Reader) ([]*Span, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	// JSON starts with '{' after blanks; a protobuf request may start
	// with a byte that is a blank ('\n' is the tag of its field 1), so
	// nothing is consumed before the choice.
	head, err := br.Peek(br.Size())
	if err != nil && err != io.EOF && err != bufio.ErrBufferFull {
		return nil, err
	}
	if len(bytes.TrimLeft(head, " \t\r\n")) == 0 && len(head) < br.Size() {
		return nil, nil // empty, or blanks only
	}
	if first := bytes.TrimLeft(head, " \t\r\n"); len(first) > 0 && first[0] == '{' {
		return readJSON(br)
	}
	data, err := io.ReadAll(io.LimitReader(br, maxInput))
	if err != nil {
		return nil, err
	}
	return readProto(data)
}

func readJSON(r io.Reader) ([]*Span, error) {
	dec := json.NewDecoder(r)
	var spans []*Span
	for n := 1; ; n++ {
		var req jsonRequest
		if err := dec.Decode(&req); err == io.EOF {
			return spans, nil
		} else if err != nil {
			return spans, fmt.Errorf("request %d: %w", n, err)
		}
		spans = append(spans, req.spans()...)
	}
}

// ParseJSON returns the spans of one OTLP/JSON ExportTraceServiceRequest.
func ParseJSON(body []byte) ([]*Span, error) {
	var req jsonRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return nil, err
	}
	return req.spans(), nil
}

// ParseProto returns the spans of one OTLP protobuf
// ExportTraceServiceRequest.
func ParseProto(body []byte) ([]*Span, error) {
	js, err := otlp.JSON(otlp.Traces, body)
	if err != nil {
		return nil, err
	}
	return ParseJSON(js)
}

func readProto(data []byte) ([]*Span, error) {
	// Length-prefixed requests, if the whole input is made of them.
	var frames [][]byte
	for rest := data; len(rest) > 0; {
		if len(rest) < 4 {
			frames = nil
			break
		}
		n := binary.BigEndian.Uint32(rest)
		if uint64(n) > uint64(len(rest)-4) {
			frames = nil
			break
		}
		frames = append(frames, rest[4:4+n])
		rest = rest[4+n:]
	}
	if frames != nil {
		var spans []*Span
		var err error
		for _, f := range frames {
			var s []*Span
			if s, err = ParseProto(f); err != nil {
				break
			}
			spans = append(spans, s...)
		}
		if err == nil {
			return spans, nil
		}
	}
	spans, err := ParseProto(data)
	if err != nil {
		return nil, fmt.Errorf("neither OTLP/JSON nor OTLP protobuf: %w", err)
	}
	return spans, nil
}

// The OTLP/JSON messages, as far as the view reads them.
type (
	jsonRequest struct {
		ResourceSpans []struct {
			Resource struct {
				Attributes []jsonKeyValue `json:"attributes"`
			} `json:"resource"`
			ScopeSpans []struct {
				Scope struct {
					Name string `json:"name"`
				} `json:"scope"`
				Spans []jsonSpan `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	}
	jsonSpan struct {
		TraceID      string         `json:"traceId"`
		SpanID       string         `json:"spanId"`
		ParentSpanID string         `json:"parentSpanId"`
		Name         string         `json:"name"`
		Kind         jsonEnum       `json:"kind"`
		Start        jsonUint       `json:"startTimeUnixNano"`
		End          jsonUint       `json:"endTimeUnixNano"`
		Attributes   []jsonKeyValue `json:"attributes"`
		Events       []struct {
			Time       jsonUint       `json:"timeUnixNano"`
			Name       string         `json:"name"`
			Attributes []jsonKeyValue `json:"attributes"`
		} `json:"events"`
		Status struct {
			Message string   `json:"message"`
			Code    jsonEnum `json:"code"`
		} `json:"status"`
	}
	jsonKeyValue struct {
		Key   string    `json:"key"`
		Value jsonValue `json:"value"`
	}
	jsonValue struct {
		StringValue *string    `json:"stringValue"`
		BoolValue   *bool      `json:"boolValue"`
		IntValue    *jsonInt   `json:"intValue"`
		DoubleValue *jsonFloat `json:"doubleValue"`
		ArrayValue  *struct {
			Values []jsonValue `json:"values"`
		} `json:"arrayValue"`
		KvlistValue *struct {
			Values []jsonKeyValue `json:"values"`
		} `json:"kvlistValue"`
		BytesValue *string `json:"bytesValue"`
	}
)

func (req *jsonRequest) spans() []*Span {
	var out []*Span
	for _, rs := range req.ResourceSpans {
		res := attrMap(rs.Resource.Attributes)
		service, _ := res["service.name"].(string)
		for _, ss := range rs.ScopeSpans {
			for _, js := range ss.Spans {
				if !validID(js.TraceID, 16) || !validID(js.SpanID, 8) {
					continue // not a span: a request of another signal
				}
				sp := &Span{
					TraceID: strings.ToLower(js.TraceID), SpanID: strings.ToLower(js.SpanID),
					Name: js.Name, Kind: int(js.Kind),
					Start: unixNano(uint64(js.Start)), End: unixNano(uint64(js.End)),
					Attrs:   attrMap(js.Attributes),
					Status:  Status{Code: int(js.Status.Code), Message: js.Status.Message},
					Service: service, Scope: ss.Scope.Name,
				}
				if validID(js.ParentSpanID, 8) {
					sp.ParentID = strings.ToLower(js.ParentSpanID)
				}
				for _, ev := range js.Events {
					sp.Events = append(sp.Events, Event{Name: ev.Name, Time: unixNano(uint64(ev.Time)), Attrs: attrMap(ev.Attributes)})
				}
				out = append(out, sp)
			}
		}
	}
	return out
}

func validID(id string, n int) bool {
	if len(id) != 2*n {
		return false
	}
	b, err := hex.DecodeString(id)
	return err == nil && !bytes.Equal(b, make([]byte, n))
}

func unixNano(n uint64) time.Time {
	if n == 0 || n > math.MaxInt64 {
		return time.Time{}
	}
	return time.Unix(0, int64(n)).UTC()
}

func attrMap(kvs []jsonKeyValue) map[string]any {
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.value()
	}
	return m
}

func (v jsonValue) value() any {
	switch {
	case v.StringValue != nil:
		return *v.StringValue
	case v.BoolValue != nil:
		return *v.BoolValue
	case v.IntValue != nil:
		return int64(*v.IntValue)
	case v.DoubleValue != nil:
		return float64(*v.DoubleValue)
	case v.ArrayValue != nil:
		out := make([]any, len(v.ArrayValue.Values))
		for i, e := range v.ArrayValue.Values {
			out[i] = e.value()
		}
		return out
	case v.KvlistValue != nil:
		return attrMap(v.KvlistValue.Values)
	case v.BytesValue != nil:
		return *v.BytesValue
	}
	return nil
}

// jsonUint is a uint64 written as a JSON string (as OTLP/JSON requires) or
// number.
type jsonUint uint64

func (u *jsonUint) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseUint(string(bytes.Trim(b, `"`)), 10, 64)
	if err != nil {
		return fmt.Errorf("not an unsigned integer: %s", b)
	}
	*u = jsonUint(n)
	return nil
}

// jsonInt is an int64 written as a JSON string or number.
type jsonInt int64

func (i *jsonInt) UnmarshalJSON(b []byte) error {
	n, err := strconv.ParseInt(string(bytes.Trim(b, `"`)), 10, 64)
	if err != nil {
		return fmt.Errorf("not an integer: %s", b)
	}
	*i = jsonInt(n)
	return nil
}

// jsonFloat is a double: a JSON number or "NaN", "Infinity", "-Infinity".
type jsonFloat float64

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	s := string(bytes.Trim(b, `"`))
	switch s {
	case "NaN":
		*f = jsonFloat(math.NaN())
	case "Infinity":
		*f = jsonFloat(math.Inf(1))
	case "-Infinity":
		*f = jsonFloat(math.Inf(-1))
	default:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return fmt.Errorf("not a number: %s", b)
		}
		*f = jsonFloat(v)
	}
	return nil
}

// jsonEnum is an enum written as a number (OTLP/JSON) or by name
// (SPAN_KIND_CLIENT, STATUS_CODE_ERROR), as other writers do.
type jsonEnum int

var enumNames = map[string]int{
	"SPAN_KIND_UNSPECIFIED": 0, "SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2, "SPAN_KIND_CLIENT": 3,
	"SPAN_KIND_PRODUCER": 4, "SPAN_KIND_CONSUMER": 5,
	"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2,
}

func (e *jsonEnum) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var name string
		if err := json.Unmarshal(b, &name); err != nil {
			return err
		}
		n, ok := enumNames[name]
		if !ok {
			return errors.New("unknown enum value " + strconv.Quote(name))
		}
		*e = jsonEnum(n)
		return nil
	}
	n, err := strconv.Atoi(string(b))
	if err != nil {
		return fmt.Errorf("not an enum value: %s", b)
	}
	*e = jsonEnum(n)
	return nil
}
