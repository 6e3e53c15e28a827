package otlp

import (
	"encoding/binary"
	"math"
)

// Protobuf wire types.
const (
	wireVarint  = 0
	wireFixed64 = 1
	wireBytes   = 2
	wireFixed32 = 5
)

// encoder appends the protobuf encoding of OTLP messages to buf. Fields at
// their zero value are left out, as proto3 does for fields without
// presence; the callers write fields with presence (oneof members, the
// optional sum, min and max) with the *Always methods.
type encoder struct {
	buf []byte
}

func (e *encoder) tag(field, wireType int) {
	e.buf = binary.AppendUvarint(e.buf, uint64(field)<<3|uint64(wireType))
}

func (e *encoder) uvarint(field int, v uint64) {
	if v != 0 {
		e.uvarintAlways(field, v)
	}
}

func (e *encoder) uvarintAlways(field int, v uint64) {
	e.tag(field, wireVarint)
	e.buf = binary.AppendUvarint(e.buf, v)
}

// svarint writes a sint32/sint64 (zigzag) field.
func (e *encoder) svarint(field int, v int64) {
	e.uvarint(field, uint64(v<<1)^uint64(v>>63))
}

func (e *encoder) bool(field int, v bool) {
	if v {
		e.uvarintAlways(field, 1)
	}
}

func (e *encoder) fixed64(field int, v uint64) {
	if v != 0 {
		e.fixed64Always(field, v)
	}
}

func (e *encoder) fixed64Always(field int, v uint64) {
	e.tag(field, wireFixed64)
	e.buf = binary.LittleEndian.AppendUint64(e.buf, v)
}

func (e *encoder) fixed32(field int, v uint32) {
	if v != 0 {
		e.tag(field, wireFixed32)
		e.buf = binary.LittleEndian.AppendUint32(e.buf, v)
	}
}

func (e *encoder) double(field int, v float64) {
	e.fixed64(field, math.Float64bits(v))
}

func (e *encoder) doubleAlways(field int, v float64) {
	e.fixed64Always(field, math.Float64bits(v))
}

func (e *encoder) string(field int, s string) {
	if s != "" {
		e.stringAlways(field, s)
	}
}

func (e *encoder) stringAlways(field int, s string) {
	e.tag(field, wireBytes)
	e.buf = binary.AppendUvarint(e.buf, uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) bytes(field int, b []byte) {
	if len(b) != 0 {
		e.tag(field, wireBytes)
		e.buf = binary.AppendUvarint(e.buf, uint64(len(b)))
		e.buf = append(e.buf, b...)
	}
}

// packedFixed64 writes a packed repeated fixed64 field.
func (e *encoder) packedFixed64(field int, vs []uint64) {
	if len(vs) == 0 {
		return
	}
	e.tag(field, wireBytes)
	e.buf = binary.AppendUvarint(e.buf, uint64(8*len(vs)))
	for _, v := range vs {
		e.buf = binary.LittleEndian.AppendUint64(e.buf, v)
	}
}

// packedDouble writes a packed repeated double field.
func (e *encoder) packedDouble(field int, vs []float64) {
	if len(vs) == 0 {
		return
	}
	e.tag(field, wireBytes)
	e.buf = binary.AppendUvarint(e.buf, uint64(8*len(vs)))
	for _, v := range vs {
		e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(v))
	}
}

// packedUvarint writes a packed repeated uint64 field.
func (e *encoder) packedUvarint(field int, vs []uint64) {
	if len(vs) == 0 {
		return
	}
	e.message(field, func() {
		for _, v := range vs {
			e.buf = binary.AppendUvarint(e.buf, v)
		}
	})
}

// message writes an embedded message field whose contents body appends.
// The field is written even when body appends nothing, since messages
// have presence.
func (e *encoder) message(field int, body func()) {
	e.tag(field, wireBytes)
	start := len(e.buf)
	body()
	n := len(e.buf) - start
	// Insert the length before the contents now that it is known.
	var length [binary.MaxVarintLen64]byte
	k := binary.PutUvarint(length[:], uint64(n))
	e.buf = append(e.buf, length[:k]...)
	copy(e.buf[start+k:], e.buf[start:start+n])
	copy(e.buf[start:], length[:k])
}
