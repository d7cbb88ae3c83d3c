package results

import (
	"math/rand/v2"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// encode writes what hdrhistogram-go's Encode writes, byte for byte, so the
// log is the same whichever wrote it, and reusing its zlib writer carries
// nothing from one histogram to the next.
func TestEncodeIsHdrHistogramsEncoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tt := range []struct {
		name   string
		record func(h *hdr.Histogram)
	}{
		{"empty", func(*hdr.Histogram) {}},
		{"one value", func(h *hdr.Histogram) { h.RecordValue(1) }},
		{"the largest value", func(h *hdr.Histogram) { h.RecordValue(histHighest) }},
		{"large counts", func(h *hdr.Histogram) { h.RecordValues(250, 1<<40); h.RecordValues(3, 1<<20) }},
		{"runs of zeros", func(h *hdr.Histogram) {
			for v := int64(1); v < histHighest; v *= 3 {
				h.RecordValue(v)
			}
		}},
		{"a run at 10k/s", func(h *hdr.Histogram) {
			for range 10000 {
				h.RecordValue(int64(rng.ExpFloat64()*300) + 40)
			}
		}},
		{"empty again", func(*hdr.Histogram) {}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := NewHistogram()
			tt.record(h)
			want, err := h.Encode(hdr.V2CompressedEncodingCookieBase)
			if err != nil {
				t.Fatal(err)
			}
			if got := encode(h); got != string(want) {
				t.Errorf("encode:\n%s\nhdrhistogram-go:\n%s", got, want)
			}
		})
	}
}

// encode reuses its zlib writer and buffers: a handful of allocations (the
// counts' snapshot, the payload, the string), where hdrhistogram-go's Encode
// makes a new ~800 KB writer and one allocation per bucket.
func TestZeroAllocEncodeReusesItsWriter(t *testing.T) {
	h := NewHistogram()
	for v := int64(1); v < 100000; v += 7 {
		h.RecordValue(v)
	}
	encode(h)
	const most = 8
	if n := testing.AllocsPerRun(20, func() { encode(h) }); n > most {
		t.Errorf("encode allocates %.0f times, want at most %d", n, most)
	}
}
