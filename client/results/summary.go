package results

import (
	"math"
	"strconv"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/cloudperf/cloudperf/client/plan"
)

// Millis is a duration that reads and writes as fractional milliseconds in JSON.
type Millis time.Duration

// MarshalJSON writes milliseconds with microsecond precision.
func (m Millis) MarshalJSON() ([]byte, error) {
	return strconv.AppendFloat(nil, float64(m)/1e6, 'f', 3, 64), nil
}

// UnmarshalJSON reads fractional milliseconds.
func (m *Millis) UnmarshalJSON(b []byte) error {
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		return err
	}
	*m = Millis(math.Round(f * 1e6))
	return nil
}

// D is the value as a time.Duration.
func (m Millis) D() time.Duration { return time.Duration(m) }

// LatencyStats summarise one histogram.
type LatencyStats struct {
	Count int64  `json:"count"`
	Mean  Millis `json:"mean_ms"`
	Min   Millis `json:"min_ms"`
	P50   Millis `json:"p50_ms"`
	P90   Millis `json:"p90_ms"`
	P95   Millis `json:"p95_ms"`
	P99   Millis `json:"p99_ms"`
	P999  Millis `json:"p99_9_ms"`
	Max   Millis `json:"max_ms"`
}

// StatsOf reads the summary percentiles of a µs histogram.
func StatsOf(h *hdr.Histogram) LatencyStats {
	if h.TotalCount() == 0 {
		return LatencyStats{}
	}
	q := func(p float64) Millis { return Millis(usToDuration(h.ValueAtQuantile(p))) }
	return LatencyStats{
		Count: h.TotalCount(),
		Mean:  Millis(h.Mean() * float64(time.Microsecond)),
		Min:   Millis(usToDuration(h.Min())),
		P50:   q(50), P90: q(90), P95: q(95), P99: q(99), P999: q(99.9),
		Max: Millis(usToDuration(h.Max())),
	}
}

// Summary is everything a run measured; the text summary, the JSON output and
// the HTML report are all rendered from it, so they never disagree.
type Summary struct {
	Target    string    `json:"target"`
	Generator string    `json:"generator,omitempty"` // the host that sent the load: a pod's name in a load Job
	Start     time.Time `json:"start"`
	Mode      string    `json:"mode"`
	Planned   Millis    `json:"planned_ms"` // 0 when a request limit ends the run
	Elapsed   Millis    `json:"elapsed_ms"`
	// The measured span, as offsets from Start: from when the first counted
	// (not warm-up) request was due to its last response. The rates are over it.
	MeasuredFrom Millis `json:"measured_from_ms"`
	MeasuredTo   Millis `json:"measured_to_ms"`
	Interrupted  bool   `json:"interrupted"`

	TargetRate   float64 `json:"target_rate"`   // mean planned request rate, per second
	AchievedRate float64 `json:"achieved_rate"` // requests sent per second
	Throughput   float64 `json:"throughput"`    // successful responses per second

	Requests     int64   `json:"requests"`
	OK           int64   `json:"ok"`
	Failed       int64   `json:"failed"`
	SuccessRatio float64 `json:"success_ratio"`
	Errors       []Count `json:"errors"`  // by class: "http_503", "timeout", "refused", ...
	Dropped      int64   `json:"dropped"` // of Requests (and Failed): due, never sent (also in Errors as "dropped")
	Warmup       int64   `json:"warmup_requests"`
	Bytes        int64   `json:"bytes"`

	Latency      LatencyStats `json:"latency"`      // corrected: from the intended send time
	ServiceTime  LatencyStats `json:"service_time"` // from the actual send time
	Lag          LatencyStats `json:"dispatch_lag"` // actual minus intended send time
	Capped       int64        `json:"capped"`       // dispatches that waited at the in-flight cap
	PeakInFlight int          `json:"peak_in_flight"`
	Clamped      int64        `json:"clamped"` // values above the histograms' hour, recorded as an hour
	Verdict      Verdict      `json:"verdict"` // did the target, and the generator, keep up with the schedule?

	Hosts    []Count        `json:"hosts"`
	Settings *Settings      `json:"settings,omitempty"` // what shaped the load besides its stages
	Stages   []StageSummary `json:"stages"`
	Timeline []Interval     `json:"timeline"`

	// The whole-run histograms (HdrHistogram V2, compressed, µs), so summaries
	// from several load generators merge exactly.
	LatencyHistogram string `json:"latency_histogram"`
	ServiceHistogram string `json:"service_histogram"`
	LagHistogram     string `json:"lag_histogram"`

	// Merged is set on a summary Merge combined from several runs.
	Merged *MergeInfo `json:"merged,omitempty"`

	// Cluster is the observed Kubernetes side of the run, when there was one.
	Cluster *ClusterTimeline `json:"cluster,omitempty"`
	// Autoscaling is how well autoscaling kept up, from the cluster timeline
	// (AnalyzeAutoscaling); absent without one.
	Autoscaling *Autoscaling `json:"autoscaling,omitempty"`

	Thresholds []ThresholdResult `json:"thresholds,omitempty"`
	Log        string            `json:"log,omitempty"`
}

