package results

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Autoscaling is how well the workload's autoscaling kept up with the load,
// computed from the run's timeline and the cluster timeline recorded beside
// it (AnalyzeAutoscaling). Times are on the run's clock; the cluster is
// sampled about once a second, and a decision or a pod becoming ready is
// timed by the watcher's event when one falls between two samples, else by
// the first sample that shows it.
type Autoscaling struct {
	// RiseAt is when the load rose: the start of the last increase of the
	// planned rate before the first scale-up (without one, of the largest
	// increase; the run's start counts as a rise from nothing).
	RiseAt       Millis  `json:"rise_at_ms"`
	RiseFromRate float64 `json:"rise_from_rate"`
	RiseToRate   float64 `json:"rise_to_rate"`
	// DesiredAtRise and ReadyAtRise are the replicas wanted and ready when
	// the load rose.
	DesiredAtRise int32 `json:"desired_at_rise"`
	ReadyAtRise   int32 `json:"ready_at_rise"`

	// DecisionAfter is the time from the rise to the first scale-up
	// decision: the HPA's desired replicas (or the Deployment's, without an
	// HPA) above what they were at the rise. Absent: no scale-up was seen.
	DecisionAfter   *Millis `json:"decision_after_ms,omitempty"`
	DecidedReplicas int32   `json:"decided_replicas,omitempty"`
	// ReadyAfter is the time from the rise until the replicas of that first
	// decision were all Ready; absent if they never were during the run.
	ReadyAfter *Millis `json:"ready_after_ms,omitempty"`
	// SettledAfter is the time from the rise until the ready replicas first
	// reached their peak (the last scale-up's pods ready).
	SettledAfter *Millis `json:"settled_after_ms,omitempty"`

	PeakReady   int32 `json:"peak_ready"`
	PeakDesired int32 `json:"peak_desired"`
	// PodSeconds is the pods' running time summed over the run (pods not
	// terminating, Ready or not; the Deployment's replicas when pods were not
	// observed): what the run cost.
	PodSeconds float64 `json:"pod_seconds"`

	// Thresholds are the run's thresholds checked on each interval of the
	// time series (corrected latency, error and success rates); the others
	// (service_, lag_, rate, throughput) are whole-run figures, listed in
	// ThresholdsUnchecked.
	Thresholds          []string `json:"thresholds"`
	ThresholdsUnchecked []string `json:"thresholds_unchecked,omitempty"`
	// BrokenSeconds is how long a threshold was broken, over the whole run;
	// BrokenWhileScaling over the scaling window: from the rise until the
	// ready replicas peaked (or the first decision's pods were ready, or the
	// run ended, without them), ScalingWindowSeconds long.
	BrokenSeconds        float64 `json:"broken_s"`
	BrokenWhileScaling   float64 `json:"broken_while_scaling_s"`
	ScalingWindowSeconds float64 `json:"scaling_window_s"`

	// PodChanges counts pods becoming ready or going away during the run;
	// FailedDuringChanges the requests that failed within ChurnWindow after
	// one (ChangeSeconds in all), beside Failed in the whole run.
	PodChanges          int     `json:"pod_changes"`
	ChangeSeconds       float64 `json:"pod_change_s"`
	FailedDuringChanges int64   `json:"failed_during_pod_changes"`
	Failed              int64   `json:"failed"`

	Notes []string `json:"notes,omitempty"`
}

// ChurnWindow is how long after a pod becomes ready or goes away a failed
// request is counted as failing while pods came and went: the time for its
// connections to close, the Service's endpoints to follow and the client
// to reconnect.
const ChurnWindow = 5 * time.Second

