// Package capacity searches for the highest request rate a target takes
// within thresholds: short steps at rising rates, then a narrowing search
// between the last rate held and the first broken, each step with its own
// warm-up and a pause for the target to drain before the next.
//
// The search is a function of its steps' outcomes: Search is given a Runner
// that loads the target at one rate and returns the step's summary, so it is
// tested without a target, and the client runs it with load.Run.
package capacity

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/cloudperf/cloudperf/client/results"
)

// Settings of a search.
type Settings struct {
	StartRate float64 // the first step's rate
	MaxRate   float64 // no step goes above it
	Growth    float64 // each rising step's rate is the last one's times this
	// Precision is where narrowing stops: when the rate broken is within
	// this fraction above the rate held (0.05: 5%).
	Precision float64
	Step      time.Duration // measured time per step
	Warmup    time.Duration // sent at the step's rate before measuring
	Pause     time.Duration // between steps, for the target to drain
	MaxSteps  int           // a bound on the search (default 30)
	// Repeats is how many times a doubtful step is run again before its
	// verdict counts (see doubtful): a busy machine's one-off stall does
	// not move the bracket.
	Repeats int
	// Thresholds must all hold for a step's rate to be held.
	Thresholds []results.Threshold
}

// Defaults of the client's capacity command.
const (
	DefaultStartRate = 50
	DefaultMaxRate   = 5000
	DefaultGrowth    = 2
	DefaultPrecision = 0.05
	DefaultStep      = 10 * time.Second
	DefaultWarmup    = 2 * time.Second
	DefaultPause     = 2 * time.Second
	defaultMaxSteps  = 30
	// MinRate is the lowest rate the search tries when even the start rate
	// breaks the thresholds.
	MinRate = 1.0
)

// MinAchieved is the generator's own limit: a step sent at less than this
// share of its rate, without the target holding requests at the in-flight
// cap, measured the generator, not the target.
const MinAchieved = 0.95

// Verdicts of a step.
const (
	Held            = "held"
	Broken          = "broken"
	GeneratorBehind = "generator-behind"
)

// Outcomes of a search.
const (
	Found            = "found"             // a rate held and a higher one broke, within Precision
	AboveMaxRate     = "above-max-rate"    // MaxRate held: the capacity is at least that
	NoneHeld         = "none-held"         // even MinRate broke the thresholds
	GeneratorLimited = "generator-limited" // the generator fell behind: the capacity is at least the rate held
	TargetDown       = "target-down"       // no request succeeded at the first step
	Interrupted      = "interrupted"
	StepLimit        = "step-limit" // MaxSteps ran out before Precision was reached
)

// Step is one rate tried: what it measured and its verdict.
type Step struct {
	N            int     `json:"step"`
	Phase        string  `json:"phase"` // "rise", "fall" or "narrow"
	Rate         float64 `json:"rate"`
	Verdict      string  `json:"verdict"`       // held, broken or generator-behind
	Why          string  `json:"why,omitempty"` // what broke, or why the generator is to blame
	StoppedEarly bool    `json:"stopped_early,omitempty"`
	// Repeated: the step was run again at the same rate, and this verdict
	// did not count (the repeat's did).
	Repeated bool           `json:"repeated,omitempty"`
	Start    results.Millis `json:"start_ms"` // on the search's clock
	Elapsed  results.Millis `json:"elapsed_ms"`

	Requests     int64          `json:"requests"`
	OK           int64          `json:"ok"`
	ErrorRate    float64        `json:"error_rate"` // percent
	AchievedRate float64        `json:"achieved_rate"`
	Throughput   float64        `json:"throughput"`
	P50          results.Millis `json:"p50_ms"`
	P90          results.Millis `json:"p90_ms"`
	P99          results.Millis `json:"p99_ms"`
	LagP99       results.Millis `json:"lag_p99_ms"`
	Capped       int64          `json:"capped"`
	// Replicas are the target's ready replicas at the step's end, when a
	// cluster is observed.
	Replicas   *int32                    `json:"replicas,omitempty"`
	Thresholds []results.ThresholdResult `json:"thresholds"`
}

