package otlp

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// JSON returns the OTLP/JSON encoding of an OTLP protobuf request of
// signal (an ExportTraceServiceRequest or an ExportMetricsServiceRequest),
// as the OTLP specification defines it and the OpenTelemetry Collector's
// file exporter writes it: lowerCamelCase field names, trace and span ids
// in hex, 64-bit integers as decimal strings, enums as numbers, fields at
// their default value left out. Fields it does not know are left out too.
//
// It works on the protobuf encoding, so that the runtime needs one encoder
// of its spans and metrics and no generated code, and so that llminstr
// view reads protobuf and JSON through the same schema.
func JSON(signal Signal, pb []byte) ([]byte, error) {
	root := pbTraceRequest
	if signal == Metrics {
		root = pbMetricsRequest
	}
	var out []byte
	out, err := appendMessage(out, root, pb)
	if err != nil {
		return nil, fmt.Errorf("otlp: decoding %s request: %w", strings.ToLower(signal.env), err)
	}
	return out, nil
}

// kind is how a field is decoded from protobuf and written in JSON.
type kind uint8

const (
	kindMessage kind = iota
	kindString
	kindBytes   // base64, as proto3 JSON writes bytes
	kindID      // trace and span ids: hex
	kindBool    // varint
	kindUint32  // varint, a JSON number
	kindEnum    // varint, a JSON number
	kindInt64   // varint, a JSON string
	kindUint64  // varint, a JSON string
	kindSint32  // zigzag varint, a JSON number
	kindFixed32 // a JSON number
	kindFixed64 // a JSON string
	kindSfixed  // sfixed64, a JSON string
	kindDouble  // fixed64
)

// pbField describes one field of a message schema.
type pbField struct {
	name     string
	kind     kind
	repeated bool
	msg      *schema // for kindMessage
}

// schema maps field numbers to fields.
type schema map[uint64]pbField

