package capacity

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/results"
)

func threshold(t *testing.T, exprs ...string) []results.Threshold {
	t.Helper()
	var out []results.Threshold
	for _, e := range exprs {
		th, err := results.ParseThreshold(e)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, th)
	}
	return out
}

// service is a fake target: up to capacity requests a second it answers in
// 10 ms, above it in 500 ms. sendCap is the most the generator can send.
type service struct {
	capacity float64
	sendCap  float64 // 0: no limit
	capped   bool    // over capacity, requests wait at the in-flight cap
	down     bool
	late     float64      // above this rate the generator sends late
	flaky    map[int]bool // these steps (1, 2, ...) break whatever the rate
	rates    []float64
}

func (f *service) run(_ context.Context, _ int, _ string, rate float64) (results.Summary, bool, error) {
	f.rates = append(f.rates, rate)
	s := results.Summary{Requests: 1000, OK: 1000, AchievedRate: rate, Throughput: rate}
	s.Latency.P50, s.Latency.P99 = results.Millis(5*time.Millisecond), results.Millis(10*time.Millisecond)
	s.Lag.P99 = results.Millis(200 * time.Microsecond)
	if rate > f.capacity {
		s.Latency.P99 = results.Millis(500 * time.Millisecond)
		if f.capped {
			s.Capped, s.AchievedRate = 300, f.capacity
		}
	}
	s.ServiceTime = s.Latency
	if f.late > 0 && rate > f.late {
		// The generator sends late: corrected latency suffers, service time not.
		s.Latency.P99 = results.Millis(500 * time.Millisecond)
		s.ServiceTime.P99, s.Lag.P99 = results.Millis(10*time.Millisecond), results.Millis(40*time.Millisecond)
	}
	if f.flaky[len(f.rates)] { // the generator stalled, the target saw bursts
		s.Latency.P99, s.ServiceTime.P99 = results.Millis(300*time.Millisecond), results.Millis(300*time.Millisecond)
		s.Lag.P99 = results.Millis(120 * time.Millisecond)
	}
	if f.sendCap > 0 && rate > f.sendCap {
		s.AchievedRate = f.sendCap
	}
	if f.down {
		s.OK, s.Failed = 0, 1000
	}
	return s, false, nil
}

func settings(t *testing.T) Settings {
	return Settings{StartRate: 100, MaxRate: 5000, Step: time.Second, Thresholds: threshold(t, "p99<=100ms")}
}