// Result is a whole search.
type Result struct {
	Target     string         `json:"target"`
	Start      time.Time      `json:"start"`
	Elapsed    results.Millis `json:"elapsed_ms"`
	Thresholds []string       `json:"thresholds"`
	Settings   struct {
		StartRate float64        `json:"start_rate"`
		MaxRate   float64        `json:"max_rate"`
		Growth    float64        `json:"growth"`
		Precision float64        `json:"precision_pct"`
		Step      results.Millis `json:"step_ms"`
		Warmup    results.Millis `json:"warmup_ms"`
		Pause     results.Millis `json:"pause_ms"`
	} `json:"settings"`

	Outcome string `json:"outcome"`
	// Capacity is the highest rate held (0: none). The true capacity lies
	// from it up to BrokenAt, the lowest rate broken (0: none broke).
	Capacity float64 `json:"capacity"`
	BrokenAt float64 `json:"broken_at"`
	// BracketPct is how far above Capacity BrokenAt is, in percent: the
	// search's confidence.
	BracketPct float64 `json:"bracket_pct,omitempty"`
	// Replicas and PerPod, against an observed cluster: the ready replicas
	// at the end of the step that set Capacity, and Capacity shared among them.
	Replicas *int32   `json:"replicas,omitempty"`
	PerPod   *float64 `json:"capacity_per_pod,omitempty"`

	Steps   []Step                   `json:"steps"`
	Cluster *results.ClusterTimeline `json:"cluster,omitempty"`
	Notes   []string                 `json:"notes,omitempty"`
}

// Runner loads the target at rate for one step (its warm-up included) and
// returns what the step measured; stoppedEarly says it was cut short for
// failing badly. An error ends the search.
type Runner func(ctx context.Context, n int, phase string, rate float64) (s results.Summary, stoppedEarly bool, err error)

// Replicas reads the target's ready replicas now, when a cluster is observed.
type Replicas func() (int32, bool)

// Normalize fills in defaults and checks the settings.
func (s *Settings) Normalize() error {
	if s.StartRate == 0 {
		s.StartRate = DefaultStartRate
	}
	if s.MaxRate == 0 {
		s.MaxRate = DefaultMaxRate
	}
	if s.Growth == 0 {
		s.Growth = DefaultGrowth
	}
	if s.Precision == 0 {
		s.Precision = DefaultPrecision
	}
	if s.MaxSteps == 0 {
		s.MaxSteps = defaultMaxSteps
	}
	switch {
	case !(s.StartRate >= MinRate) || math.IsInf(s.StartRate, 0):
		return fmt.Errorf("--start-rate must be at least %g/s", MinRate)
	case !(s.MaxRate >= s.StartRate) || math.IsInf(s.MaxRate, 0):
		return fmt.Errorf("--max-rate (%g/s) must be at least --start-rate (%g/s)", s.MaxRate, s.StartRate)
	case !(s.Growth > 1.05) || s.Growth > 10:
		return fmt.Errorf("--growth must be above 1.05 and at most 10")
	case !(s.Precision >= 0.005) || s.Precision > 0.5:
		return fmt.Errorf("--precision must be from 0.5%% to 50%%")
	case s.Step < time.Second:
		return fmt.Errorf("--step must be at least 1s")
	case s.Warmup < 0 || s.Pause < 0:
		return fmt.Errorf("--warmup and --pause must not be negative")
	case s.Repeats < 0 || s.Repeats > 5:
		return fmt.Errorf("--repeats must be from 0 to 5")
	case len(s.Thresholds) == 0:
		return fmt.Errorf("no threshold to hold: give --max-p99, --max-error-rate or --threshold")
	}
	return nil
}

