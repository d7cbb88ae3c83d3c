package results

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/plan"
)

// mergeCase is one random load split across k generators: the same plan, each
// generator's results on its own clock, and when each one started.
type mergeCase struct {
	stages  []plan.Stage
	parts   [][]Result      // results of generator p, relative to its start
	offsets []time.Duration // generator p's start, after the base time
}

var mergeBase = time.Date(2026, 11, 27, 17, 35, 1, 123456789, time.UTC)

func randomMergeCase(rng *rand.Rand, subSecond bool) mergeCase {
	var c mergeCase
	n := 1 + rng.Intn(3)
	for i := 0; i < n; i++ {
		st := plan.Stage{Duration: time.Duration(1+rng.Intn(3)) * time.Second, From: 1 + rng.Float64()*200}
		st.To = st.From
		if rng.Intn(3) == 0 {
			st.To = 1 + rng.Float64()*300 // a ramp
		}
		st.Warmup = i == 0 && n > 1 && rng.Intn(4) == 0
		c.stages = append(c.stages, st)
	}
	k := 1 + rng.Intn(4)
	c.parts = make([][]Result, k)
	for p := 0; p < k; p++ {
		off := time.Duration(rng.Intn(3)) * time.Second
		if subSecond {
			off += time.Duration(rng.Int63n(int64(time.Second)))
		}
		c.offsets = append(c.offsets, off)
	}
	sched, _ := plan.NewSchedule(c.stages, 0)
	hosts := []string{"pod-a", "pod-b", "pod-c", ""}
	classes := []Class{ClassHTTP, ClassTimeout, ClassRefused, ClassReset}
	for i, total := 0, rng.Intn(400); i < total; i++ {
		st := rng.Intn(n)
		r := Result{Seq: int64(i), Stage: st, Warmup: c.stages[st].Warmup}
		r.Intended = sched.StageStart(st) + time.Duration(rng.Int63n(int64(c.stages[st].Duration)))
		switch x := rng.Intn(10); {
		case x == 0:
			r.Sent = r.Intended
		case x == 1 && r.Intended > time.Millisecond:
			r.Sent = r.Intended - time.Duration(rng.Intn(5000)) // early: lag counts as 0
		case x < 4:
			r.Sent = r.Intended + time.Duration(rng.ExpFloat64()*float64(20*time.Millisecond))
		default:
			r.Sent = r.Intended + time.Duration(rng.Intn(200_000))
		}
		service := time.Duration(rng.ExpFloat64()*float64(5*time.Millisecond)) + time.Duration(rng.Intn(1000))
		if rng.Intn(4000) == 0 {
			service = time.Hour + time.Minute // clamped (and an hour of time series)
		}
		r.Done = r.Sent + service
		r.Status, r.Class, r.Bytes = 200, ClassOK, int64(rng.Intn(200))
		if rng.Intn(8) == 0 {
			r.Class = classes[rng.Intn(len(classes))]
			r.Status = 0
			if r.Class == ClassHTTP {
				r.Status = []int{500, 503, 404}[rng.Intn(3)]
			}
		}
		r.Host = hosts[rng.Intn(len(hosts))]
		p := rng.Intn(k)
		c.parts[p] = append(c.parts[p], r)
	}
	return c
}

// roundTrip passes a summary through its JSON form, as `client merge` reads it.
func roundTrip(t *testing.T, s Summary) Summary {
	t.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var out Summary
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// summarize feeds results, in completion order, to one Metrics.
func summarize(t *testing.T, stages []plan.Stage, results []Result, start time.Time) Summary {
	t.Helper()
	sched, err := plan.NewSchedule(stages, 0)
	if err != nil {
		t.Fatal(err)
	}
	rs := append([]Result(nil), results...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Done < rs[j].Done })
	m := NewMetrics(sched, time.Second)
	for _, r := range rs {
		m.Add(r)
	}
	return roundTrip(t, m.Summarize(RunInfo{Target: "http://svc/", Start: start, Mode: plan.ModeAuto, Stats: DispatchStats{Capped: 1, PeakWorkers: 2}}))
}