func TestSearch(t *testing.T) {
	tests := []struct {
		name     string
		svc      service
		change   func(*Settings)
		outcome  string
		rates    []float64 // the steps' rates, in order (nil: not checked)
		capacity float64
		brokenAt float64
	}{
		{name: "rise, then narrow", svc: service{capacity: 315}, outcome: Found,
			rates: []float64{100, 200, 400, 300, 350, 325, 312}, capacity: 312, brokenAt: 325},
		{name: "finer precision", svc: service{capacity: 315}, change: func(s *Settings) { s.Precision = 0.01 }, outcome: Found,
			rates: []float64{100, 200, 400, 300, 350, 325, 312, 318, 315}, capacity: 315, brokenAt: 318},
		{name: "never above --max-rate", svc: service{capacity: 1e6}, change: func(s *Settings) { s.MaxRate = 1000 }, outcome: AboveMaxRate,
			rates: []float64{100, 200, 400, 800, 1000}, capacity: 1000},
		{name: "even the start breaks: fall, then narrow", svc: service{capacity: 30}, outcome: Found,
			rates: []float64{100, 50, 25, 37.5, 31.2, 28.1, 29.6, 30.4}, capacity: 29.6, brokenAt: 30.4},
		{name: "nothing holds", svc: service{capacity: 0.5}, outcome: NoneHeld,
			rates: []float64{100, 50, 25, 12.5, 6.25, 3.12, 1.56}, brokenAt: 1.56},
		{name: "the generator falls behind: no higher rate is held", svc: service{capacity: 1e6, sendCap: 700}, outcome: GeneratorLimited,
			rates: []float64{100, 200, 400, 800}, capacity: 400},
		{name: "the target holds requests at the in-flight cap: broken, not the generator", svc: service{capacity: 315, capped: true}, outcome: Found,
			capacity: 312, brokenAt: 325},
		{name: "the generator's lateness breaks p99: not the target's", svc: service{capacity: 1e6, late: 300}, outcome: GeneratorLimited,
			rates: []float64{100, 200, 400}, capacity: 200},
		{name: "one noisy step is not a verdict", svc: service{capacity: 315, flaky: map[int]bool{2: true}},
			change: func(s *Settings) { s.Repeats = 1 }, outcome: Found,
			rates: []float64{100, 200, 200, 400, 300, 350, 325, 312}, capacity: 312, brokenAt: 325},
		{name: "without repeats, a noisy step moves the bracket", svc: service{capacity: 315, flaky: map[int]bool{2: true}}, outcome: Found,
			rates: []float64{100, 200, 150, 175, 188, 194}, capacity: 194, brokenAt: 200},
		{name: "the target is down", svc: service{capacity: 1e6, down: true}, outcome: TargetDown, rates: []float64{100}, brokenAt: 100},
		{name: "the step limit", svc: service{capacity: 315}, change: func(s *Settings) { s.MaxSteps = 5 }, outcome: StepLimit,
			rates: []float64{100, 200, 400, 300, 350}, capacity: 300, brokenAt: 350},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set := settings(t)
			if tc.change != nil {
				tc.change(&set)
			}
			svc := tc.svc
			r, err := Search(context.Background(), "http://svc/", set, svc.run, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Outcome != tc.outcome || r.Capacity != tc.capacity || r.BrokenAt != tc.brokenAt {
				t.Errorf("outcome %s, capacity %v, broken at %v; want %s, %v, %v (rates %v)", r.Outcome, r.Capacity, r.BrokenAt,
					tc.outcome, tc.capacity, tc.brokenAt, svc.rates)
			}
			if tc.rates != nil && !slices.Equal(svc.rates, tc.rates) {
				t.Errorf("rates %v, want %v", svc.rates, tc.rates)
			}
			for _, s := range r.Steps {
				if s.Rate > set.MaxRate {
					t.Errorf("step %d at %v/s, above --max-rate", s.N, s.Rate)
				}
			}
			if r.Outcome == Found && r.BracketPct > r.Settings.Precision {
				t.Errorf("bracket %.1f%%, precision %.1f%%", r.BracketPct, r.Settings.Precision)
			}
			for _, st := range r.Steps {
				if st.Repeated && st.Verdict == Held {
					t.Errorf("step %d held and was repeated", st.N)
				}
			}
			if len(r.Steps) != len(svc.rates) {
				t.Errorf("%d steps recorded, %d run", len(r.Steps), len(svc.rates))
			}
		})
	}
}