// Search runs steps until the capacity is bracketed within Precision, the
// search cannot go on (MaxRate held, the generator fell behind, the target
// is down) or ctx ends. replicas may be nil.
func Search(ctx context.Context, target string, set Settings, run Runner, replicas Replicas) (Result, error) {
	if err := set.Normalize(); err != nil {
		return Result{}, err
	}
	start := time.Now()
	r := Result{Target: target, Start: start, Thresholds: []string{}, Steps: []Step{}}
	for _, t := range set.Thresholds {
		r.Thresholds = append(r.Thresholds, t.String())
	}
	r.Settings.StartRate, r.Settings.MaxRate, r.Settings.Growth = set.StartRate, set.MaxRate, set.Growth
	r.Settings.Precision = 100 * set.Precision
	r.Settings.Step, r.Settings.Warmup, r.Settings.Pause = results.Millis(set.Step), results.Millis(set.Warmup), results.Millis(set.Pause)

	held, broken := -1, -1 // indexes into r.Steps of the highest held and lowest broken steps
	step := func(phase string, rate float64) (Step, error) {
		for try := 0; ; try++ {
			if len(r.Steps) > 0 && set.Pause > 0 {
				select {
				case <-ctx.Done():
				case <-time.After(set.Pause):
				}
			}
			if ctx.Err() != nil {
				return Step{}, ctx.Err()
			}
			n := len(r.Steps) + 1
			began := time.Since(start)
			s, stopped, err := run(ctx, n, phase, rate)
			if err != nil {
				return Step{}, err
			}
			if ctx.Err() != nil {
				return Step{}, ctx.Err()
			}
			st := Judge(rate, s, set.Thresholds, stopped)
			st.N, st.Phase = n, phase
			st.Start, st.Elapsed = results.Millis(began), results.Millis(time.Since(start)-began)
			if replicas != nil {
				if v, ok := replicas(); ok {
					st.Replicas = &v
				}
			}
			if doubtful(st) && try < set.Repeats && len(r.Steps)+1 < set.MaxSteps {
				st.Repeated = true
				r.Steps = append(r.Steps, st)
				continue
			}
			r.Steps = append(r.Steps, st)
			switch st.Verdict {
			case Held:
				if held < 0 || rate > r.Steps[held].Rate {
					held = len(r.Steps) - 1
				}
			case Broken:
				if broken < 0 || rate < r.Steps[broken].Rate {
					broken = len(r.Steps) - 1
				}
			}
			return st, nil
		}
	}
	finish := func(outcome string, err error) (Result, error) {
		if err != nil && ctx.Err() != nil {
			outcome, err = Interrupted, nil
		}
		r.Outcome = outcome
		r.Elapsed = results.Millis(time.Since(start))
		if held >= 0 {
			h := r.Steps[held]
			r.Capacity = h.Rate
			if h.Replicas != nil && *h.Replicas > 0 {
				r.Replicas = h.Replicas
				per := h.Rate / float64(*h.Replicas)
				r.PerPod = &per
			}
		}
		if broken >= 0 {
			r.BrokenAt = r.Steps[broken].Rate
			if r.Capacity > 0 {
				r.BracketPct = 100 * (r.BrokenAt - r.Capacity) / r.Capacity
			}
		}
		r.Notes = append(r.Notes, notes(r)...)
		return r, err
	}

	// Rise (or fall, when even the start breaks) until a bracket is found.
	rate := set.StartRate
	phase := "rise"
	for {
		if len(r.Steps) >= set.MaxSteps {
			return finish(StepLimit, nil)
		}
		st, err := step(phase, rate)
		if err != nil {
			return finish("", err)
		}
		switch {
		case st.Verdict == GeneratorBehind:
			return finish(GeneratorLimited, nil)
		case st.Verdict == Broken && st.OK == 0 && held < 0 && phase == "rise":
			return finish(TargetDown, nil)
		case st.Verdict == Held && broken >= 0:
			// Falling found a rate held below the one broken.
		case st.Verdict == Held && rate >= set.MaxRate:
			return finish(AboveMaxRate, nil)
		case st.Verdict == Held:
			rate = math.Min(nice(rate*set.Growth), set.MaxRate)
			continue
		case held < 0 && rate/set.Growth < MinRate:
			return finish(NoneHeld, nil)
		case held < 0:
			phase = "fall"
			rate = nice(rate / set.Growth)
			continue
		}
		break
	}

	// Narrow between the highest held and the lowest broken.
	for {
		lo, hi := r.Steps[held].Rate, r.Steps[broken].Rate
		if (hi-lo)/lo <= set.Precision {
			return finish(Found, nil)
		}
		mid := nice((lo + hi) / 2)
		if mid <= lo || mid >= hi {
			return finish(Found, nil)
		}
		if len(r.Steps) >= set.MaxSteps {
			return finish(StepLimit, nil)
		}
		st, err := step("narrow", mid)
		if err != nil {
			return finish("", err)
		}
		if st.Verdict == GeneratorBehind {
			return finish(GeneratorLimited, nil)
		}
	}
}

