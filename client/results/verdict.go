package results

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/cloudperf/cloudperf/client/plan"
)

// Verdict says whether the load was delivered as the schedule planned and,
// when it was not, which side fell behind: the target (requests waited at
// the in-flight cap, were dropped, or waited for slow responses one at a
// time) or the generator (its own dispatch lag was large while the target
// answered quickly: the client was short of CPU).
type Verdict struct {
	KeptUp bool   `json:"kept_up"`
	Behind string `json:"behind,omitempty"` // "target" or "generator" when not kept up
	Line   string `json:"line"`             // the verdict in one line, for people
}

// LagLimit is the dispatch lag (p99) above which a run did not keep to its
// schedule: well above a busy machine's scheduling jitter, well below what
// a person would call keeping up.
const LagLimit = 10 * time.Millisecond

// Judge reads the verdict from a summary's counts and histograms.
func Judge(s Summary) Verdict {
	lag, service := s.Lag.P99.D(), s.ServiceTime.P99.D()
	lagBig := lag > LagLimit
	// Open loop without waits at the cap, the dispatcher waits for nothing
	// but its own CPU. One at a time it also waits for the previous
	// response: its lag is the target's when responses take most of the
	// time between requests (busy is that share, for one generator).
	rate := s.TargetRate
	if m := s.Merged; m != nil && m.Runs > 1 {
		rate /= float64(m.Runs)
	}
	busy := s.ServiceTime.Mean.D().Seconds() * rate
	generator := lagBig && s.Capped == 0 && (s.Mode == plan.ModeAsync.String() || busy < 0.5)
	rates := formatRate(s.AchievedRate) + " of " + formatRate(s.TargetRate) + " sent"
	var parts []string
	if s.Capped > 0 {
		parts = append(parts, plural(s.Capped, "request")+" waited at the in-flight cap")
	}
	if s.Dropped > 0 {
		parts = append(parts, fmt.Sprintf("%d dropped", s.Dropped))
	}
	switch {
	case generator:
		line := fmt.Sprintf("generator fell behind: dispatch lag p99 %s while the target answered in %s (service p99); %s",
			FormatDuration(lag), FormatDuration(service), rates)
		for _, p := range parts {
			line += "; " + p
		}
		return Verdict{Behind: "generator", Line: line + "; give the client more CPU or a lower rate"}
	case s.Capped > 0 || s.Dropped > 0 || lagBig:
		line := "target fell behind: " + rates
		if lagBig && s.Capped == 0 {
			how := "; its responses"
			if s.Mode == plan.ModeSync.String() {
				how = "; one at a time, its responses"
			}
			line += fmt.Sprintf("%s (service mean %s) held up the schedule (lag p99 %s)", how, FormatDuration(s.ServiceTime.Mean.D()), FormatDuration(lag))
		}
		for _, p := range parts {
			line += "; " + p
		}
		return Verdict{Behind: "target", Line: line}
	}
	return Verdict{KeptUp: true, Line: "kept up: " + rates}
}

func formatRate(r float64) string {
	prec := 1
	if r >= 100 {
		prec = 0
	}
	return strconv.FormatFloat(r, 'f', prec, 64) + "/s"
}

func plural(n int64, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return strconv.FormatInt(n, 10) + " " + what + "s"
}

// Short is the verdict in a few words: a badge.
func (v Verdict) Short() string {
	if v.KeptUp || v.Line == "" {
		return "kept up"
	}
	short, _, _ := strings.Cut(v.Line, ":")
	return short
}