var (
	pbAnyValue     = schema{}
	pbKeyValue     = schema{1: {name: "key", kind: kindString}, 2: {name: "value", kind: kindMessage, msg: &pbAnyValue}}
	pbArrayValue   = schema{1: {name: "values", kind: kindMessage, repeated: true, msg: &pbAnyValue}}
	pbKeyValueList = schema{1: {name: "values", kind: kindMessage, repeated: true, msg: &pbKeyValue}}
	pbAttributes   = func(n string) pbField { return pbField{name: n, kind: kindMessage, repeated: true, msg: &pbKeyValue} }
	pbResource     = schema{1: pbAttributes("attributes"), 2: {name: "droppedAttributesCount", kind: kindUint32}}
	pbScope        = schema{
		1: {name: "name", kind: kindString}, 2: {name: "version", kind: kindString},
		3: pbAttributes("attributes"), 4: {name: "droppedAttributesCount", kind: kindUint32},
	}

	pbEvent = schema{
		1: {name: "timeUnixNano", kind: kindFixed64}, 2: {name: "name", kind: kindString},
		3: pbAttributes("attributes"), 4: {name: "droppedAttributesCount", kind: kindUint32},
	}
	pbLink = schema{
		1: {name: "traceId", kind: kindID}, 2: {name: "spanId", kind: kindID}, 3: {name: "traceState", kind: kindString},
		4: pbAttributes("attributes"), 5: {name: "droppedAttributesCount", kind: kindUint32}, 6: {name: "flags", kind: kindFixed32},
	}
	pbStatus = schema{2: {name: "message", kind: kindString}, 3: {name: "code", kind: kindEnum}}
	pbSpan   = schema{
		1: {name: "traceId", kind: kindID}, 2: {name: "spanId", kind: kindID}, 3: {name: "traceState", kind: kindString},
		4: {name: "parentSpanId", kind: kindID}, 16: {name: "flags", kind: kindFixed32}, 5: {name: "name", kind: kindString},
		6: {name: "kind", kind: kindEnum}, 7: {name: "startTimeUnixNano", kind: kindFixed64}, 8: {name: "endTimeUnixNano", kind: kindFixed64},
		9: pbAttributes("attributes"), 10: {name: "droppedAttributesCount", kind: kindUint32},
		11: {name: "events", kind: kindMessage, repeated: true, msg: &pbEvent}, 12: {name: "droppedEventsCount", kind: kindUint32},
		13: {name: "links", kind: kindMessage, repeated: true, msg: &pbLink}, 14: {name: "droppedLinksCount", kind: kindUint32},
		15: {name: "status", kind: kindMessage, msg: &pbStatus},
	}
	pbScopeSpans = schema{
		1: {name: "scope", kind: kindMessage, msg: &pbScope},
		2: {name: "spans", kind: kindMessage, repeated: true, msg: &pbSpan}, 3: {name: "schemaUrl", kind: kindString},
	}
	pbResourceSpans = schema{
		1: {name: "resource", kind: kindMessage, msg: &pbResource},
		2: {name: "scopeSpans", kind: kindMessage, repeated: true, msg: &pbScopeSpans}, 3: {name: "schemaUrl", kind: kindString},
	}
	pbTraceRequest = schema{1: {name: "resourceSpans", kind: kindMessage, repeated: true, msg: &pbResourceSpans}}

	pbExemplar = schema{
		7: pbAttributes("filteredAttributes"), 2: {name: "timeUnixNano", kind: kindFixed64},
		3: {name: "asDouble", kind: kindDouble}, 6: {name: "asInt", kind: kindSfixed},
		4: {name: "spanId", kind: kindID}, 5: {name: "traceId", kind: kindID},
	}
	pbExemplars   = pbField{name: "exemplars", kind: kindMessage, repeated: true, msg: &pbExemplar}
	pbNumberPoint = schema{
		7: pbAttributes("attributes"), 2: {name: "startTimeUnixNano", kind: kindFixed64}, 3: {name: "timeUnixNano", kind: kindFixed64},
		4: {name: "asDouble", kind: kindDouble}, 6: {name: "asInt", kind: kindSfixed}, 5: pbExemplars, 8: {name: "flags", kind: kindUint32},
	}
	pbHistogramPoint = schema{
		9: pbAttributes("attributes"), 2: {name: "startTimeUnixNano", kind: kindFixed64}, 3: {name: "timeUnixNano", kind: kindFixed64},
		4: {name: "count", kind: kindFixed64}, 5: {name: "sum", kind: kindDouble},
		6: {name: "bucketCounts", kind: kindFixed64, repeated: true}, 7: {name: "explicitBounds", kind: kindDouble, repeated: true},
		8: pbExemplars, 10: {name: "flags", kind: kindUint32}, 11: {name: "min", kind: kindDouble}, 12: {name: "max", kind: kindDouble},
	}
	pbBuckets           = schema{1: {name: "offset", kind: kindSint32}, 2: {name: "bucketCounts", kind: kindUint64, repeated: true}}
	pbExpHistogramPoint = schema{
		1: pbAttributes("attributes"), 2: {name: "startTimeUnixNano", kind: kindFixed64}, 3: {name: "timeUnixNano", kind: kindFixed64},
		4: {name: "count", kind: kindFixed64}, 5: {name: "sum", kind: kindDouble}, 6: {name: "scale", kind: kindSint32},
		7: {name: "zeroCount", kind: kindFixed64}, 8: {name: "positive", kind: kindMessage, msg: &pbBuckets},
		9: {name: "negative", kind: kindMessage, msg: &pbBuckets}, 10: {name: "flags", kind: kindUint32}, 11: pbExemplars,
		12: {name: "min", kind: kindDouble}, 13: {name: "max", kind: kindDouble}, 14: {name: "zeroThreshold", kind: kindDouble},
	}
	pbTemporality = pbField{name: "aggregationTemporality", kind: kindEnum}
	pbGauge       = schema{1: {name: "dataPoints", kind: kindMessage, repeated: true, msg: &pbNumberPoint}}
	pbSum         = schema{
		1: {name: "dataPoints", kind: kindMessage, repeated: true, msg: &pbNumberPoint}, 2: pbTemporality,
		3: {name: "isMonotonic", kind: kindBool},
	}
	pbHistogram    = schema{1: {name: "dataPoints", kind: kindMessage, repeated: true, msg: &pbHistogramPoint}, 2: pbTemporality}
	pbExpHistogram = schema{1: {name: "dataPoints", kind: kindMessage, repeated: true, msg: &pbExpHistogramPoint}, 2: pbTemporality}
	pbMetric       = schema{
		1: {name: "name", kind: kindString}, 2: {name: "description", kind: kindString}, 3: {name: "unit", kind: kindString},
		5: {name: "gauge", kind: kindMessage, msg: &pbGauge}, 7: {name: "sum", kind: kindMessage, msg: &pbSum},
		9: {name: "histogram", kind: kindMessage, msg: &pbHistogram}, 10: {name: "exponentialHistogram", kind: kindMessage, msg: &pbExpHistogram},
		12: pbAttributes("metadata"),
	}
	pbScopeMetrics = schema{
		1: {name: "scope", kind: kindMessage, msg: &pbScope},
		2: {name: "metrics", kind: kindMessage, repeated: true, msg: &pbMetric}, 3: {name: "schemaUrl", kind: kindString},
	}
	pbResourceMetrics = schema{
		1: {name: "resource", kind: kindMessage, msg: &pbResource},
		2: {name: "scopeMetrics", kind: kindMessage, repeated: true, msg: &pbScopeMetrics}, 3: {name: "schemaUrl", kind: kindString},
	}
	pbMetricsRequest = schema{1: {name: "resourceMetrics", kind: kindMessage, repeated: true, msg: &pbResourceMetrics}}
)

