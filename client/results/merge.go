package results

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// MergeInfo says how a merged summary was combined.
type MergeInfo struct {
	// Runs is how many load generators' runs the summary combines.
	Runs int `json:"runs"`
	// StartSpread is how much later than the first the last run started.
	StartSpread Millis `json:"start_spread_ms"`
	// Targets are the distinct targets of the runs, sorted.
	Targets []string `json:"targets"`
	// Generators are the distinct hosts that sent the load, sorted.
	Generators []string `json:"generators,omitempty"`
	// Disjoint is set when the runs' measured spans had no moment in common
	// (runs made one after another, say): their rates are then over the
	// union of their spans, not summed.
	Disjoint bool `json:"disjoint,omitempty"`
}

// RatesHow says how the merged rates were formed.
func (m MergeInfo) RatesHow() string {
	if m.Disjoint {
		return "rates over the union of their spans (the runs did not overlap in time)"
	}
	return "rates summed"
}

// maxStartSpread is how far apart runs may start and still be merged: the
// merged time series spans from the first start to the last response.
const maxStartSpread = 24 * time.Hour

// MergeError is an input Merge cannot use; Index is its position in the list.
type MergeError struct {
	Index int
	Err   error
}

func (e *MergeError) Error() string { return fmt.Sprintf("summary %d: %v", e.Index+1, e.Err) }
func (e *MergeError) Unwrap() error { return e.Err }