func TestSearchPerPodAndInterrupt(t *testing.T) {
	svc := service{capacity: 315}
	replicas := int32(3)
	r, err := Search(context.Background(), "http://svc/", settings(t), svc.run, func() (int32, bool) { return replicas, true })
	if err != nil {
		t.Fatal(err)
	}
	if r.Replicas == nil || *r.Replicas != 3 || r.PerPod == nil || math.Abs(*r.PerPod-312.0/3) > 1e-9 {
		t.Errorf("replicas %v, per pod %v", r.Replicas, r.PerPod)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	run := func(ctx context.Context, i int, phase string, rate float64) (results.Summary, bool, error) {
		if n++; n == 3 {
			cancel()
		}
		return svc.run(ctx, i, phase, rate)
	}
	r, err = Search(ctx, "http://svc/", settings(t), run, nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Outcome != Interrupted || r.Capacity != 200 || len(r.Steps) != 2 {
		t.Errorf("interrupted: %s, capacity %v, %d steps", r.Outcome, r.Capacity, len(r.Steps))
	}

	boom := errors.New("log full")
	_, err = Search(context.Background(), "http://svc/", settings(t), func(context.Context, int, string, float64) (results.Summary, bool, error) {
		return results.Summary{}, false, boom
	}, nil)
	if !errors.Is(err, boom) {
		t.Errorf("a runner's error: %v", err)
	}
}

func TestJudge(t *testing.T) {
	ths := threshold(t, "p99<=100ms", "error_rate<=1%")
	good := func() results.Summary {
		s := results.Summary{Requests: 1000, OK: 1000, AchievedRate: 200}
		s.Latency.P99 = results.Millis(20 * time.Millisecond)
		s.ServiceTime = s.Latency
		s.Lag.P99 = results.Millis(time.Millisecond)
		return s
	}
	tests := []struct {
		name    string
		change  func(*results.Summary)
		stopped bool
		verdict string
		why     string
	}{
		{"held", func(*results.Summary) {}, false, Held, ""},
		{"slow", func(s *results.Summary) {
			s.Latency.P99, s.ServiceTime.P99 = results.Millis(150*time.Millisecond), results.Millis(149*time.Millisecond)
		}, false, Broken, "p99<=100ms (actual 150.000ms)"},
		{"slow only because sent late", func(s *results.Summary) {
			s.Latency.P99, s.Lag.P99 = results.Millis(150*time.Millisecond), results.Millis(45*time.Millisecond)
		}, false, GeneratorBehind, "the generator's lateness broke p99<=100ms"},
		{"errors", func(s *results.Summary) { s.OK, s.Failed = 950, 50 }, false, Broken, "error_rate<=1% (actual 5.000%)"},
		{"stopped early", func(*results.Summary) {}, true, Broken, "failed badly"},
		{"nothing succeeded", func(s *results.Summary) { s.OK, s.Failed = 0, 1000 }, false, Broken, "no request succeeded"},
		{"the generator sent late, within the thresholds", func(s *results.Summary) { s.Lag.P99 = results.Millis(80 * time.Millisecond) }, false, Held, ""},
		{"the generator sent short", func(s *results.Summary) { s.AchievedRate = 180 }, false, GeneratorBehind, "sent 180.0/s of 200.0/s"},
		{"late because the target held requests at the cap", func(s *results.Summary) {
			s.Lag.P99, s.Capped, s.AchievedRate = results.Millis(80*time.Millisecond), 40, 199
		}, false, Held, ""},
		{"short because the target held requests at the cap", func(s *results.Summary) { s.AchievedRate, s.Capped = 150, 400 }, false, Broken, "in-flight cap 400 times"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := good()
			tc.change(&s)
			st := Judge(200, s, ths, tc.stopped)
			if st.Verdict != tc.verdict || !strings.Contains(st.Why, tc.why) || (tc.why == "" && st.Why != "") {
				t.Errorf("verdict %s (%s), want %s (%s)", st.Verdict, st.Why, tc.verdict, tc.why)
			}
			if len(st.Thresholds) != 2 {
				t.Errorf("thresholds %v", st.Thresholds)
			}
		})
	}
}

func TestBadlyFailing(t *testing.T) {
	ths := threshold(t, "p99<=250ms")
	for _, tc := range []struct {
		p    results.Progress
		want bool
	}{
		{results.Progress{Sent: 100, Errors: 10, P99: 300 * time.Millisecond}, false},
		{results.Progress{Sent: 100, Errors: 60}, true},
		{results.Progress{Sent: 10, Errors: 10}, false}, // too few to tell
		{results.Progress{Sent: 100, P99: 2600 * time.Millisecond}, true},
	} {
		if got := BadlyFailing(tc.p, ths); got != tc.want {
			t.Errorf("%+v: %v, want %v", tc.p, got, tc.want)
		}
	}
	if BadlyFailing(results.Progress{Sent: 100, P99: time.Hour}, threshold(t, "error_rate<1%")) {
		t.Error("no latency threshold: latency alone is never bad")
	}
}

func TestSettings(t *testing.T) {
	for _, tc := range []struct {
		change func(*Settings)
		want   string
	}{
		{func(s *Settings) { s.Thresholds = nil }, "no threshold"},
		{func(s *Settings) { s.StartRate = 0.5 }, "--start-rate"},
		{func(s *Settings) { s.MaxRate = 10 }, "--max-rate"},
		{func(s *Settings) { s.Growth = 1 }, "--growth"},
		{func(s *Settings) { s.Precision = 0.9 }, "--precision"},
		{func(s *Settings) { s.Step = time.Millisecond }, "--step"},
		{func(s *Settings) { s.Pause = -time.Second }, "--pause"},
	} {
		s := settings(t)
		tc.change(&s)
		if err := s.Normalize(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", s, err, tc.want)
		}
	}
}

func TestWriteText(t *testing.T) {
	svc := service{capacity: 315}
	r, err := Search(context.Background(), "http://svc/", settings(t), svc.run, func() (int32, bool) { return 3, true })
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := WriteText(&b, r); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Capacity   312/s within p99<=100ms: held at 312/s, broken at 325/s (bracket 4.2%)",
		"Per pod    104/s (3 ready replicas at that step)",
		"replicas", "narrow", "broken: p99<=100ms (actual 500.000ms)",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}