// Judge gives a step its verdict. A step stopped early, or with no request
// succeeding, is broken. Otherwise the generator is checked first: if it
// sent short (below MinAchieved of the rate) while the target held no
// request at the in-flight cap, the step measured the generator and its
// rate is not called held. Sending short because the cap was full is the
// target's doing: broken. Then every threshold must hold; latency
// thresholds broken only by the generator's lateness (they hold on service
// time, from the actual send, and nothing waited at the cap) make the step
// the generator's too. A generator that sent late but whose lateness the
// thresholds absorbed did send the rate: held.
func Judge(rate float64, s results.Summary, thresholds []results.Threshold, stoppedEarly bool) Step {
	st := Step{
		Rate: rate, Requests: s.Requests, OK: s.OK, AchievedRate: s.AchievedRate, Throughput: s.Throughput,
		P50: s.Latency.P50, P90: s.Latency.P90, P99: s.Latency.P99, LagP99: s.Lag.P99, Capped: s.Capped,
		StoppedEarly: stoppedEarly, Thresholds: []results.ThresholdResult{},
	}
	if s.Requests > 0 {
		st.ErrorRate = 100 * float64(s.Failed) / float64(s.Requests)
	}
	var broken []string
	for _, t := range thresholds {
		res := t.Check(s)
		st.Thresholds = append(st.Thresholds, res)
		if !res.OK {
			broken = append(broken, fmt.Sprintf("%s (actual %s%s)", res.Threshold, strconv.FormatFloat(res.Actual, 'f', 3, 64), res.Unit))
		}
	}
	short := s.AchievedRate < MinAchieved*rate
	switch {
	case stoppedEarly:
		st.Verdict, st.Why = Broken, "failed badly: stopped early"
		if len(broken) > 0 {
			st.Why += "; " + joinBroken(broken)
		}
	case s.OK == 0:
		st.Verdict, st.Why = Broken, "no request succeeded"
	case s.Capped == 0 && short:
		st.Verdict = GeneratorBehind
		st.Why = fmt.Sprintf("the generator sent %.1f/s of %.1f/s", s.AchievedRate, rate)
	case short:
		st.Verdict = Broken
		st.Why = fmt.Sprintf("sent %.1f/s of %.1f/s: requests waited at the in-flight cap %d times (the target held them)", s.AchievedRate, rate, s.Capped)
		if len(broken) > 0 {
			st.Why += "; " + joinBroken(broken)
		}
	case len(broken) > 0 && s.Capped == 0 && lateOnly(s, thresholds):
		st.Verdict = GeneratorBehind
		st.Why = fmt.Sprintf("the generator's lateness broke %s: dispatch lag p99 %s, and on service time (from the actual send) it holds",
			joinBroken(broken), results.FormatDuration(s.Lag.P99.D()))
	case len(broken) > 0:
		st.Verdict, st.Why = Broken, joinBroken(broken)
	default:
		st.Verdict = Held
	}
	return st
}