// split summarizes each generator's results, and the union of all of them on
// the clock of the earliest start, as one generator would have measured them.
func (c mergeCase) split(t *testing.T) (parts []Summary, union Summary) {
	t.Helper()
	earliest := slicesMin(c.offsets)
	var all []Result
	for p, rs := range c.parts {
		parts = append(parts, summarize(t, c.stages, rs, mergeBase.Add(c.offsets[p])))
		shift := c.offsets[p] - earliest
		for _, r := range rs {
			r.Intended += shift
			r.Sent += shift
			r.Done += shift
			all = append(all, r)
		}
	}
	return parts, summarize(t, c.stages, all, mergeBase.Add(earliest))
}

func slicesMin(ds []time.Duration) time.Duration {
	m := ds[0]
	for _, d := range ds {
		m = min(m, d)
	}
	return m
}

// sameMeasurements compares everything a merge must reproduce exactly.
func sameMeasurements(t *testing.T, what string, got, want Summary) {
	t.Helper()
	check := func(field string, g, w any) {
		t.Helper()
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s: %s = %+v, want %+v", what, field, g, w)
		}
	}
	check("requests/ok/failed/warmup/bytes/clamped",
		[]int64{got.Requests, got.OK, got.Failed, got.Warmup, got.Bytes, got.Clamped},
		[]int64{want.Requests, want.OK, want.Failed, want.Warmup, want.Bytes, want.Clamped})
	check("success ratio", got.SuccessRatio, want.SuccessRatio)
	check("errors", got.Errors, want.Errors)
	check("hosts", got.Hosts, want.Hosts)
	check("latency", got.Latency, want.Latency)
	check("service time", got.ServiceTime, want.ServiceTime)
	check("lag", got.Lag, want.Lag)
	check("latency histogram", got.LatencyHistogram, want.LatencyHistogram)
	check("service histogram", got.ServiceHistogram, want.ServiceHistogram)
	check("lag histogram", got.LagHistogram, want.LagHistogram)
	check("start", got.Start.Equal(want.Start), true)
	check("elapsed", got.Elapsed, want.Elapsed)
	if d := max((got.MeasuredFrom - want.MeasuredFrom).D().Abs(), (got.MeasuredTo - want.MeasuredTo).D().Abs()); d > 2*time.Microsecond {
		t.Errorf("%s: measured %v–%v, want %v–%v", what, got.MeasuredFrom.D(), got.MeasuredTo.D(), want.MeasuredFrom.D(), want.MeasuredTo.D())
	}
	check("stage count", len(got.Stages), len(want.Stages))
	for k := range min(len(got.Stages), len(want.Stages)) {
		g, w := got.Stages[k], want.Stages[k]
		check("stage requests/ok", [2]int64{g.Requests, g.OK}, [2]int64{w.Requests, w.OK})
		check("stage latency", g.Latency, w.Latency)
		check("stage histogram", g.Histogram, w.Histogram)
	}
	check("timeline length", len(got.Timeline), len(want.Timeline))
	for j := range min(len(got.Timeline), len(want.Timeline)) {
		g, w := got.Timeline[j], want.Timeline[j]
		g.Offered, w.Offered = 0, 0 // each generator offers its own plan: compared apart
		check("interval", g, w)
	}
}