// AnalyzeAutoscaling computes the Autoscaling of a run from its summary: the
// planned stages, the per-second time series, the thresholds and the
// cluster timeline. It is nil when no cluster was observed.
func AnalyzeAutoscaling(s Summary) *Autoscaling {
	c := s.Cluster
	if c == nil || len(c.Samples) == 0 {
		return nil
	}
	samples := slices.Clone(c.Samples)
	slices.SortStableFunc(samples, func(a, b ClusterSample) int { return int(a.At - b.At) })
	events := slices.Clone(c.Events)
	slices.SortStableFunc(events, func(a, b ClusterEvent) int { return int(a.At - b.At) })
	a := &Autoscaling{Thresholds: []string{}, Failed: s.Failed}
	hasHPA := c.HPA != ""
	if !hasHPA {
		a.Notes = append(a.Notes, "no HPA observed: scale-ups are read from the Deployment's replicas")
	}
	wanted := func(x ClusterSample) int32 {
		if hasHPA {
			return max(x.HPADesired, x.Desired)
		}
		return x.Desired
	}
	// at is the state at t: the last sample at or before it, else the first.
	at := func(t Millis) (int, ClusterSample) {
		i := max(0, sort.Search(len(samples), func(i int) bool { return samples[i].At > t })-1)
		return i, samples[i]
	}
	for _, x := range samples {
		a.PeakReady = max(a.PeakReady, x.Ready)
		a.PeakDesired = max(a.PeakDesired, wanted(x))
	}

	// The rises of the planned rate, and the first scale-up after each.
	rises := planRises(s)
	if len(rises) == 0 {
		a.Notes = append(a.Notes, "the planned rate never rose")
		rises = []rise{{}}
	}
	type found struct {
		rise     rise
		decision int // sample index, -1 none
	}
	decisionAfter := func(r rise) int {
		_, base := at(r.at)
		for i, x := range samples {
			if x.At >= r.at && wanted(x) > wanted(base) {
				return i
			}
		}
		return -1
	}
	choice := found{rise: rises[0], decision: -1}
	firstDecision := -1
	for _, r := range rises {
		if d := decisionAfter(r); d >= 0 && (firstDecision < 0 || d <= firstDecision) {
			firstDecision = d
		}
	}
	if firstDecision >= 0 {
		for _, r := range rises { // the last rise before the first scale-up
			if r.at <= samples[firstDecision].At {
				choice = found{rise: r, decision: decisionAfter(r)}
			}
		}
	} else {
		for _, r := range rises {
			if r.to-r.from > choice.rise.to-choice.rise.from {
				choice.rise = r
			}
		}
	}
	r := choice.rise
	a.RiseAt, a.RiseFromRate, a.RiseToRate = r.at, r.from, r.to
	_, base := at(r.at)
	a.DesiredAtRise, a.ReadyAtRise = wanted(base), base.Ready

	end := Millis(max(s.Elapsed, 0))
	windowEnd := end
	if d := choice.decision; d >= 0 {
		x := samples[d]
		a.DecidedReplicas = wanted(x)
		decidedAt := refine(events, prevAt(samples, d, r.at), x.At, first, "scale", "hpa")
		a.DecisionAfter = ptrTo(max(decidedAt-r.at, 0))
		for i := d; i < len(samples); i++ {
			if samples[i].Ready >= a.DecidedReplicas {
				readyAt := refine(events, prevAt(samples, i, decidedAt), samples[i].At, last, "pod-ready")
				a.ReadyAfter = ptrTo(max(readyAt-r.at, 0))
				windowEnd = readyAt
				break
			}
		}
		if a.ReadyAfter == nil {
			a.Notes = append(a.Notes, fmt.Sprintf("the %d replicas decided were never all ready during the run", a.DecidedReplicas))
		}
		for i := d; i < len(samples); i++ {
			if samples[i].Ready == a.PeakReady && a.PeakReady > base.Ready {
				settledAt := refine(events, prevAt(samples, i, decidedAt), samples[i].At, last, "pod-ready")
				a.SettledAfter = ptrTo(max(settledAt-r.at, 0))
				windowEnd = max(windowEnd, settledAt)
				break
			}
		}
	} else {
		a.Notes = append(a.Notes, "no scale-up was seen after the load rose")
	}
	a.ScalingWindowSeconds = max(0, (windowEnd - r.at).D().Seconds())

	// Pod-seconds: each sample's count holds until the next, over the run.
	podsObserved := slices.ContainsFunc(samples, func(x ClusterSample) bool { return x.Pods > 0 })
	count := func(x ClusterSample) float64 {
		if podsObserved {
			return float64(x.Pods)
		}
		return float64(x.Current)
	}
	for i, x := range samples {
		from := max(x.At, 0)
		if i == 0 {
			from = 0
		}
		to := end
		if i+1 < len(samples) {
			to = min(samples[i+1].At, end)
		}
		if to > from {
			a.PodSeconds += count(x) * (to - from).D().Seconds()
		}
	}
	a.PodSeconds = math.Round(a.PodSeconds*10) / 10

	// Thresholds, interval by interval.
	width := time.Second
	if len(s.Timeline) > 1 {
		if w := s.Timeline[1].Start.D() - s.Timeline[0].Start.D(); w > 0 {
			width = w
		}
	}
	var checked []Threshold
	for _, tr := range s.Thresholds {
		t, err := ParseThreshold(tr.Threshold)
		switch {
		case err != nil:
			a.ThresholdsUnchecked = append(a.ThresholdsUnchecked, tr.Threshold)
		case perInterval(t.Metric):
			checked = append(checked, t)
			a.Thresholds = append(a.Thresholds, tr.Threshold)
		default:
			a.ThresholdsUnchecked = append(a.ThresholdsUnchecked, tr.Threshold)
		}
	}
	if len(s.Thresholds) == 0 {
		a.Notes = append(a.Notes, "no thresholds were set: nothing to call broken")
	}

	// Pod changes, and the windows after them.
	var churn [][2]Millis
	for _, e := range events {
		if e.Kind != "pod-ready" && e.Kind != "pod-gone" {
			continue
		}
		a.PodChanges++
		w := [2]Millis{e.At, e.At + Millis(ChurnWindow)}
		if n := len(churn); n > 0 && w[0] <= churn[n-1][1] {
			churn[n-1][1] = max(churn[n-1][1], w[1])
		} else {
			churn = append(churn, w)
		}
	}
	for _, w := range churn {
		a.ChangeSeconds += (min(w[1], end) - w[0]).D().Seconds()
	}
	a.ChangeSeconds = max(0, a.ChangeSeconds)

	for _, iv := range s.Timeline {
		from, to := iv.Start, iv.Start+Millis(width)
		for _, w := range churn {
			if from < w[1] && w[0] < to {
				a.FailedDuringChanges += iv.Errors
				break
			}
		}
		if len(checked) == 0 || iv.Completed == 0 {
			continue
		}
		if !intervalHolds(iv, checked) {
			a.BrokenSeconds += width.Seconds()
			if mid := iv.Start + Millis(width/2); mid >= r.at && mid <= windowEnd {
				a.BrokenWhileScaling += width.Seconds()
			}
		}
	}
	return a
}

