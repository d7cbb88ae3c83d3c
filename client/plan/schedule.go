package plan

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Stage is a span of the run at a rate that holds (From == To) or ramps
// linearly from From to To requests per second.
type Stage struct {
	Duration time.Duration // 0 only for an open-ended last stage (ended by a request limit)
	From, To float64
	Warmup   bool // results are logged but kept out of statistics
}

// Peak is the highest rate the stage reaches.
func (s Stage) Peak() float64 { return math.Max(s.From, s.To) }

// Requests is how many requests the stage schedules (fractional; +Inf when open-ended).
func (s Stage) Requests() float64 {
	if s.Duration == 0 {
		return math.Inf(1)
	}
	return (s.From + s.To) / 2 * s.Duration.Seconds()
}

// offset is when, from the stage's start, its k-th request (k ≥ 0, fractional
// count) is due: the t at which the integral of the rate reaches k.
func (s Stage) offset(k float64) time.Duration {
	if k <= 0 {
		return 0
	}
	a := (s.To - s.From) / (2 * s.Duration.Seconds()) // rate(t) = From + 2a·t
	var t float64
	if s.Duration == 0 || a == 0 {
		t = k / s.From
	} else {
		// a·t² + From·t − k = 0, in the form that stays exact when a → 0.
		t = 2 * k / (s.From + math.Sqrt(s.From*s.From+4*a*k))
	}
	return time.Duration(t * 1e9)
}

func (s Stage) String() string {
	if s.From == s.To {
		return fmt.Sprintf("%v at %g/s", s.Duration, s.From)
	}
	return fmt.Sprintf("%v from %g/s to %g/s", s.Duration, s.From, s.To)
}

// Schedule gives every request its intended send time: request i is due when
// the rate's integral since the start reaches i — computed, never a drifting
// ticker. It is immutable and safe for concurrent use.
type Schedule struct {
	stages []Stage
	starts []time.Duration // offset at which each stage begins
	bases  []float64       // requests scheduled before each stage
	limit  int64           // seq ≥ limit is never due (math.MaxInt64: no limit)
	warmup int64           // the first warmup requests are warm-up
}

// ErrNoLoad means the stages would never send a request.
var ErrNoLoad = errors.New("the schedule sends no requests: give a rate above 0")

// NewSchedule checks the stages and prepares the schedule. maxRequests ≤ 0
// means no limit; it counts requests after the warm-up.
func NewSchedule(stages []Stage, maxRequests int64) (*Schedule, error) {
	if len(stages) == 0 {
		return nil, errors.New("no stages")
	}
	s := &Schedule{stages: stages, limit: math.MaxInt64}
	var at time.Duration
	var base float64
	anyLoad := false
	for i, st := range stages {
		switch {
		case !(st.From >= 0 && st.To >= 0) || math.IsInf(st.From, 0) || math.IsInf(st.To, 0):
			return nil, fmt.Errorf("stage %d: rates must be finite and ≥ 0 (got %g → %g)", i+1, st.From, st.To)
		case st.Duration < 0:
			return nil, fmt.Errorf("stage %d: negative duration %v", i+1, st.Duration)
		case st.Duration == 0 && (i != len(stages)-1 || st.From != st.To || st.From == 0):
			return nil, fmt.Errorf("stage %d: only a last stage at a steady rate above 0 may be open-ended", i+1)
		case st.Duration == 0 && maxRequests <= 0:
			return nil, errors.New("an open-ended run needs a request limit")
		case st.Warmup && i > 0 && !stages[i-1].Warmup:
			return nil, fmt.Errorf("stage %d: warm-up must come first", i+1)
		}
		anyLoad = anyLoad || (!st.Warmup && st.Peak() > 0)
		s.starts = append(s.starts, at)
		s.bases = append(s.bases, base)
		at += st.Duration
		base += st.Requests()
		if st.Warmup {
			s.warmup = int64(math.Ceil(base))
		}
	}
	if !anyLoad {
		return nil, ErrNoLoad
	}
	if maxRequests > 0 {
		s.limit = s.warmup + maxRequests
	}
	return s, nil
}

// At returns when request seq is due and which stage it belongs to; ok is
// false once the schedule has ended (duration or request limit reached).
func (s *Schedule) At(seq int64) (at time.Duration, stage int, ok bool) {
	if seq < 0 || seq >= s.limit {
		return 0, 0, false
	}
	k := float64(seq)
	for i, st := range s.stages {
		n := st.Requests()
		if k < s.bases[i]+n {
			return s.starts[i] + st.offset(k-s.bases[i]), i, true
		}
	}
	return 0, 0, false
}

// Warmup reports whether request seq is part of the warm-up.
func (s *Schedule) Warmup(seq int64) bool { return seq < s.warmup }

// Stages returns the stages as given.
func (s *Schedule) Stages() []Stage { return s.stages }

// StageStart is when stage i begins.
func (s *Schedule) StageStart(i int) time.Duration { return s.starts[i] }

// Duration is the planned length of the run; 0 when only a request limit ends it.
func (s *Schedule) Duration() time.Duration {
	last := s.stages[len(s.stages)-1]
	if last.Duration == 0 {
		return 0
	}
	return s.starts[len(s.starts)-1] + last.Duration
}

// Expected is how many requests the schedule sends in all, warm-up included:
// what its stages schedule, or the request limit when that ends it first (an
// open-ended schedule always has one).
func (s *Schedule) Expected() int64 {
	var total float64
	for _, st := range s.stages {
		total += st.Requests()
	}
	n := int64(math.Ceil(total))
	if math.IsInf(total, 1) || n > s.limit {
		return s.limit
	}
	return n
}

// OfferedBetween is how many measured (not warm-up) requests are due in
// [from, to): the offered load over that window, for the time series.
func (s *Schedule) OfferedBetween(from, to time.Duration) float64 {
	var n float64
	for i, st := range s.stages {
		if st.Warmup {
			continue
		}
		lo, hi := s.starts[i], s.starts[i]+st.Duration
		if st.Duration == 0 {
			hi = math.MaxInt64
		}
		a, b := max(lo, from), min(hi, to)
		if a >= b {
			continue
		}
		n += st.countBetween(b-lo) - st.countBetween(a-lo)
	}
	return n
}

// countBetween is the integral of the stage's rate over [0, t).
func (s Stage) countBetween(t time.Duration) float64 {
	x := t.Seconds()
	if s.Duration == 0 {
		return s.From * x
	}
	return s.From*x + (s.To-s.From)*x*x/(2*s.Duration.Seconds())
}
