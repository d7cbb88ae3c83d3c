package results

import (
	"sort"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/cloudperf/cloudperf/client/plan"
)

// Histograms record microseconds from 1 µs to an hour with three significant
// figures; a larger value is recorded as the largest and counted as clamped.
const (
	histLowest  = 1
	histHighest = int64(time.Hour / time.Microsecond)
	histSigFigs = 3
)

// NewHistogram returns an empty latency histogram in microseconds.
func NewHistogram() *hdr.Histogram { return hdr.New(histLowest, histHighest, histSigFigs) }

// Metrics aggregates results as they stream by; memory does not grow with the
// number of requests, and with run length only by an interval's counts and
// percentiles a second (its histograms go to a file past the first minute).
// Not safe for concurrent use: one goroutine feeds it.
type Metrics struct {
	schedule *plan.Schedule
	width    time.Duration

	corrected, service, lag *hdr.Histogram
	clamped                 int64

	requests, ok, warmup, bytes int64
	dropped                     int64
	errors                      map[string]int64
	hosts                       map[string]int64
	firstIntended, lastSent     time.Duration
	lastDone                    time.Duration

	stages   []stageMetrics
	timeline timeline
}

type stageMetrics struct {
	corrected    *hdr.Histogram
	requests, ok int64
}

// NewMetrics prepares the aggregates for a run of s, with a time series of
// the given interval width (default one second).
func NewMetrics(s *plan.Schedule, width time.Duration) *Metrics {
	if width <= 0 {
		width = time.Second
	}
	m := &Metrics{
		schedule:      s,
		width:         width,
		corrected:     NewHistogram(),
		service:       NewHistogram(),
		lag:           NewHistogram(),
		errors:        make(map[string]int64),
		hosts:         make(map[string]int64),
		stages:        make([]stageMetrics, len(s.Stages())),
		firstIntended: -1,
	}
	for i := range m.stages {
		m.stages[i].corrected = NewHistogram()
	}
	m.timeline.width = width
	return m
}

// Add folds one result into every aggregate. Warm-up results are only counted.
//
// A dropped request (due, never sent) is a failed request whose corrected
// latency runs from when it was due to when the run gave up on it: a lower
// bound on the wait it stands for, so the queue the target (or the
// generator) left behind still counts. It has no service time or dispatch
// lag (it was never sent), and no place in the rates of what was sent.
func (m *Metrics) Add(r Result) {
	if r.Warmup {
		m.warmup++
		return
	}
	m.requests++
	if r.OK() {
		m.ok++
	} else {
		m.errors[r.ErrorKey()]++
	}
	if m.firstIntended < 0 || r.Intended < m.firstIntended {
		m.firstIntended = r.Intended
	}
	latency := micros(r.Latency())
	m.record(m.corrected, latency)
	st := &m.stages[r.Stage]
	st.requests++
	if r.OK() {
		st.ok++
	}
	m.record(st.corrected, latency)
	if r.Dropped() {
		m.dropped++
		m.timeline.drop(r)
		return
	}

	m.bytes += r.Bytes
	if r.Host != "" {
		m.hosts[r.Host]++
	}
	m.lastSent = max(m.lastSent, r.Sent)
	m.lastDone = max(m.lastDone, r.Done)
	service := micros(r.ServiceTime())
	m.record(m.service, service)
	m.record(m.lag, micros(max(r.Lag(), 0)))
	m.timeline.add(r, latency, service)
}

func (m *Metrics) record(h *hdr.Histogram, us int64) {
	if us > histHighest {
		us = histHighest
		m.clamped++
	}
	_ = h.RecordValue(us) // in range by construction
}

func micros(d time.Duration) int64 {
	if d < time.Microsecond {
		return histLowest
	}
	return int64(d / time.Microsecond)
}

// Errors is how many measured results failed.
func (m *Metrics) Errors() int64 { return m.requests - m.ok }

// P99 is the corrected p99 so far.
func (m *Metrics) P99() time.Duration { return usToDuration(m.corrected.ValueAtQuantile(99)) }

func usToDuration(us int64) time.Duration { return time.Duration(us) * time.Microsecond }

// sortedCounts orders a count map by count, then key.
func sortedCounts(counts map[string]int64) []Count {
	out := make([]Count, 0, len(counts))
	for k, n := range counts {
		out = append(out, Count{Key: k, Count: n})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// Count is a key with how often it was seen.
type Count struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}