func init() {
	// AnyValue refers to itself through ArrayValue and KeyValueList.
	pbAnyValue[1] = pbField{name: "stringValue", kind: kindString}
	pbAnyValue[2] = pbField{name: "boolValue", kind: kindBool}
	pbAnyValue[3] = pbField{name: "intValue", kind: kindInt64}
	pbAnyValue[4] = pbField{name: "doubleValue", kind: kindDouble}
	pbAnyValue[5] = pbField{name: "arrayValue", kind: kindMessage, msg: &pbArrayValue}
	pbAnyValue[6] = pbField{name: "kvlistValue", kind: kindMessage, msg: &pbKeyValueList}
	pbAnyValue[7] = pbField{name: "bytesValue", kind: kindBytes}
}

// maxDepth bounds the nesting of messages (AnyValue is recursive).
const maxDepth = 64

var errTruncated = errors.New("truncated message")

// appendMessage appends the JSON object of the message s encoded in pb.
// Fields are written in the order they first appear; the values of a
// repeated field, wherever they appear, are gathered into one array.
func appendMessage(out []byte, s schema, pb []byte) ([]byte, error) {
	return appendMessageDepth(out, s, pb, 0)
}

func appendMessageDepth(out []byte, s schema, pb []byte, depth int) ([]byte, error) {
	if depth > maxDepth {
		return nil, errors.New("messages nested too deeply")
	}
	type entry struct {
		f      pbField
		values [][]byte // JSON values
	}
	var entries []*entry
	byNumber := map[uint64]*entry{}
	for len(pb) > 0 {
		tag, n := binary.Uvarint(pb)
		if n <= 0 {
			return nil, errTruncated
		}
		pb = pb[n:]
		number, wire := tag>>3, int(tag&7)
		var raw []byte // the field's bytes (length-delimited) or value bytes
		var scalar uint64
		switch wire {
		case wireVarint:
			v, n := binary.Uvarint(pb)
			if n <= 0 {
				return nil, errTruncated
			}
			scalar, pb = v, pb[n:]
		case wireFixed64:
			if len(pb) < 8 {
				return nil, errTruncated
			}
			scalar, raw, pb = binary.LittleEndian.Uint64(pb), pb[:8], pb[8:]
		case wireFixed32:
			if len(pb) < 4 {
				return nil, errTruncated
			}
			scalar, pb = uint64(binary.LittleEndian.Uint32(pb)), pb[4:]
		case wireBytes:
			l, n := binary.Uvarint(pb)
			if n <= 0 || uint64(len(pb)-n) < l {
				return nil, errTruncated
			}
			raw, pb = pb[n:n+int(l)], pb[n+int(l):]
		default:
			return nil, fmt.Errorf("unsupported wire type %d", wire)
		}
		f, known := s[number]
		if !known {
			continue
		}
		var values [][]byte
		switch {
		case f.kind == kindMessage:
			if wire != wireBytes {
				return nil, fmt.Errorf("pbField %s: wire type %d for a message", f.name, wire)
			}
			v, err := appendMessageDepth(nil, *f.msg, raw, depth+1)
			if err != nil {
				return nil, err
			}
			values = append(values, v)
		case wire == wireBytes && f.repeated && f.kind != kindString && f.kind != kindBytes && f.kind != kindID:
			// A packed repeated scalar.
			for len(raw) > 0 {
				var v uint64
				switch f.kind {
				case kindFixed64, kindDouble, kindSfixed:
					if len(raw) < 8 {
						return nil, errTruncated
					}
					v, raw = binary.LittleEndian.Uint64(raw), raw[8:]
				case kindFixed32:
					if len(raw) < 4 {
						return nil, errTruncated
					}
					v, raw = uint64(binary.LittleEndian.Uint32(raw)), raw[4:]
				default:
					var n int
					if v, n = binary.Uvarint(raw); n <= 0 {
						return nil, errTruncated
					}
					raw = raw[n:]
				}
				values = append(values, scalarJSON(f.kind, v))
			}
		case wire == wireBytes:
			values = append(values, bytesJSON(f.kind, raw))
		default:
			values = append(values, scalarJSON(f.kind, scalar))
		}
		e := byNumber[number]
		if e == nil {
			e = &entry{f: f}
			byNumber[number] = e
			entries = append(entries, e)
		}
		if f.repeated {
			e.values = append(e.values, values...)
		} else {
			e.values = values // the last one wins, as in protobuf
		}
	}
	out = append(out, '{')
	for i, e := range entries {
		if i > 0 {
			out = append(out, ',')
		}
		out = strconv.AppendQuote(out, e.f.name) // names are ASCII
		out = append(out, ':')
		if e.f.repeated {
			out = append(out, '[')
		}
		for j, v := range e.values {
			if j > 0 {
				out = append(out, ',')
			}
			out = append(out, v...)
		}
		if e.f.repeated {
			out = append(out, ']')
		}
	}
	return append(out, '}'), nil
}