// perInterval reports whether a threshold's metric is in the time series.
func perInterval(metric string) bool {
	switch metric {
	case "error_rate", "success_rate", "mean", "min", "p50", "p90", "p95", "p99", "p99.9", "max":
		return true
	}
	return false
}

// intervalHolds checks thresholds against one interval, read as a run of
// its own: its completed requests, their errors and their latencies.
func intervalHolds(iv Interval, ts []Threshold) bool {
	one := Summary{Requests: iv.Completed, OK: iv.OK, Failed: iv.Errors,
		Latency: LatencyStats{Count: iv.Completed, P50: iv.P50, P90: iv.P90, P99: iv.P99, Max: iv.Max}}
	if slices.ContainsFunc(ts, func(t Threshold) bool {
		return t.Metric == "mean" || t.Metric == "min" || t.Metric == "p95" || t.Metric == "p99.9"
	}) {
		if enc, _, err := iv.Histograms(); err == nil && enc != "" {
			if h, err := hdr.Decode([]byte(enc)); err == nil {
				one.Latency = StatsOf(h)
			}
		}
	}
	for _, t := range ts {
		if !t.Check(one).OK {
			return false
		}
	}
	return true
}

// rise is an increase of the planned rate.
type rise struct {
	at       Millis
	from, to float64
}