// TestMergeEqualsOneRun is the property Merge exists for: a load split across
// generators merges into exactly the summary one generator fed every result
// would have written — counts, every percentile of latency, service time
// and lag, stages and the time series — never averaged percentiles.
func TestMergeEqualsOneRun(t *testing.T) {
	iterations := 20
	if testing.Short() {
		iterations = 5
	}
	rng := rand.New(rand.NewSource(20261127))
	for it := 0; it < iterations; it++ {
		c := randomMergeCase(rng, false)
		parts, union := c.split(t)
		merged, err := Merge(parts)
		if err != nil {
			t.Fatalf("case %d: %v", it, err)
		}
		merged = roundTrip(t, merged) // what `client merge --format json` writes
		sameMeasurements(t, "case "+strconv.Itoa(it), merged, union)

		// Rates and offered load add up over the generators — when their
		// spans overlap; else each run's count is spread over the union.
		var target, achieved, offered, mergedOffered float64
		var capped int64
		var peak int
		for _, p := range parts {
			if merged.Merged.Disjoint {
				target += p.TargetRate * p.Span().Seconds() / merged.Span().Seconds()
				achieved += p.AchievedRate * p.Span().Seconds() / merged.Span().Seconds()
			} else {
				target += p.TargetRate
				achieved += p.AchievedRate
			}
			capped += p.Capped
			peak += p.PeakInFlight
			for _, iv := range p.Timeline {
				offered += iv.Offered
			}
		}
		for _, iv := range merged.Timeline {
			mergedOffered += iv.Offered
		}
		near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-9*max(1, want) }
		if !near(merged.TargetRate, target) || !near(merged.AchievedRate, achieved) || merged.Capped != capped || merged.PeakInFlight != peak {
			t.Errorf("case %d: rates %v/%v capped %d peak %d, want sums %v/%v %d %d",
				it, merged.TargetRate, merged.AchievedRate, merged.Capped, merged.PeakInFlight, target, achieved, capped, peak)
		}
		if math.Abs(mergedOffered-offered) > 1e-6*max(1, offered) {
			t.Errorf("case %d: offered %v, want %v", it, mergedOffered, offered)
		}
		if merged.Merged == nil || merged.Merged.Runs != len(parts) || merged.Target != "http://svc/" {
			t.Errorf("case %d: merge info %+v, target %q", it, merged.Merged, merged.Target)
		}

		// Merging merged summaries is merging their inputs at once.
		if len(parts) > 2 {
			cut := 1 + rng.Intn(len(parts)-1)
			a, errA := Merge(parts[:cut])
			b, errB := Merge(parts[cut:])
			if errA != nil || errB != nil {
				t.Fatalf("case %d: %v %v", it, errA, errB)
			}
			again, err := Merge([]Summary{roundTrip(t, a), roundTrip(t, b)})
			if err != nil {
				t.Fatalf("case %d: merging merged: %v", it, err)
			}
			again = roundTrip(t, again)
			sameMeasurements(t, "case "+strconv.Itoa(it)+" merged in two steps", again, merged)
			if again.Merged.Runs != merged.Merged.Runs || again.Merged.StartSpread != merged.Merged.StartSpread {
				t.Errorf("case %d: merged in two steps: %+v, want %+v", it, again.Merged, merged.Merged)
			}
		}
	}
}