// StallLag is the dispatch lag p99 above which the generator is taken to
// have stalled during a step (the machine was busy): the target then saw
// bursts rather than the rate.
const StallLag = 10 * time.Millisecond

// doubtful reports whether a step's verdict should be checked by running it
// again: its generator fell behind, or it broke (not badly, some requests
// succeeding, none waiting at the in-flight cap) while the generator
// stalled. A step broken with the generator on time is trusted.
func doubtful(st Step) bool {
	switch st.Verdict {
	case GeneratorBehind:
		return true
	case Broken:
		return !st.StoppedEarly && st.OK > 0 && st.Capped == 0 && st.LagP99.D() > StallLag
	}
	return false
}

// lateOnly reports whether every threshold the step broke is on corrected
// latency and holds on service time: the target answered in time, the
// generator sent late.
func lateOnly(s results.Summary, thresholds []results.Threshold) bool {
	for _, t := range thresholds {
		if t.Check(s).OK {
			continue
		}
		switch t.Metric {
		case "mean", "p50", "p90", "p95", "p99", "p99.9", "max":
		default:
			return false
		}
		svc := t
		svc.Metric = "service_" + t.Metric
		if !svc.Check(s).OK {
			return false
		}
	}
	return true
}

func joinBroken(b []string) string {
	out := b[0]
	for _, s := range b[1:] {
		out += "; " + s
	}
	return out
}

// BadlyFailing reports whether a step failing this badly should stop at
// once: more than half the requests so far failed, or the corrected p99 so
// far is over ten times the loosest latency threshold (and over a second).
func BadlyFailing(p results.Progress, thresholds []results.Threshold) bool {
	if p.Sent >= 20 && 2*p.Errors > p.Sent {
		return true
	}
	if limit := badLatencyLimit(thresholds); limit > 0 && p.P99 > limit {
		return true
	}
	return false
}

// badLatencyLimit is 10× the loosest corrected-latency threshold, at least
// a second; 0 without one.
func badLatencyLimit(thresholds []results.Threshold) time.Duration {
	var loosest float64
	for _, t := range thresholds {
		switch t.Metric {
		case "p50", "p90", "p95", "p99", "p99.9", "mean", "max":
			if t.Op == "<" || t.Op == "<=" {
				loosest = math.Max(loosest, t.Limit)
			}
		}
	}
	if loosest == 0 {
		return 0
	}
	return max(time.Duration(10*loosest*float64(time.Millisecond)), time.Second)
}

// nice rounds a rate to three significant figures (whole numbers above 100).
func nice(rate float64) float64 {
	if rate <= 0 {
		return rate
	}
	v, _ := strconv.ParseFloat(strconv.FormatFloat(rate, 'g', 3, 64), 64)
	return v
}

// notes say what a reader should know about a result.
func notes(r Result) []string {
	var out []string
	var lo, hi int32 = math.MaxInt32, 0
	for _, s := range r.Steps {
		if s.Replicas != nil {
			lo, hi = min(lo, *s.Replicas), max(hi, *s.Replicas)
		}
	}
	if hi > 0 && lo != hi {
		out = append(out, fmt.Sprintf("the ready replicas changed during the search (%d to %d): each step's rate was taken by the replicas it had; the capacity per pod uses the step that set the capacity", lo, hi))
	}
	for _, s := range r.Steps {
		if s.Capped > 0 && s.Verdict == Held {
			out = append(out, fmt.Sprintf("at %s/s requests waited at the client's in-flight cap: raise --max-in-flight if the capacity found may be the client's limit", strconv.FormatFloat(s.Rate, 'f', -1, 64)))
			break
		}
	}
	return out
}
