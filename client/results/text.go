package results

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// WriteText renders the summary for people.
func WriteText(w io.Writer, s Summary) error {
	var b strings.Builder
	status := "completed"
	if s.Interrupted {
		status = "interrupted — summary of what was measured"
	}
	fmt.Fprintf(&b, "cloudperf  %s  %s, %s\n", s.Target, s.Mode, status)
	if m := s.Merged; m != nil {
		fmt.Fprintf(&b, "Merged     %d runs, started within %s; counts and histograms merged, %s\n", m.Runs, FormatDuration(m.StartSpread.D()), m.RatesHow())
		if g := m.Generators; len(g) > 0 {
			const shown = 8
			more := ""
			if len(g) > shown {
				g, more = g[:shown], fmt.Sprintf(" and %d more", len(m.Generators)-shown)
			}
			fmt.Fprintf(&b, "Generators %s%s\n", strings.Join(g, ", "), more)
		}
	}
	if s.Dropped > 0 {
		fmt.Fprintf(&b, "Requests   %d sent and %d dropped (due, never sent: the schedule ended), %d ok (%.2f%%), %d failed",
			s.Requests-s.Dropped, s.Dropped, s.OK, 100*s.SuccessRatio, s.Failed)
	} else {
		fmt.Fprintf(&b, "Requests   %d sent, %d ok (%.2f%%), %d failed", s.Requests, s.OK, 100*s.SuccessRatio, s.Failed)
	}
	if s.Warmup > 0 {
		fmt.Fprintf(&b, "; %d warm-up not counted", s.Warmup)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Rate       target %.1f/s, achieved %.1f/s, throughput %.1f/s over %s\n",
		s.TargetRate, s.AchievedRate, s.Throughput, FormatDuration(s.Span()))

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "Latency\tmean\tmin\tp50\tp90\tp95\tp99\tp99.9\tmax\t")
	for _, row := range []struct {
		name string
		l    LatencyStats
	}{{"corrected", s.Latency}, {"service", s.ServiceTime}} {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", row.name,
			FormatDuration(row.l.Mean.D()), FormatDuration(row.l.Min.D()), FormatDuration(row.l.P50.D()),
			FormatDuration(row.l.P90.D()), FormatDuration(row.l.P95.D()), FormatDuration(row.l.P99.D()),
			FormatDuration(row.l.P999.D()), FormatDuration(row.l.Max.D()))
	}
	_ = tw.Flush()
	b.WriteString("           corrected = from the intended send time (counts queueing); service = from the actual send\n")
	fmt.Fprintf(&b, "Dispatch   lag p50 %s, p99 %s, max %s; peak in flight %d; waited at the in-flight cap %d times\n",
		FormatDuration(s.Lag.P50.D()), FormatDuration(s.Lag.P99.D()), FormatDuration(s.Lag.Max.D()), s.PeakInFlight, s.Capped)
	if s.Verdict.Line != "" {
		fmt.Fprintf(&b, "Verdict    %s\n", s.Verdict.Line)
	}

	if len(s.Errors) > 0 {
		b.WriteString("Errors    ")
		for _, e := range s.Errors {
			fmt.Fprintf(&b, " %s %d", e.Key, e.Count)
		}
		b.WriteString("\n")
	}
	if len(s.Hosts) > 0 {
		b.WriteString("Hosts      ")
		shown := s.Hosts
		if len(shown) > 12 {
			shown = shown[:12]
		}
		for i, h := range shown {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "%s %d (%.1f%%)", h.Key, h.Count, 100*ratio(h.Count, s.Requests))
		}
		if more := len(s.Hosts) - len(shown); more > 0 {
			fmt.Fprintf(&b, ", and %d more", more)
		}
		b.WriteString("\n")
	}
	if len(s.Stages) > 1 {
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "Stages\tfrom\tduration\trate\tmode\trequests\tok\tp50\tp99\t")
		for _, st := range s.Stages {
			rate := strconv.FormatFloat(st.From, 'g', 6, 64)
			if st.To != st.From {
				rate += "→" + strconv.FormatFloat(st.To, 'g', 6, 64)
			}
			name := strconv.Itoa(StageNumber(s.Stages, st.Stage))
			if st.Warmup {
				name = "warm-up"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s/s\t%s\t%d\t%d\t%s\t%s\t\n", name,
				FormatDuration(st.Start.D()), FormatDuration(st.Duration.D()), rate, st.Mode,
				st.Requests, st.OK, FormatDuration(st.Latency.P50.D()), FormatDuration(st.Latency.P99.D()))
		}
		_ = tw.Flush()
	}
	if c := s.Cluster; c != nil {
		b.WriteString(clusterLine(c))
	}
	b.WriteString(autoscalingLines(s.Autoscaling))
	for _, t := range s.Thresholds {
		verdict := "ok"
		if !t.OK {
			verdict = "BROKEN"
		}
		fmt.Fprintf(&b, "Threshold  %s: %s (actual %s%s)\n", t.Threshold, verdict, strconv.FormatFloat(t.Actual, 'f', 3, 64), t.Unit)
	}
	if s.Log != "" {
		fmt.Fprintf(&b, "Log        %s\n", s.Log)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// FormatDuration prints three significant digits in a fitting unit: 812µs, 1.23ms, 20.1ms, 1.52s.
func FormatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	units := []struct {
		name string
		size time.Duration
	}{{"s", time.Second}, {"ms", time.Millisecond}, {"µs", time.Microsecond}, {"ns", 1}}
	for _, u := range units {
		if d >= u.size || u.size == 1 {
			v := float64(d) / float64(u.size)
			prec := 2
			switch {
			case v >= 100:
				prec = 0
			case v >= 10:
				prec = 1
			}
			if u.size == time.Second && v >= 100 {
				return d.Round(time.Second).String()
			}
			return strconv.FormatFloat(v, 'f', prec, 64) + u.name
		}
	}
	return d.String()
}

// clusterLine sums up what was observed of the workload: where replicas and
// CPU started, peaked and ended.
func clusterLine(c *ClusterTimeline) string {
	if len(c.Samples) == 0 {
		return "Cluster    " + c.Unavailable + "\n"
	}
	name := c.Namespace + "/" + c.Deployment
	first, last := c.Samples[0], c.Samples[len(c.Samples)-1]
	var peakReady, peakCPU int32 = 0, -1
	for _, s := range c.Samples {
		peakReady = max(peakReady, s.Ready)
		peakCPU = max(peakCPU, s.CPUUtilization)
	}
	line := fmt.Sprintf("Cluster    %s: ready replicas %d → peak %d → %d", name, first.Ready, peakReady, last.Ready)
	if peakCPU >= 0 {
		line += fmt.Sprintf("; HPA CPU %s → peak %d%% → %s (target %d%%)", pct(first.CPUUtilization), peakCPU, pct(last.CPUUtilization), last.CPUTarget)
	}
	line += fmt.Sprintf("; %d events\n", len(c.Events))
	if c.Unavailable != "" {
		line += "           note: " + c.Unavailable + "\n"
	}
	return line
}

func pct(v int32) string {
	if v < 0 {
		return "?"
	}
	return strconv.Itoa(int(v)) + "%"
}