// With starts apart by a fraction of a second, every input interval lands in
// the merged interval holding its midpoint, and every count is kept.
func TestMergeSubSecondStarts(t *testing.T) {
	stages := []plan.Stage{{Duration: 3 * time.Second, From: 10, To: 10}}
	ok := func(sent, done time.Duration) Result {
		return Result{Intended: sent, Sent: sent, Done: done, Status: 200, Class: ClassOK}
	}
	results := []Result{ok(100*time.Millisecond, 200*time.Millisecond), ok(1100*time.Millisecond, 1200*time.Millisecond)}
	a := summarize(t, stages, results, mergeBase)
	b := summarize(t, stages, results, mergeBase.Add(400*time.Millisecond)) // midpoints 0.9s, 1.9s: intervals 0, 1
	c := summarize(t, stages, results, mergeBase.Add(600*time.Millisecond)) // midpoints 1.1s, 2.1s: intervals 1, 2
	m, err := Merge([]Summary{c, a, b})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, iv := range m.Timeline {
		got = append(got, iv.Completed)
	}
	if want := []int64{2, 3, 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("completed per merged interval %v, want %v", got, want)
	}
	if !m.Start.Equal(mergeBase) || m.Merged.StartSpread.D() != 600*time.Millisecond {
		t.Errorf("start %v spread %v", m.Start, m.Merged.StartSpread.D())
	}
	if want := Millis(600*time.Millisecond + 1200*time.Millisecond); m.Elapsed != want {
		t.Errorf("elapsed %v, want %v", m.Elapsed.D(), want.D())
	}
	for j, iv := range m.Timeline {
		if iv.Start.D() != time.Duration(j)*time.Second || iv.Histogram == "" || iv.P50 != a.Timeline[0].P50 {
			t.Errorf("interval %d: %+v", j, iv)
		}
	}

	// Property: with any offsets every count is kept and percentiles are exact.
	rng := rand.New(rand.NewSource(7))
	for it := 0; it < 6; it++ {
		c := randomMergeCase(rng, true)
		parts, union := c.split(t)
		m, err := Merge(parts)
		if err != nil {
			t.Fatal(err)
		}
		m = roundTrip(t, m)
		var sent, done int64
		for _, iv := range m.Timeline {
			sent += iv.Sent
			done += iv.Completed
		}
		if sent != union.Requests || done != union.Requests || m.Latency != union.Latency || m.Lag != union.Lag {
			t.Errorf("case %d: timeline sent %d completed %d of %d; latency %+v want %+v", it, sent, done, union.Requests, m.Latency, union.Latency)
		}
	}
}

func TestMergeSingleIsItself(t *testing.T) {
	c := randomMergeCase(rand.New(rand.NewSource(3)), false)
	parts, _ := c.split(t)
	m, err := Merge(parts[:1])
	if err != nil {
		t.Fatal(err)
	}
	m = roundTrip(t, m)
	sameMeasurements(t, "one summary", m, parts[0])
	if m.AchievedRate != parts[0].AchievedRate || m.Mode != parts[0].Mode || m.Planned != parts[0].Planned {
		t.Errorf("merged %+v\nwant %+v", m, parts[0])
	}
}

