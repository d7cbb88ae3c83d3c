package load

import (
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Interval is one step of the time series. Sent counts requests by the time
// they were sent; Completed, OK, Errors and the latencies count responses by
// the time they completed; Dropped counts requests by the time they were due.
type Interval struct {
	Start     Millis  `json:"start_ms"`
	Offered   float64 `json:"offered"` // requests due in the interval by the schedule
	Sent      int64   `json:"sent"`
	Completed int64   `json:"completed"`
	OK        int64   `json:"ok"`
	Errors    int64   `json:"errors"`
	Dropped   int64   `json:"dropped,omitempty"` // requests due in the interval that were never sent
	P50       Millis  `json:"p50_ms"`
	P90       Millis  `json:"p90_ms"`
	P99       Millis  `json:"p99_ms"`
	Max       Millis  `json:"max_ms"`
	// Histogram is the interval's corrected-latency histogram (HdrHistogram V2,
	// compressed) so runs from several machines merge exactly.
	Histogram string `json:"histogram,omitempty"`
}

// timeline keeps per-interval counts and, for the few most recent intervals,
// a live histogram; older ones are reduced to their percentiles and encoding.
type timeline struct {
	width     time.Duration
	intervals []Interval
	live      map[int]*hdr.Histogram
	spare     []*hdr.Histogram
	sealed    int // intervals below this index are final
}

// reorderWindow is how many intervals back a late result may still land:
// results arrive in completion order up to the scheduling of goroutines.
const reorderWindow = 2

func (t *timeline) at(i int) *Interval {
	for len(t.intervals) <= i {
		t.intervals = append(t.intervals, Interval{Start: Millis(time.Duration(len(t.intervals)) * t.width)})
	}
	return &t.intervals[i]
}

func (t *timeline) add(r Result, latencyUS int64) {
	t.at(int(r.Sent/t.width)).Sent++
	i := int(r.Done / t.width)
	iv := t.at(i)
	iv.Completed++
	if r.OK() {
		iv.OK++
	} else {
		iv.Errors++
	}
	if i < t.sealed { // later than the window allows: counted, not in its percentiles
		return
	}
	h := t.live[i]
	if h == nil {
		if t.live == nil {
			t.live = make(map[int]*hdr.Histogram)
		}
		if n := len(t.spare); n > 0 {
			h, t.spare = t.spare[n-1], t.spare[:n-1]
		} else {
			h = NewHistogram()
		}
		t.live[i] = h
	}
	_ = h.RecordValue(min(latencyUS, histHighest))
	t.seal(i - reorderWindow)
}

// drop counts a dropped request in the interval it was due in.
func (t *timeline) drop(r Result) { t.at(int(r.Intended/t.width)).Dropped++ }

// seal finalizes every interval before end.
func (t *timeline) seal(end int) {
	for ; t.sealed < end; t.sealed++ {
		h := t.live[t.sealed]
		if h == nil {
			continue
		}
		delete(t.live, t.sealed)
		iv := t.at(t.sealed)
		iv.P50 = Millis(usToDuration(h.ValueAtQuantile(50)))
		iv.P90 = Millis(usToDuration(h.ValueAtQuantile(90)))
		iv.P99 = Millis(usToDuration(h.ValueAtQuantile(99)))
		iv.Max = Millis(usToDuration(h.Max()))
		enc, _ := h.Encode(hdr.V2CompressedEncodingCookieBase)
		iv.Histogram = string(enc)
		h.Reset()
		t.spare = append(t.spare, h)
	}
}

// close finalizes everything.
func (t *timeline) close() { t.seal(len(t.intervals)) }
