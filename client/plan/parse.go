package plan

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// MaxRate bounds every rate the parsers accept: far beyond any one machine,
// low enough that schedule arithmetic stays exact.
const MaxRate = 10_000_000

// MaxStageDuration bounds a stage's (and --duration's, --warmup's) length.
const MaxStageDuration = 1000 * time.Hour

// ParseRate reads a request rate per second: a finite number above 0, with an
// optional "/s" suffix.
func ParseRate(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "/s"), 64)
	if err != nil {
		return 0, fmt.Errorf("rate %q is not a number", s)
	}
	if !(v > 0) || v > MaxRate {
		return 0, fmt.Errorf("rate %q must be above 0 and at most %d", s, MaxRate)
	}
	return v, nil
}

// ParseStages reads a comma-separated list of DURATION:RATE (hold the rate)
// or DURATION:FROM-TO (ramp linearly), e.g. "30s:100,2m:100-600,30s:100".
// Rates may be 0 (a pause, or a ramp from nothing); some stage must send.
func ParseStages(spec string) ([]Stage, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("stages: empty; want e.g. 30s:100,2m:100-600,30s:100")
	}
	var stages []Stage
	anyLoad := false
	for i, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		dur, rates, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("stage %d %q: want DURATION:RATE or DURATION:FROM-TO", i+1, part)
		}
		d, err := time.ParseDuration(dur)
		if err != nil || d <= 0 || d > MaxStageDuration {
			return nil, fmt.Errorf("stage %d %q: duration %q must be like 30s or 2m, above 0", i+1, part, dur)
		}
		from, to, ramp := strings.Cut(rates, "-")
		st := Stage{Duration: d}
		if st.From, err = parseStageRate(from); err != nil {
			return nil, fmt.Errorf("stage %d %q: %v", i+1, part, err)
		}
		st.To = st.From
		if ramp {
			if st.To, err = parseStageRate(to); err != nil {
				return nil, fmt.Errorf("stage %d %q: %v", i+1, part, err)
			}
		}
		anyLoad = anyLoad || st.Peak() > 0
		stages = append(stages, st)
	}
	if !anyLoad {
		return nil, fmt.Errorf("stages %q send no requests: give some stage a rate above 0", spec)
	}
	return stages, nil
}

func parseStageRate(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(s), "/s"), 64)
	if err != nil || math.IsNaN(v) || v < 0 || v > MaxRate {
		return 0, fmt.Errorf("rate %q must be a number from 0 to %d", s, MaxRate)
	}
	return v, nil
}