// StageSummary is one stage's share of the run.
type StageSummary struct {
	Stage    int          `json:"stage"`
	Start    Millis       `json:"start_ms"`
	Duration Millis       `json:"duration_ms"`
	From     float64      `json:"from_rate"`
	To       float64      `json:"to_rate"`
	Mode     string       `json:"mode"`
	Warmup   bool         `json:"warmup,omitempty"`
	Requests int64        `json:"requests"`
	OK       int64        `json:"ok"`
	Latency  LatencyStats `json:"latency"`
	// Histogram is the stage's corrected-latency histogram (HdrHistogram V2,
	// compressed, µs), so stage percentiles merge exactly too.
	Histogram string `json:"histogram,omitempty"`
}

// RunInfo is what the summary needs beyond the metrics.
type RunInfo struct {
	Target string
	Start  time.Time
	Mode   plan.Mode
	Stats  DispatchStats
	Log    string
}

// Summarize derives the summary; it seals the time series, so call it once,
// after the last result.
func (m *Metrics) Summarize(info RunInfo) Summary {
	m.timeline.close()
	s := Summary{
		Target:       info.Target,
		Start:        info.Start,
		Planned:      Millis(m.schedule.Duration()),
		Elapsed:      Millis(m.lastDone),
		Interrupted:  info.Stats.Interrupted,
		Requests:     m.requests,
		OK:           m.ok,
		Failed:       m.requests - m.ok,
		Errors:       sortedCounts(m.errors),
		Dropped:      m.dropped,
		Warmup:       m.warmup,
		Bytes:        m.bytes,
		Latency:      StatsOf(m.corrected),
		ServiceTime:  StatsOf(m.service),
		Lag:          StatsOf(m.lag),
		Capped:       info.Stats.Capped,
		PeakInFlight: info.Stats.PeakWorkers,
		Clamped:      m.clamped,
		Hosts:        sortedCounts(m.hosts),
		Timeline:     m.timeline.intervals,
		Log:          info.Log,
	}
	if m.requests > 0 {
		s.SuccessRatio = float64(m.ok) / float64(m.requests)
	}
	// Both rates are measured from when the first request was due, so a late
	// start counts as slowness: n sends have n−1 gaps between them, and n
	// responses complete over the span up to the last.
	if span := (m.lastSent - m.firstIntended).Seconds(); m.requests-m.dropped > 1 && span > 0 {
		s.AchievedRate = float64(m.requests-m.dropped-1) / span
	}
	if span := (m.lastDone - m.firstIntended).Seconds(); span > 0 {
		s.Throughput = float64(m.ok) / span
		s.MeasuredFrom, s.MeasuredTo = Millis(m.firstIntended), Millis(m.lastDone)
	}

	modes := map[plan.Mode]bool{}
	var planned float64
	var plannedFor time.Duration
	for i, st := range m.schedule.Stages() {
		mode := info.Mode.For(st)
		modes[mode] = true
		sm := m.stages[i]
		s.Stages = append(s.Stages, StageSummary{
			Stage: i, Start: Millis(m.schedule.StageStart(i)), Duration: Millis(st.Duration),
			From: st.From, To: st.To, Mode: mode.String(), Warmup: st.Warmup,
			Requests: sm.requests, OK: sm.ok, Latency: StatsOf(sm.corrected), Histogram: encode(sm.corrected),
		})
		if !st.Warmup && st.Duration > 0 {
			planned += st.Requests()
			plannedFor += st.Duration
		}
	}
	switch {
	case plannedFor > 0:
		s.TargetRate = planned / plannedFor.Seconds()
	default: // open-ended: the one steady rate
		s.TargetRate = m.schedule.Stages()[len(m.schedule.Stages())-1].From
	}
	switch {
	case modes[plan.ModeSync] && modes[plan.ModeAsync]:
		s.Mode = "mixed"
	case modes[plan.ModeSync]:
		s.Mode = plan.ModeSync.String()
	default:
		s.Mode = plan.ModeAsync.String()
	}

	for i := range s.Timeline {
		iv := &s.Timeline[i]
		iv.Offered = m.schedule.OfferedBetween(iv.Start.D(), iv.Start.D()+m.width)
	}
	s.LatencyHistogram = encode(m.corrected)
	s.ServiceHistogram = encode(m.service)
	s.LagHistogram = encode(m.lag)
	s.Verdict = Judge(s)
	return s
}

// Span is how long the measured part of the run lasted: from when its first
// counted request was due to its last response (the elapsed time, for a
// summary without it).
func (s Summary) Span() time.Duration {
	if s.MeasuredTo > s.MeasuredFrom {
		return (s.MeasuredTo - s.MeasuredFrom).D()
	}
	return s.Elapsed.D()
}

// StageNumber is how people number stage i (an index): from 1, not counting
// a warm-up, so the only stage after a warm-up is stage 1.
func StageNumber(stages []StageSummary, i int) int {
	n := i + 1
	for _, st := range stages {
		if st.Warmup && st.Stage < i {
			n--
		}
	}
	return n
}
