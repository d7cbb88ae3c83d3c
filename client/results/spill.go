package results

import "os"

// An interval's two encoded histograms take about 3 KB at 10k/s: 11 MB an
// hour, all of it held to the end for the JSON summary. So past the first
// keptInMemory intervals a run keeps them in a temporary file instead, and
// its memory stays flat however long it runs. Without a writable temporary
// directory they stay in memory, as they do for a short run.
var keptInMemory = 60

// spill is an append-only temporary file of encoded histograms, removed from
// its directory as soon as it is made: the open file is all there is of it,
// and it goes when the run's summary does (os.File closes itself once
// unreachable). One goroutine puts; any may read.
type spill struct {
	f    *os.File
	size int64
	buf  []byte // what put writes, reused
}

// spilledHistograms is where an interval's two histograms are in a spill.
type spilledHistograms struct {
	spill                  *spill
	at                     int64
	latencyLen, serviceLen int
}

func newSpill() *spill {
	f, err := os.CreateTemp("", "cloudperf-timeline-*")
	if err != nil {
		return nil
	}
	if err := os.Remove(f.Name()); err != nil { // a file still open cannot be removed on every system
		f.Close()
		os.Remove(f.Name())
		return nil
	}
	return &spill{f: f}
}

// put appends the two histograms; on an error (a full disk) they stay where
// they were.
func (s *spill) put(latency, service string) (*spilledHistograms, error) {
	at := s.size
	s.buf = append(append(s.buf[:0], latency...), service...)
	if _, err := s.f.WriteAt(s.buf, at); err != nil {
		return nil, err
	}
	s.size += int64(len(s.buf))
	return &spilledHistograms{spill: s, at: at, latencyLen: len(latency), serviceLen: len(service)}, nil
}

func (h *spilledHistograms) read() (latency, service string, err error) {
	b := make([]byte, h.latencyLen+h.serviceLen)
	if _, err := h.spill.f.ReadAt(b, h.at); err != nil {
		return "", "", err
	}
	both := string(b) // one copy, which the two share
	return both[:h.latencyLen], both[h.latencyLen:], nil
}

// spillTo moves interval i's histograms to the timeline's spill, unless it is
// one of the first intervals or spilling failed before.
func (t *timeline) spillTo(i int, iv *Interval) {
	if i < keptInMemory || t.unspillable {
		return
	}
	if t.spill == nil {
		if t.spill = newSpill(); t.spill == nil {
			t.unspillable = true
			return
		}
	}
	h, err := t.spill.put(iv.Histogram, iv.ServiceHistogram)
	if err != nil {
		t.unspillable = true
		return
	}
	iv.spilled, iv.Histogram, iv.ServiceHistogram = h, "", ""
}
