package results

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/binary"
	"math"
	"sync"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// hdrEncoder writes what hdrhistogram-go's Encode(V2CompressedEncodingCookieBase)
// writes, byte for byte, with one zlib writer for the process: Encode makes
// a new one per call, and a zlib writer at BestCompression allocates about
// 800 KB, twice a second while intervals seal.
var hdrEncoder struct {
	sync.Mutex
	z              *zlib.Writer
	raw, comp, out bytes.Buffer
	payload        []byte
}

// The V2 cookies, with hdrhistogram-go's word size bits.
const (
	v2Cookie           = hdr.V2EncodingCookieBase | 0x10
	v2CompressedCookie = hdr.V2CompressedEncodingCookieBase | 0x10
)

// encode is a histogram as HdrHistogram V2 compressed base64.
func encode(h *hdr.Histogram) string {
	s := h.Export()
	e := &hdrEncoder
	e.Lock()
	defer e.Unlock()
	// The payload: counts up to the highest non-zero one (at least one), as
	// ZigZag LEB128, a run of zeros as its negated length. (hdrhistogram-go
	// caps LEB128 at 9 bytes; they differ only for counts of 2^62 and more.)
	limit := 1
	for i := len(s.Counts) - 1; i >= 0; i-- {
		if s.Counts[i] != 0 {
			limit = i + 1
			break
		}
	}
	payload := e.payload[:0]
	for i := 0; i < limit; {
		count := s.Counts[i]
		i++
		if count == 0 {
			zeros := int64(1)
			for ; i < limit && s.Counts[i] == 0; i++ {
				zeros++
			}
			if zeros > 1 {
				count = -zeros
			}
		}
		payload = binary.AppendUvarint(payload, uint64((count<<1)^(count>>63)))
	}
	e.payload = payload
	ratio := s.IntegerToDoubleConversionRatio
	if ratio == 0 {
		ratio = 1
	}
	e.raw.Reset()
	be := binary.BigEndian
	var header [40]byte
	be.PutUint32(header[0:], uint32(v2Cookie))
	be.PutUint32(header[4:], uint32(len(payload)))
	be.PutUint32(header[8:], 0) // the normalizing index offset: counts are not rotated
	be.PutUint32(header[12:], uint32(s.SignificantFigures))
	be.PutUint64(header[16:], uint64(s.LowestTrackableValue))
	be.PutUint64(header[24:], uint64(s.HighestTrackableValue))
	be.PutUint64(header[32:], math.Float64bits(ratio))
	e.raw.Write(header[:])
	e.raw.Write(payload)

	e.comp.Reset()
	if e.z == nil {
		e.z, _ = zlib.NewWriterLevel(&e.comp, zlib.BestCompression)
	} else {
		e.z.Reset(&e.comp)
	}
	e.z.Write(e.raw.Bytes())
	e.z.Close()

	e.out.Reset()
	var prefix [8]byte
	be.PutUint32(prefix[0:], uint32(v2CompressedCookie))
	be.PutUint32(prefix[4:], uint32(e.comp.Len()))
	e.out.Write(prefix[:])
	e.out.Write(e.comp.Bytes())
	return base64.StdEncoding.EncodeToString(e.out.Bytes())
}