// planRises lists where the planned rate rises: a stage starting above
// where the previous one ended (the first one: above nothing), or a ramp
// going up. The warm-up counts: it is load too.
func planRises(s Summary) []rise {
	var out []rise
	prev := 0.0
	for _, st := range s.Stages {
		if st.From > prev*1.0001 || (prev == 0 && st.From > 0) {
			out = append(out, rise{at: st.Start, from: prev, to: st.From})
		}
		if st.To > st.From*1.0001 {
			if n := len(out); n > 0 && out[n-1].at == st.Start {
				out[n-1].to = st.To
			} else {
				out = append(out, rise{at: st.Start, from: st.From, to: st.To})
			}
		}
		prev = st.To
	}
	if len(s.Stages) == 0 && s.TargetRate > 0 {
		out = append(out, rise{at: 0, from: 0, to: s.TargetRate})
	}
	return out
}

type pick int

const (
	first pick = iota
	last
)

// refine times a change seen first at sample time to: by the first (or
// last) watcher event of the given kinds after from and at or before to,
// else to itself.
func refine(events []ClusterEvent, from, to Millis, which pick, kinds ...string) Millis {
	got := to
	for _, e := range events {
		if e.At <= from || e.At > to || !slices.Contains(kinds, e.Kind) {
			continue
		}
		if which == first {
			return e.At
		}
		got = e.At
	}
	return got
}

// prevAt is the time of the sample before i, but no earlier than floor.
func prevAt(samples []ClusterSample, i int, floor Millis) Millis {
	if i == 0 {
		return floor - 1
	}
	return max(samples[i-1].At, floor-1)
}

// autoscalingLines sums the analysis up for the text summary.
func autoscalingLines(a *Autoscaling) string {
	if a == nil {
		return ""
	}
	var b strings.Builder
	secs := func(m Millis) string { return FormatDuration(m.D().Round(100 * time.Millisecond)) }
	fmt.Fprintf(&b, "Scaling    load rose at %s (%.0f → %.0f/s, %d ready)", secs(a.RiseAt), a.RiseFromRate, a.RiseToRate, a.ReadyAtRise)
	switch {
	case a.DecisionAfter == nil:
		b.WriteString("; no scale-up seen")
	default:
		fmt.Fprintf(&b, "; scale-up to %d decided after %s", a.DecidedReplicas, secs(*a.DecisionAfter))
		if a.ReadyAfter != nil {
			fmt.Fprintf(&b, ", ready after %s", secs(*a.ReadyAfter))
		} else {
			b.WriteString(", never all ready")
		}
		if a.SettledAfter != nil && (a.ReadyAfter == nil || *a.SettledAfter != *a.ReadyAfter) {
			fmt.Fprintf(&b, ", peak %d ready after %s", a.PeakReady, secs(*a.SettledAfter))
		}
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "           peak %d ready (%d desired); %.1f pod-seconds", a.PeakReady, a.PeakDesired, a.PodSeconds)
	if len(a.Thresholds) > 0 {
		fmt.Fprintf(&b, "; thresholds broken %.0fs of the %.0fs scaling (%.0fs in all)", a.BrokenWhileScaling, a.ScalingWindowSeconds, a.BrokenSeconds)
	}
	fmt.Fprintf(&b, "; %d of %d failed requests within %s of the %d pod changes\n",
		a.FailedDuringChanges, a.Failed, FormatDuration(ChurnWindow), a.PodChanges)
	return b.String()
}