// Merge combines the summaries of runs made at the same time by several load
// generators (the pods of a Kubernetes Job, say) into the summary of one run
// that sent all their requests. Every statistic is recomputed from merged
// counts and histograms, never averaged:
//
//   - Counts add up: requests, ok, failed, errors by class, hosts, bytes,
//     warm-up requests, waits at the in-flight cap, clamped values.
//   - Latency, service time and dispatch lag: the whole-run HDR histograms
//     are decoded and merged, and every percentile is read from the merged
//     histogram — exactly what one histogram fed every request would give.
//   - Rates add up: the target rate, the achieved rate and the throughput are
//     the sums of each run's own (each measured over its own span), the load
//     the target saw from all generators together — when the runs' measured
//     spans overlap (have a moment in common). Runs that did not overlap did
//     not load the target together: their rates are each run's count (rate
//     × its span) over the union of the spans, and Merged.Disjoint says so.
//   - Peak in flight is the sum of the runs' peaks: the most that can have
//     been outstanding at once. The peaks need not have coincided, so it is
//     an upper bound (the largest single peak would be a lower one).
//   - The time series is aligned on wall-clock time: the merged run starts at
//     the earliest Start, and interval i of a run covers Start + i·width.
//     Runs rarely start on the same microsecond, so each input interval goes
//     into the merged interval that holds its midpoint: with starts less
//     than half an interval apart, interval i of every run lands in merged
//     interval i. Counts and offered load add up; the interval histograms
//     merge and the interval percentiles are read from them.
//   - Stages merge by index and must be the same plan (count, durations,
//     warm-up): their requests and ok add up, their rates add up, and their
//     percentiles come from the merged stage histograms.
//   - Planned is the longest plan; Elapsed runs from the earliest start to
//     the last response of any run; Interrupted if any run was.
//   - Target and mode: the common one, else all targets joined with ", "
//     (Merged.Targets lists them) and mode "mixed". Differing targets are
//     allowed — one load spread over several endpoints — and the caller may
//     say so.
//   - Thresholds are not carried over (the caller checks its own against
//     the merged summary); neither is the log name. A cluster timeline, if
//     any run observed one, is the first run's, shifted onto the merged clock.
//
// Merge needs every histogram a run's counts imply (summaries from a client
// too old to write them are refused, as is an undecodable one) and the same
// interval width throughout. Merging merged summaries gives the same result
// as merging their inputs at once.
func Merge(summaries []Summary) (Summary, error) {
	if len(summaries) == 0 {
		return Summary{}, errors.New("no summaries to merge")
	}
	width, err := mergeWidth(summaries)
	if err != nil {
		return Summary{}, err
	}

	earliest, latest := summaries[0].Start, summaries[0].Start
	for i, s := range summaries {
		if s.Start.IsZero() && len(summaries) > 1 {
			return Summary{}, &MergeError{Index: i, Err: errors.New("it has no start time: its timeline cannot be aligned")}
		}
		if s.Start.Before(earliest) {
			earliest = s.Start
		}
	}
	for i, s := range summaries {
		if d := s.Start.Sub(earliest); d > maxStartSpread {
			return Summary{}, &MergeError{Index: i, Err: fmt.Errorf("it started %v after summary %d: runs that far apart are not one load",
				d.Round(time.Second), slices.IndexFunc(summaries, func(s Summary) bool { return s.Start.Equal(earliest) })+1)}
		}
	}
	out := Summary{Start: earliest}
	corrected, service, lag := NewHistogram(), NewHistogram(), NewHistogram()
	errs, hosts := map[string]int64{}, map[string]int64{}
	modes, targets, generators := map[string]bool{}, map[string]bool{}, map[string]bool{}
	var timeline []Interval
	var intervalHists, serviceHists []*hdr.Histogram
	info := MergeInfo{}
	var unionFrom, unionTo, commonFrom, commonTo time.Time
	var counts [3]float64 // requests planned, sent and answered ok: rate × span

	for i, s := range summaries {
		fail := func(format string, args ...any) error {
			return &MergeError{Index: i, Err: fmt.Errorf(format, args...)}
		}
		offset := s.Start.Sub(earliest)

		for _, h := range []struct {
			name, enc string
			count     int64
			dst       *hdr.Histogram
		}{
			{"latency_histogram", s.LatencyHistogram, s.Latency.Count, corrected},
			{"service_histogram", s.ServiceHistogram, s.ServiceTime.Count, service},
			{"lag_histogram", s.LagHistogram, s.Lag.Count, lag},
		} {
			if err := mergeHistogram(h.dst, h.enc, h.count); err != nil {
				return Summary{}, fail("%s: %v", h.name, err)
			}
		}

		out.Planned = max(out.Planned, s.Planned)
		out.Elapsed = max(out.Elapsed, Millis(offset)+s.Elapsed)
		out.Interrupted = out.Interrupted || s.Interrupted
		out.TargetRate += s.TargetRate
		out.AchievedRate += s.AchievedRate
		out.Throughput += s.Throughput
		from, to := s.Start.Add(s.MeasuredFrom.D()), s.Start.Add(s.MeasuredFrom.D()+s.Span())
		if i == 0 || from.Before(unionFrom) {
			unionFrom = from
		}
		if i == 0 || to.After(unionTo) {
			unionTo = to
		}
		if i == 0 || from.After(commonFrom) {
			commonFrom = from
		}
		if i == 0 || to.Before(commonTo) {
			commonTo = to
		}
		counts[0] += s.TargetRate * s.Span().Seconds()
		counts[1] += s.AchievedRate * s.Span().Seconds()
		counts[2] += s.Throughput * s.Span().Seconds()
		out.Requests += s.Requests
		out.OK += s.OK
		out.Failed += s.Failed
		out.Dropped += s.Dropped
		out.Warmup += s.Warmup
		out.Bytes += s.Bytes
		out.Capped += s.Capped
		out.PeakInFlight += s.PeakInFlight
		out.Clamped += s.Clamped
		for _, c := range s.Errors {
			errs[c.Key] += c.Count
		}
		for _, c := range s.Hosts {
			hosts[c.Key] += c.Count
		}
		modes[s.Mode] = true

		// What this input itself combined, so merging merged summaries
		// counts runs, spread and targets as merging their inputs would.
		runs, spread, runTargets, runGenerators := 1, time.Duration(0), []string{s.Target}, []string{s.Generator}
		if m := s.Merged; m != nil {
			runs, spread, runTargets, runGenerators = m.Runs, m.StartSpread.D(), m.Targets, m.Generators
		}
		info.Runs += runs
		if last := s.Start.Add(spread); last.After(latest) {
			latest = last
		}
		for _, t := range runTargets {
			targets[t] = true
		}
		for _, g := range runGenerators {
			if g != "" {
				generators[g] = true
			}
		}

		if s.Cluster != nil && out.Cluster == nil {
			out.Cluster = shiftCluster(s.Cluster, offset)
		}

		// The time series, aligned on the wall clock by interval midpoints.
		for k, iv := range s.Timeline {
			j := int((offset + iv.Start.D() + width/2) / width)
			for len(timeline) <= j {
				timeline = append(timeline, Interval{Start: Millis(time.Duration(len(timeline)) * width)})
				intervalHists = append(intervalHists, nil)
				serviceHists = append(serviceHists, nil)
			}
			m := &timeline[j]
			m.Offered += iv.Offered
			m.Sent += iv.Sent
			m.Completed += iv.Completed
			m.OK += iv.OK
			m.Errors += iv.Errors
			m.Dropped += iv.Dropped
			latency, service, err := iv.Histograms()
			if err != nil {
				return Summary{}, fail("timeline interval %d: %v", k, err)
			}
			if latency == "" {
				continue // nothing completed in time for its percentiles
			}
			if err := mergeInto(&intervalHists[j], latency); err != nil {
				return Summary{}, fail("timeline interval %d: %v", k, err)
			}
			if service == "" {
				continue // from a client that did not keep it
			}
			if err := mergeInto(&serviceHists[j], service); err != nil {
				return Summary{}, fail("timeline interval %d service time: %v", k, err)
			}
		}
	}

	// Stages, by index: the same plan run by every generator.
	stages, err := mergeStages(summaries)
	if err != nil {
		return Summary{}, err
	}
	out.Stages = stages

	for j, h := range intervalHists {
		if h != nil && h.TotalCount() > 0 {
			timeline[j].setLatency(h)
		}
		if sh := serviceHists[j]; sh != nil && sh.TotalCount() > 0 {
			timeline[j].setService(sh)
		}
	}
	out.Timeline = timeline

	out.Latency, out.ServiceTime, out.Lag = StatsOf(corrected), StatsOf(service), StatsOf(lag)
	out.LatencyHistogram, out.ServiceHistogram, out.LagHistogram = encode(corrected), encode(service), encode(lag)
	if out.Requests > 0 {
		out.SuccessRatio = float64(out.OK) / float64(out.Requests)
	}
	out.Errors, out.Hosts = sortedCounts(errs), sortedCounts(hosts)
	out.Mode = "mixed"
	if len(modes) == 1 {
		out.Mode = summaries[0].Mode
	}
	info.Targets = slices.Sorted(maps.Keys(targets))
	if len(generators) > 0 {
		info.Generators = slices.Sorted(maps.Keys(generators))
	}
	out.Target = strings.Join(info.Targets, ", ")
	info.StartSpread = Millis(latest.Sub(earliest))
	out.MeasuredFrom, out.MeasuredTo = Millis(unionFrom.Sub(earliest)), Millis(unionTo.Sub(earliest))
	if len(summaries) > 1 && !commonFrom.Before(commonTo) {
		info.Disjoint = true
		if union := unionTo.Sub(unionFrom).Seconds(); union > 0 {
			out.TargetRate, out.AchievedRate, out.Throughput = counts[0]/union, counts[1]/union, counts[2]/union
		}
	}
	out.Merged = &info
	out.Settings = commonSettings(summaries)
	out.Verdict = Judge(out)
	return out, nil
}

