package pipeline

import "math"

// The size and the starting scale of exponential histograms, the
// specification's defaults.
const (
	expoMaxSize  = 160
	expoMaxScale = 20
)

// expoBuckets are the buckets of a base-2 exponential histogram of
// positive values: the scale starts at expoMaxScale and goes down as
// needed to keep at most expoMaxSize buckets.
type expoBuckets struct {
	scale  int32
	zero   uint64
	offset int32 // bucket index of counts[0]
	counts []uint64
}

func newExpoBuckets() *expoBuckets { return &expoBuckets{scale: expoMaxScale} }

func (b *expoBuckets) add(v float64) {
	if v == 0 {
		b.zero++
		return
	}
	i := bucketIndex(v, b.scale)
	if len(b.counts) == 0 {
		b.offset, b.counts = i, []uint64{1}
		return
	}
	last := b.offset + int32(len(b.counts)) - 1
	if change := scaleChange(min(b.offset, i), max(last, i)); change > 0 {
		b.downscale(change)
		i >>= change
		last = b.offset + int32(len(b.counts)) - 1
	}
	switch {
	case i < b.offset:
		b.counts = append(make([]uint64, b.offset-i), b.counts...)
		b.offset = i
	case i > last:
		b.counts = append(b.counts, make([]uint64, i-last)...)
	}
	b.counts[i-b.offset]++
}

// scaleChange is how much the scale must go down for buckets low to high
// to fit in expoMaxSize.
func scaleChange(low, high int32) int32 {
	var change int32
	for high-low >= expoMaxSize {
		low >>= 1
		high >>= 1
		change++
	}
	return change
}

// downscale lowers the scale by change, merging buckets: bucket i becomes
// bucket i>>change.
func (b *expoBuckets) downscale(change int32) {
	offset := b.offset >> change
	last := (b.offset + int32(len(b.counts)) - 1) >> change
	counts := make([]uint64, last-offset+1)
	for j, c := range b.counts {
		counts[(b.offset+int32(j))>>change-offset] += c
	}
	b.counts, b.offset, b.scale = counts, offset, b.scale-change
}

// bucketIndex is the index of the bucket holding v > 0 at scale: bucket i
// holds (base^i, base^(i+1)] where base = 2^(2^-scale). It is computed as
// the OpenTelemetry Go SDK computes it, so that exact powers of two land
// where the specification puts them.
func bucketIndex(v float64, scale int32) int32 {
	frac, exp := math.Frexp(v)
	if scale <= 0 {
		correction := int32(1)
		if frac == .5 {
			correction = 2
		}
		return (int32(exp) - correction) >> -scale
	}
	return int32(exp)<<scale + int32(math.Log(frac)*math.Ldexp(math.Log2E, int(scale))) - 1
}

// point completes p with the buckets.
func (b *expoBuckets) point(p ExponentialPoint) ExponentialPoint {
	p.Scale, p.ZeroCount, p.Offset = b.scale, b.zero, b.offset
	p.Counts = append([]uint64(nil), b.counts...)
	return p
}
