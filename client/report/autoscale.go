package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/cloudperf/cloudperf/client/results"
)

// autoscalingRows are the analysis of how autoscaling kept up, for the
// cluster card; none without one.
func autoscalingRows(a *results.Autoscaling) []row {
	if a == nil {
		return nil
	}
	after := func(m *results.Millis) string {
		if m == nil {
			return "–"
		}
		return results.FormatDuration(m.D().Round(100*time.Millisecond)) + " after the rise"
	}
	rows := []row{
		{"Load rose", fmt.Sprintf("at %s, %s → %s (%d ready)", clock(a.RiseAt.D()), rate(a.RiseFromRate), rate(a.RiseToRate), a.ReadyAtRise)},
	}
	if a.DecisionAfter == nil {
		rows = append(rows, row{"Scale-up", "none seen"})
	} else {
		rows = append(rows,
			row{"Scale-up decided", fmt.Sprintf("to %d replicas, %s", a.DecidedReplicas, after(a.DecisionAfter))},
			row{"Added pods ready", after(a.ReadyAfter)},
		)
		if a.SettledAfter != nil {
			rows = append(rows, row{"Peak ready", fmt.Sprintf("%d, %s", a.PeakReady, after(a.SettledAfter))})
		}
	}
	rows = append(rows, row{"Pod-seconds", fmt.Sprintf("%.1f (peak %d ready, %d desired)", a.PodSeconds, a.PeakReady, a.PeakDesired)})
	if len(a.Thresholds) > 0 {
		rows = append(rows, row{"Thresholds broken", fmt.Sprintf("%.0f s of the %.0f s scaling window, %.0f s in all (%s, per second)",
			a.BrokenWhileScaling, a.ScalingWindowSeconds, a.BrokenSeconds, strings.Join(a.Thresholds, ", "))})
	}
	rows = append(rows, row{"Failed while pods changed", fmt.Sprintf("%s of %s failed requests, within %s of the %d pod changes",
		thousands(a.FailedDuringChanges), thousands(a.Failed), results.FormatDuration(results.ChurnWindow), a.PodChanges)})
	for _, n := range a.Notes {
		rows = append(rows, row{"Note", n})
	}
	return rows
}