// commonSettings are the runs' settings when they all share them, else none.
func commonSettings(summaries []Summary) *Settings {
	first := summaries[0].Settings
	for _, s := range summaries[1:] {
		if first == nil || s.Settings == nil || !reflect.DeepEqual(*first, *s.Settings) {
			return nil
		}
	}
	return first
}

// mergeHistogram decodes enc and adds it to dst. count is how many values
// the summary says it holds (-1: unknown); an empty enc is only right for none.
func mergeHistogram(dst *hdr.Histogram, enc string, count int64) error {
	if enc == "" {
		if count <= 0 {
			return nil
		}
		return fmt.Errorf("missing, yet it should hold %d values (written by a client without mergeable histograms?)", count)
	}
	h, err := hdr.Decode([]byte(enc))
	if err != nil {
		return fmt.Errorf("cannot be decoded: %v", err)
	}
	if count >= 0 && h.TotalCount() != count {
		return fmt.Errorf("holds %d values where the summary counts %d", h.TotalCount(), count)
	}
	if dropped := dst.Merge(h); dropped > 0 {
		return fmt.Errorf("%d values outside the range of 1µs to 1h", dropped)
	}
	return nil
}

// mergeInto merges enc into *dst, or makes it *dst when there is none yet
// and it has the usual range: most intervals have a single input.
func mergeInto(dst **hdr.Histogram, enc string) error {
	if *dst != nil {
		return mergeHistogram(*dst, enc, -1)
	}
	h, err := hdr.Decode([]byte(enc))
	if err != nil {
		return fmt.Errorf("cannot be decoded: %v", err)
	}
	if h.LowestTrackableValue() == histLowest && h.HighestTrackableValue() == histHighest && h.SignificantFigures() == histSigFigs {
		*dst = h
		return nil
	}
	*dst = NewHistogram()
	if dropped := (*dst).Merge(h); dropped > 0 {
		return fmt.Errorf("%d values outside the range of 1µs to 1h", dropped)
	}
	return nil
}

