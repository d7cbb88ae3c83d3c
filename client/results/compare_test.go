package results

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/plan"
)

// syntheticRun is a steady run of rate requests a second for seconds, each
// latency drawn from a log-normal around a median of median, a share
// errShare of the requests failing with 503.
func syntheticRun(t *testing.T, seed uint64, seconds int, rate float64, median time.Duration, errShare float64) Summary {
	t.Helper()
	return roundTrip(t, syntheticSummary(t, seed, seconds, rate, median, errShare))
}

// syntheticSummary is syntheticRun's summary as the run made it, before
// JSON: a long one holds some histograms in its spill.
func syntheticSummary(t *testing.T, seed uint64, seconds int, rate float64, median time.Duration, errShare float64) Summary {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	sched, err := plan.NewSchedule([]plan.Stage{{Duration: time.Duration(seconds) * time.Second, From: rate, To: rate}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var rs []Result
	for seq := int64(0); ; seq++ {
		at, stage, ok := sched.At(seq)
		if !ok {
			break
		}
		lat := time.Duration(float64(median) * math.Exp(0.5*rng.NormFloat64()))
		r := Result{Seq: seq, Stage: stage, Intended: at, Sent: at + 50*time.Microsecond, Done: at + lat,
			Status: 200, Class: ClassOK, Bytes: 80}
		if rng.Float64() < errShare {
			r.Status, r.Class = 503, ClassHTTP
		}
		rs = append(rs, r)
	}
	slices.SortStableFunc(rs, func(a, b Result) int { return int(a.Done - b.Done) })
	m := NewMetrics(sched, time.Second)
	for _, r := range rs {
		m.Add(r)
	}
	return m.Summarize(RunInfo{Target: "http://svc/", Start: mergeBase, Mode: plan.ModeAsync})
}

func row(t *testing.T, c Comparison, metric string) CompareRow {
	t.Helper()
	for _, r := range c.Rows {
		if r.Metric == metric {
			return r
		}
	}
	t.Fatalf("no row %s in %+v", metric, c.Rows)
	return CompareRow{}
}

func TestCompare(t *testing.T) {
	base := syntheticRun(t, 1, 40, 50, 10*time.Millisecond, 0)
	defaults := CompareOptions{Tolerance: DefaultTolerance, ErrorTolerance: DefaultErrorTolerance, Resamples: 200}
	tests := []struct {
		name        string
		next        Summary
		opts        CompareOptions
		regressions []string
		verdicts    map[string]string
		notes       []string
	}{
		{
			name: "same service, another run", next: syntheticRun(t, 2, 40, 50, 10*time.Millisecond, 0), opts: defaults,
			regressions: []string{},
			verdicts:    map[string]string{"p50": "within noise", "p90": "within noise", "p99": "within noise", "error_rate": "same"},
		},
		{
			name: "30% slower", next: syntheticRun(t, 3, 40, 50, 13*time.Millisecond, 0), opts: defaults,
			regressions: []string{"p50", "p90", "p99"},
			verdicts:    map[string]string{"p50": "REGRESSION", "p99": "REGRESSION", "mean": "worse (not gated)", "error_rate": "same"},
		},
		{
			name: "30% slower, within a 40% tolerance", next: syntheticRun(t, 3, 40, 50, 13*time.Millisecond, 0),
			opts:        CompareOptions{Tolerance: 40, ErrorTolerance: DefaultErrorTolerance, Resamples: 200},
			regressions: []string{},
			verdicts:    map[string]string{"p50": "worse, within tolerance"},
		},
		{
			name: "faster", next: syntheticRun(t, 4, 40, 50, 7*time.Millisecond, 0), opts: defaults,
			regressions: []string{},
			verdicts:    map[string]string{"p50": "better", "p99": "better"},
		},
		{
			name: "errors appear", next: syntheticRun(t, 5, 40, 50, 10*time.Millisecond, 0.02), opts: defaults,
			regressions: []string{"error_rate"},
			verdicts:    map[string]string{"error_rate": "REGRESSION", "throughput": "worse, within tolerance", "p50": "within noise"},
		},
		{
			name: "too short to tell noise: the tolerance decides", next: syntheticRun(t, 6, 3, 100, 13*time.Millisecond, 0), opts: defaults,
			regressions: []string{"p50", "p90", "p99"},
			notes:       []string{"too few to estimate its noise"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Compare(base, tc.next, "base.json", "new.json", tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Regressions, tc.regressions) {
				t.Errorf("regressions %v, want %v", c.Regressions, tc.regressions)
				for _, r := range c.Rows {
					t.Logf("%+v noise %v", r, deref(r.Noise))
				}
			}
			for metric, want := range tc.verdicts {
				if got := row(t, c, metric).Verdict; got != want {
					r := row(t, c, metric)
					t.Errorf("%s: verdict %q, want %q (base %.3f new %.3f noise %v)", metric, got, want, r.Base, r.New, deref(r.Noise))
				}
			}
			for _, n := range tc.notes {
				if !strings.Contains(strings.Join(c.Notes, "\n"), n) {
					t.Errorf("notes %q lack %q", c.Notes, n)
				}
			}
			// The figures are the summaries' own.
			if r := row(t, c, "p99"); r.Base != ms(base.Latency.P99) || r.New != ms(tc.next.Latency.P99) {
				t.Errorf("p99 row %v → %v, summaries say %v → %v", r.Base, r.New, base.Latency.P99, tc.next.Latency.P99)
			}
		})
	}
}

func deref(p *float64) any {
	if p == nil {
		return "unknown"
	}
	return *p
}

// TestCompareNoiseIsCalibrated compares pairs of runs of the same service:
// a change beyond noise should be rare (about 5% of rows with a 2-sigma
// band), and a 10% slow-down should almost always be beyond it.
func TestCompareNoiseIsCalibrated(t *testing.T) {
	if testing.Short() {
		t.Skip("many runs")
	}
	const pairs = 6
	var rows, beyond, caught, slowed int
	for i := range pairs {
		a := syntheticRun(t, uint64(100+2*i), 30, 50, 10*time.Millisecond, 0)
		b := syntheticRun(t, uint64(101+2*i), 30, 50, 10*time.Millisecond, 0)
		slow := syntheticRun(t, uint64(1000+i), 30, 50, 11*time.Millisecond, 0)
		opts := CompareOptions{Tolerance: DefaultTolerance, ErrorTolerance: DefaultErrorTolerance, Resamples: 100}
		same, err := Compare(a, b, "a", "b", opts)
		if err != nil {
			t.Fatal(err)
		}
		worse, err := Compare(a, slow, "a", "slow", opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{"p50", "p90", "throughput"} {
			rows++
			if row(t, same, m).BeyondNoise {
				beyond++
			}
		}
		for _, m := range []string{"p50", "p90"} {
			slowed++
			if r := row(t, worse, m); r.BeyondNoise && r.Worse {
				caught++
			}
		}
	}
	if beyond > rows/5 {
		t.Errorf("%d of %d rows of the same service were beyond noise: the noise is underestimated", beyond, rows)
	}
	if caught < slowed*8/10 {
		t.Errorf("a 10%% slow-down was beyond noise in %d of %d rows: the noise is overestimated", caught, slowed)
	}
	t.Logf("same service: %d of %d rows beyond noise; 10%% slower: %d of %d caught", beyond, rows, caught, slowed)
}

func TestCompareRejects(t *testing.T) {
	base := syntheticRun(t, 1, 5, 100, 10*time.Millisecond, 0)
	if _, err := Compare(base, Summary{}, "a", "empty.json", CompareOptions{}); err == nil || !strings.Contains(err.Error(), "empty.json") {
		t.Errorf("an empty run: %v", err)
	}
	broken := base
	broken.Timeline = slices.Clone(base.Timeline)
	broken.Timeline[1].Histogram = "garbage"
	if _, err := Compare(base, broken, "a", "broken.json", CompareOptions{}); err == nil || !strings.Contains(err.Error(), "interval 1") {
		t.Errorf("a broken interval histogram: %v", err)
	}
	if _, err := Compare(base, base, "a", "b", CompareOptions{Tolerance: -1}); err == nil {
		t.Error("a negative tolerance was accepted")
	}
}

func TestWriteCompareText(t *testing.T) {
	base := syntheticRun(t, 1, 30, 50, 10*time.Millisecond, 0)
	next := syntheticRun(t, 3, 30, 50, 13*time.Millisecond, 0.02)
	c, err := Compare(base, next, "base.json", "new.json", CompareOptions{Tolerance: 5, ErrorTolerance: 0.1})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteCompareText(&b, c); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"Base       base.json: http://svc/", "New        new.json", "p99", "REGRESSION", "max*",
		"Verdict    REGRESSION: p50 +", "error_rate +", "pt", "5% (latency, throughput), 0.1 points"} {
		if !strings.Contains(out, want) {
			t.Errorf("text lacks %q:\n%s", want, out)
		}
	}
}