// scalarJSON is the JSON value of a scalar field.
func scalarJSON(k kind, v uint64) []byte {
	switch k {
	case kindBool:
		return strconv.AppendBool(nil, v != 0)
	case kindUint32, kindFixed32:
		return strconv.AppendUint(nil, uint64(uint32(v)), 10)
	case kindEnum:
		return strconv.AppendInt(nil, int64(int32(v)), 10)
	case kindSint32:
		return strconv.AppendInt(nil, int64(int32(uint32(v>>1)^-uint32(v&1))), 10)
	case kindInt64, kindSfixed:
		return strconv.AppendQuote(nil, strconv.FormatInt(int64(v), 10))
	case kindUint64, kindFixed64:
		return strconv.AppendQuote(nil, strconv.FormatUint(v, 10))
	case kindDouble:
		f := math.Float64frombits(v)
		switch {
		case math.IsNaN(f):
			return []byte(`"NaN"`)
		case math.IsInf(f, 1):
			return []byte(`"Infinity"`)
		case math.IsInf(f, -1):
			return []byte(`"-Infinity"`)
		}
		return strconv.AppendFloat(nil, f, 'g', -1, 64)
	}
	return []byte("null")
}

// bytesJSON is the JSON value of a length-delimited scalar field.
func bytesJSON(k kind, b []byte) []byte {
	switch k {
	case kindString:
		return appendJSONString(nil, b)
	case kindID:
		return strconv.AppendQuote(nil, hex.EncodeToString(b))
	}
	return strconv.AppendQuote(nil, base64.StdEncoding.EncodeToString(b))
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONString(out, s []byte) []byte {
	const hexDigits = "0123456789abcdef"
	out = append(out, '"')
	for len(s) > 0 {
		r, size := utf8.DecodeRune(s)
		switch {
		case r == utf8.RuneError && size == 1:
			out = append(out, `\ufffd`...)
		case r == '"' || r == '\\':
			out = append(out, '\\', byte(r))
		case r == '\n':
			out = append(out, `\n`...)
		case r == '\r':
			out = append(out, `\r`...)
		case r == '\t':
			out = append(out, `\t`...)
		case r < 0x20 || r == '<' || r == '>' || r == '&' || r == '\u2028' || r == '\u2029':
			out = append(out, `\u`...)
			out = append(out, hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
		default:
			out = append(out, s[:size]...)
		}
		s = s[size:]
	}
	return append(out, '"')
}