// mergeWidth is the interval width the summaries share, read from the
// spacing of their timelines (one second when none has two intervals).
func mergeWidth(summaries []Summary) (time.Duration, error) {
	var width time.Duration
	first := -1
	for i, s := range summaries {
		if len(s.Timeline) < 2 {
			continue
		}
		w := s.Timeline[1].Start.D() - s.Timeline[0].Start.D()
		if w <= 0 {
			return 0, &MergeError{Index: i, Err: fmt.Errorf("its timeline is not in order")}
		}
		if first >= 0 && w != width {
			return 0, &MergeError{Index: i, Err: fmt.Errorf("its timeline steps by %v, summary %d's by %v: only equal intervals merge", w, first+1, width)}
		}
		width, first = w, i
	}
	if width == 0 {
		width = time.Second
	}
	return width, nil
}

// mergeStages merges the stages index by index, checking the plans agree.
func mergeStages(summaries []Summary) ([]StageSummary, error) {
	first := summaries[0].Stages
	out := make([]StageSummary, len(first))
	hists := make([]*hdr.Histogram, len(first))
	modes := make([]map[string]bool, len(first))
	for k, st := range first {
		out[k] = StageSummary{Stage: k, Start: st.Start, Duration: st.Duration, Warmup: st.Warmup}
		hists[k] = NewHistogram()
		modes[k] = map[string]bool{}
	}
	for i, s := range summaries {
		if len(s.Stages) != len(first) {
			return nil, &MergeError{Index: i, Err: fmt.Errorf("it has %d stages where summary 1 has %d: merge runs of the same plan", len(s.Stages), len(first))}
		}
		for k, st := range s.Stages {
			m := &out[k]
			if st.Duration != m.Duration || st.Start != m.Start || st.Warmup != m.Warmup {
				return nil, &MergeError{Index: i, Err: fmt.Errorf("stage %d runs %v from %v (warm-up %v) where summary 1's runs %v from %v (warm-up %v): merge runs of the same plan",
					k+1, st.Duration.D(), st.Start.D(), st.Warmup, m.Duration.D(), m.Start.D(), m.Warmup)}
			}
			m.From += st.From
			m.To += st.To
			m.Requests += st.Requests
			m.OK += st.OK
			modes[k][st.Mode] = true
			if err := mergeHistogram(hists[k], st.Histogram, st.Latency.Count); err != nil {
				return nil, &MergeError{Index: i, Err: fmt.Errorf("stage %d histogram: %v", k+1, err)}
			}
		}
	}
	for k := range out {
		out[k].Mode = "mixed"
		if len(modes[k]) == 1 {
			out[k].Mode = first[k].Mode
		}
		out[k].Latency = StatsOf(hists[k])
		out[k].Histogram = encode(hists[k])
	}
	return out, nil
}

// shiftCluster copies a cluster timeline onto a clock that starts by
// offset earlier.
func shiftCluster(c *ClusterTimeline, offset time.Duration) *ClusterTimeline {
	out := *c
	out.Samples = slices.Clone(c.Samples)
	out.Events = slices.Clone(c.Events)
	for i := range out.Samples {
		out.Samples[i].At += Millis(offset)
	}
	for i := range out.Events {
		out.Events[i].At += Millis(offset)
	}
	return &out
}
