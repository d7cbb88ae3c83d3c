package capacity

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/cloudperf/cloudperf/client/results"
)

// Headline is the result in one line: the capacity found and its bracket.
func Headline(r Result) string {
	th := strings.Join(r.Thresholds, ", ")
	switch r.Outcome {
	case Found:
		return fmt.Sprintf("%s within %s: held at %s, broken at %s (bracket %.1f%%)",
			rate(r.Capacity), th, rate(r.Capacity), rate(r.BrokenAt), r.BracketPct)
	case AboveMaxRate:
		return fmt.Sprintf("at least %s within %s: --max-rate held, nothing higher was tried", rate(r.Capacity), th)
	case NoneHeld:
		return fmt.Sprintf("none: even %s broke %s", rate(r.BrokenAt), th)
	case GeneratorLimited:
		last := r.Steps[len(r.Steps)-1]
		if r.Capacity == 0 {
			return fmt.Sprintf("unknown: the generator fell behind at %s (%s) before any rate held", rate(last.Rate), last.Why)
		}
		return fmt.Sprintf("at least %s within %s: the generator fell behind at %s (%s), so no higher rate is called held; spread the load over more generators (a load Job)",
			rate(r.Capacity), th, rate(last.Rate), last.Why)
	case TargetDown:
		return fmt.Sprintf("unknown: no request succeeded at %s", rate(r.Steps[0].Rate))
	case StepLimit:
		return fmt.Sprintf("%s within %s, broken at %s (bracket %.1f%%): the step limit ran out before the bracket narrowed to %.1f%%",
			rate(r.Capacity), th, rate(r.BrokenAt), r.BracketPct, r.Settings.Precision)
	case Interrupted:
		if r.Capacity > 0 {
			return fmt.Sprintf("interrupted: at least %s held within %s so far", rate(r.Capacity), th)
		}
		return "interrupted before any rate held"
	}
	return r.Outcome
}

// WriteText renders a search for people: the capacity, then the curve, one
// row per step.
func WriteText(w io.Writer, r Result) error {
	var b strings.Builder
	fmt.Fprintf(&b, "cloudperf capacity  %s\n", r.Target)
	fmt.Fprintf(&b, "Capacity   %s\n", Headline(r))
	if r.PerPod != nil {
		fmt.Fprintf(&b, "Per pod    %s (%d ready replicas at that step)\n", rate(*r.PerPod), *r.Replicas)
	}
	fmt.Fprintf(&b, "Steps      %d in %s: %s measured after a %s warm-up at each rate, %s pauses\n", len(r.Steps),
		results.FormatDuration(r.Elapsed.D()), results.FormatDuration(r.Settings.Step.D()), results.FormatDuration(r.Settings.Warmup.D()),
		results.FormatDuration(r.Settings.Pause.D()))
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	cluster := false
	for _, s := range r.Steps {
		cluster = cluster || s.Replicas != nil
	}
	head := "step\tphase\trate\tachieved\tp50\tp90\tp99\terrors\tlag p99\t"
	if cluster {
		head += "replicas\t"
	}
	fmt.Fprintln(tw, head+"  verdict")
	for _, s := range r.Steps {
		line := fmt.Sprintf("%d\t%s\t%s\t%s\t%s\t%s\t%s\t%.2f%%\t%s\t", s.N, s.Phase, rate(s.Rate), rate(s.AchievedRate),
			results.FormatDuration(s.P50.D()), results.FormatDuration(s.P90.D()), results.FormatDuration(s.P99.D()), s.ErrorRate,
			results.FormatDuration(s.LagP99.D()))
		if cluster {
			if s.Replicas != nil {
				line += strconv.Itoa(int(*s.Replicas)) + "\t"
			} else {
				line += "?\t"
			}
		}
		verdict := "  " + s.Verdict
		if s.Repeated {
			verdict += " (repeated)"
		}
		if s.Why != "" {
			verdict += ": " + s.Why
		}
		fmt.Fprintln(tw, line+verdict)
	}
	_ = tw.Flush()
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "Note       %s\n", n)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func rate(r float64) string {
	if r >= 100 {
		return strconv.FormatFloat(r, 'f', 0, 64) + "/s"
	}
	return strconv.FormatFloat(r, 'f', 1, 64) + "/s"
}