func TestMergeTargetsAndModes(t *testing.T) {
	stages := []plan.Stage{{Duration: time.Second, From: 10, To: 10}}
	r := []Result{{Sent: time.Millisecond, Done: 2 * time.Millisecond, Status: 200, Class: ClassOK}}
	a := summarize(t, stages, r, mergeBase)
	b := summarize(t, stages, r, mergeBase)
	b.Target, b.Mode, b.Stages[0].Mode = "http://other/", "async", "async"
	b.Interrupted = true
	b.Thresholds = []ThresholdResult{{Threshold: "p99<1ms"}}
	b.Cluster = &ClusterTimeline{Deployment: "d", Samples: []ClusterSample{{At: 5}}}
	m, err := Merge([]Summary{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if m.Target != "http://other/, http://svc/" || !reflect.DeepEqual(m.Merged.Targets, []string{"http://other/", "http://svc/"}) {
		t.Errorf("target %q, merged %+v", m.Target, m.Merged)
	}
	if m.Mode != "mixed" || m.Stages[0].Mode != "mixed" || !m.Interrupted || m.Thresholds != nil || m.Log != "" {
		t.Errorf("mode %q stage mode %q interrupted %v thresholds %v", m.Mode, m.Stages[0].Mode, m.Interrupted, m.Thresholds)
	}
	if m.Cluster == nil || m.Cluster.Samples[0].At != 5 || m.Stages[0].From != 20 {
		t.Errorf("cluster %+v, stage rate %v", m.Cluster, m.Stages[0].From)
	}
}

// Each summary names the host that sent its load; a merge lists them, and
// merging merged summaries lists all of them once.
func TestMergeGenerators(t *testing.T) {
	stages := []plan.Stage{{Duration: time.Second, From: 10, To: 10}}
	r := []Result{{Sent: time.Millisecond, Done: 2 * time.Millisecond, Status: 200, Class: ClassOK}}
	one := func(host string) Summary {
		s := summarize(t, stages, r, mergeBase)
		s.Generator = host
		return roundTrip(t, s)
	}
	ab, err := Merge([]Summary{one("loadgen-1-x"), one("loadgen-0-y"), one("")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"loadgen-0-y", "loadgen-1-x"}; !reflect.DeepEqual(ab.Merged.Generators, want) {
		t.Errorf("generators %v, want %v", ab.Merged.Generators, want)
	}
	abc, err := Merge([]Summary{roundTrip(t, ab), one("loadgen-2-z"), one("loadgen-0-y")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"loadgen-0-y", "loadgen-1-x", "loadgen-2-z"}; !reflect.DeepEqual(abc.Merged.Generators, want) || abc.Merged.Runs != 5 {
		t.Errorf("generators %v (runs %d), want %v (5)", abc.Merged.Generators, abc.Merged.Runs, want)
	}
	var text strings.Builder
	if err := WriteText(&text, abc); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "Generators loadgen-0-y, loadgen-1-x, loadgen-2-z\n") {
		t.Errorf("text summary does not list the generators:\n%s", text.String())
	}

	var many []Summary
	for i := range 11 {
		many = append(many, one(fmt.Sprintf("pod-%02d", i)))
	}
	m, err := Merge(many)
	if err != nil {
		t.Fatal(err)
	}
	text.Reset()
	if err := WriteText(&text, m); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.String(), "pod-07 and 3 more\n") || strings.Contains(text.String(), "pod-08") {
		t.Errorf("a long list of generators is not cut short:\n%s", text.String())
	}
	none, err := Merge([]Summary{one(""), one("")})
	if err != nil {
		t.Fatal(err)
	}
	if none.Merged.Generators != nil {
		t.Errorf("unnamed generators listed: %q", none.Merged.Generators)
	}
}

func TestMergeRejects(t *testing.T) {
	stages := []plan.Stage{{Duration: 2 * time.Second, From: 10, To: 10}}
	r := []Result{
		{Sent: time.Millisecond, Done: 2 * time.Millisecond, Status: 200, Class: ClassOK},
		{Sent: time.Second, Done: time.Second + time.Millisecond, Status: 200, Class: ClassOK},
	}
	good := func() Summary { return summarize(t, stages, r, mergeBase) }
	if _, err := Merge(nil); err == nil {
		t.Error("merging nothing succeeded")
	}
	for _, tc := range []struct {
		name   string
		mutate func(*Summary)
		want   string
	}{
		{"bad base64", func(s *Summary) { s.LatencyHistogram = "not base64!" }, "summary 2: latency_histogram: cannot be decoded"},
		{"not a histogram", func(s *Summary) { s.ServiceHistogram = "AAAA" }, "summary 2: service_histogram: cannot be decoded"},
		{"missing lag histogram", func(s *Summary) { s.LagHistogram = "" }, "summary 2: lag_histogram: missing, yet it should hold 2 values"},
		{"count mismatch", func(s *Summary) { s.Latency.Count = 3 }, "holds 2 values where the summary counts 3"},
		{"missing stage histogram", func(s *Summary) { s.Stages[0].Histogram = "" }, "stage 1 histogram: missing"},
		{"bad interval histogram", func(s *Summary) { s.Timeline[1].Histogram = "%%" }, "timeline interval 1: cannot be decoded"},
		{"other plan", func(s *Summary) { s.Stages = append(s.Stages, s.Stages[0]) }, "it has 2 stages where summary 1 has 1"},
		{"other stage length", func(s *Summary) { s.Stages[0].Duration = Millis(time.Second) }, "stage 1 runs 1s"},
		{"other interval width", func(s *Summary) { s.Timeline[1].Start = Millis(500 * time.Millisecond) }, "steps by 500ms, summary 1's by 1s"},
		{"no start", func(s *Summary) { s.Start = time.Time{} }, "no start time"},
		{"a year apart", func(s *Summary) { s.Start = s.Start.AddDate(1, 0, 0) }, "not one load"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := good()
			tc.mutate(&bad)
			_, err := Merge([]Summary{good(), bad})
			var me *MergeError
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
			if !errors.As(err, &me) || me.Index != 1 {
				t.Errorf("error %v does not say which summary (want index 1)", err)
			}
		})
	}
}

func TestSummaryCarriesMergeableHistograms(t *testing.T) {
	parts, _ := randomMergeCase(rand.New(rand.NewSource(11)), false).split(t)
	data, err := json.Marshal(parts[0])
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	_ = json.Unmarshal(data, &raw)
	for _, k := range []string{"latency_histogram", "service_histogram", "lag_histogram"} {
		if s, _ := raw[k].(string); s == "" {
			t.Errorf("JSON summary has no %s", k)
		}
	}
	for _, st := range raw["stages"].([]any) {
		if s, _ := st.(map[string]any)["histogram"].(string); s == "" {
			t.Errorf("stage %v has no histogram", st)
		}
	}
}

// Runs made one after another did not load the target together: their
// rates are not summed but spread over the union of their spans, and the
// merge says so.
func TestMergeDisjointRuns(t *testing.T) {
	stages := []plan.Stage{{Duration: 2 * time.Second, From: 10, To: 10}}
	var results []Result
	for i := range 20 {
		at := time.Duration(i) * 100 * time.Millisecond
		results = append(results, Result{Seq: int64(i), Intended: at, Sent: at, Done: at + time.Millisecond, Status: 200, Class: ClassOK})
	}
	a := summarize(t, stages, results, mergeBase)
	b := summarize(t, stages, results, mergeBase.Add(time.Minute)) // a minute later
	overlapping := summarize(t, stages, results, mergeBase.Add(time.Second))
	for _, tc := range []struct {
		name     string
		runs     []Summary
		disjoint bool
		rate     float64
	}{
		{"one after another", []Summary{a, b}, true, (a.AchievedRate*a.Span().Seconds() + b.AchievedRate*b.Span().Seconds()) / (time.Minute + b.Span()).Seconds()},
		{"overlapping", []Summary{a, overlapping}, false, a.AchievedRate + overlapping.AchievedRate},
	} {
		m, err := Merge(tc.runs)
		if err != nil {
			t.Fatal(err)
		}
		if m.Merged.Disjoint != tc.disjoint || math.Abs(m.AchievedRate-tc.rate) > 1e-9*tc.rate {
			t.Errorf("%s: disjoint %v, achieved %v/s; want %v, %v/s", tc.name, m.Merged.Disjoint, m.AchievedRate, tc.disjoint, tc.rate)
		}
		if tc.disjoint && (m.AchievedRate > a.AchievedRate || !strings.Contains(m.Merged.RatesHow(), "union")) {
			t.Errorf("%s: %v/s (%s): two runs of 10/s a minute apart sent less than 10/s on average", tc.name, m.AchievedRate, m.Merged.RatesHow())
		}
	}
}

// The runs' settings are the merged run's when they all share them; runs
// made differently have none in common.
func TestMergeSettings(t *testing.T) {
	stages := []plan.Stage{{Duration: time.Second, From: 10, To: 10}}
	results := []Result{{Intended: 0, Sent: 0, Done: time.Millisecond, Status: 200, Class: ClassOK}}
	a := summarize(t, stages, results, mergeBase)
	b := summarize(t, stages, results, mergeBase.Add(time.Millisecond))
	a.Settings = &Settings{Engine: "fasthttp", Method: "GET", MaxInFlight: 256}
	same := *a.Settings
	b.Settings = &same
	m, err := Merge([]Summary{a, b})
	if err != nil || m.Settings == nil || !reflect.DeepEqual(*m.Settings, *a.Settings) {
		t.Errorf("same settings: merged %+v, %v", m.Settings, err)
	}
	b.Settings = &Settings{Engine: "net/http", Method: "GET", MaxInFlight: 256}
	if m, _ := Merge([]Summary{a, b}); m.Settings != nil {
		t.Errorf("different settings merged into %+v", m.Settings)
	}
}
