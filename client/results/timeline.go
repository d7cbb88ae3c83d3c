package results

import (
	"encoding/json"
	"fmt"
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
	// Service time of the same responses, from the actual send.
	ServiceP50 Millis `json:"service_p50_ms"`
	ServiceP99 Millis `json:"service_p99_ms"`
	// Histogram is the interval's corrected-latency histogram (HdrHistogram V2,
	// compressed) so runs from several machines merge exactly; ServiceHistogram
	// the service time's. A long run keeps them in a file (spilled) until they
	// are written: read them with Histograms.
	Histogram        string `json:"histogram,omitempty"`
	ServiceHistogram string `json:"service_histogram,omitempty"`
	spilled          *spilledHistograms
}

// Histograms are the interval's two encoded histograms, wherever they are.
func (iv Interval) Histograms() (latency, service string, err error) {
	if iv.spilled == nil {
		return iv.Histogram, iv.ServiceHistogram, nil
	}
	return iv.spilled.read()
}

// WithoutHistograms is the interval without its histograms.
func (iv Interval) WithoutHistograms() Interval {
	iv.Histogram, iv.ServiceHistogram, iv.spilled = "", "", nil
	return iv
}

// MarshalJSON writes the histograms from wherever they are.
func (iv Interval) MarshalJSON() ([]byte, error) {
	f, err := iv.loaded()
	if err != nil {
		return nil, err
	}
	return json.Marshal(f)
}

// intervalFields is Interval without its MarshalJSON method.
type intervalFields Interval

// loaded is the interval with its histograms read back, to encode as it is.
func (iv Interval) loaded() (intervalFields, error) {
	var err error
	if iv.Histogram, iv.ServiceHistogram, err = iv.Histograms(); err != nil {
		return intervalFields{}, fmt.Errorf("reading back the histograms of the interval at %v: %v", iv.Start.D(), err)
	}
	return intervalFields(iv), nil
}

// timeline keeps per-interval counts and, for the few most recent intervals,
// a live histogram; older ones are reduced to their percentiles and encoding.
type timeline struct {
	width       time.Duration
	intervals   []Interval
	live        map[int]*hdr.Histogram // corrected latency
	liveService map[int]*hdr.Histogram
	spare       []*hdr.Histogram
	sealed      int // intervals below this index are final
	spill       *spill
	unspillable bool // making or writing the spill failed: keep the rest in memory
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

func (t *timeline) add(r Result, latencyUS, serviceUS int64) {
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
	_ = t.histogram(&t.live, i).RecordValue(min(latencyUS, histHighest))
	_ = t.histogram(&t.liveService, i).RecordValue(min(serviceUS, histHighest))
	t.seal(i - reorderWindow)
}

// histogram is interval i's live histogram in *live, a spare one if new.
func (t *timeline) histogram(live *map[int]*hdr.Histogram, i int) *hdr.Histogram {
	h := (*live)[i]
	if h == nil {
		if *live == nil {
			*live = make(map[int]*hdr.Histogram)
		}
		if n := len(t.spare); n > 0 {
			h, t.spare = t.spare[n-1], t.spare[:n-1]
		} else {
			h = NewHistogram()
		}
		(*live)[i] = h
	}
	return h
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
		sh := t.liveService[t.sealed]
		delete(t.live, t.sealed)
		delete(t.liveService, t.sealed)
		iv := t.at(t.sealed)
		iv.setLatency(h)
		iv.setService(sh)
		t.spillTo(t.sealed, iv)
		h.Reset()
		sh.Reset()
		t.spare = append(t.spare, h, sh)
	}
}

// close finalizes everything.
func (t *timeline) close() { t.seal(len(t.intervals)) }

// setLatency sets the interval's corrected-latency figures from h.
func (iv *Interval) setLatency(h *hdr.Histogram) {
	iv.P50 = Millis(usToDuration(h.ValueAtQuantile(50)))
	iv.P90 = Millis(usToDuration(h.ValueAtQuantile(90)))
	iv.P99 = Millis(usToDuration(h.ValueAtQuantile(99)))
	iv.Max = Millis(usToDuration(h.Max()))
	iv.Histogram = encode(h)
}

// setService sets the interval's service-time figures from h.
func (iv *Interval) setService(h *hdr.Histogram) {
	iv.ServiceP50 = Millis(usToDuration(h.ValueAtQuantile(50)))
	iv.ServiceP99 = Millis(usToDuration(h.ValueAtQuantile(99)))
	iv.ServiceHistogram = encode(h)
}
