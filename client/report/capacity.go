package report

import (
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/cloudperf/cloudperf/client/capacity"
	"github.com/cloudperf/cloudperf/client/results"
)

var (
	//go:embed assets/capacity.html.tmpl
	capacityTemplate string
	//go:embed assets/capacity.js
	capacityJS string
)

var capacityLayout = newLayout("capacity", capacityTemplate, asset{"capacity.js", capacityJS})

// CapacityData is what the capacity page's script draws: the steps (the
// curve), the bracket, and the latency limits to mark.
type CapacityData struct {
	Steps    []capacity.Step `json:"steps"`
	Capacity float64         `json:"capacity"`
	BrokenAt float64         `json:"broken_at"`
	// Limits are the corrected-latency thresholds, in ms, by metric.
	Limits []LatencyLimit `json:"limits"`
	// ErrorLimit is the error-rate threshold in percent (-1: none).
	ErrorLimit float64 `json:"error_limit"`
}

// LatencyLimit is one latency threshold to draw.
type LatencyLimit struct {
	Metric string  `json:"metric"`
	Ms     float64 `json:"ms"`
}

type capacityView struct {
	Target, Date, Headline, Outcome string
	Good                            bool
	KPIs                            []kpi
	Steps                           []capacityStepRow
	Notes                           []string
	Settings                        []row
	Cluster                         bool // the steps recorded replicas

	inlined
}

type capacityStepRow struct {
	N, Phase, Rate, Achieved, P50, P90, P99, Errors, Lag, Replicas, Verdict, Why string
	Held, Broken                                                                 bool
}

// WriteCapacityHTML writes a self-contained page of a capacity search: the
// capacity and its bracket, the curve of latency and errors against the
// rate (the knee) and every step.
func WriteCapacityHTML(w io.Writer, r capacity.Result) error {
	d := CapacityData{Steps: slices.Clone(r.Steps), Capacity: r.Capacity, BrokenAt: r.BrokenAt, Limits: []LatencyLimit{}, ErrorLimit: -1}
	for _, expr := range r.Thresholds {
		t, err := results.ParseThreshold(expr)
		if err != nil || (t.Op != "<" && t.Op != "<=") {
			continue
		}
		switch t.Metric {
		case "p50", "p90", "p99":
			d.Limits = append(d.Limits, LatencyLimit{Metric: t.Metric, Ms: t.Limit})
		case "error_rate":
			d.ErrorLimit = t.Limit
		}
	}
	page, err := capacityLayout.inline(d)
	if err != nil {
		return err
	}
	dur := func(m results.Millis) string { return results.FormatDuration(m.D()) }
	v := capacityView{
		Target: r.Target, Date: r.Start.Format("2006-01-02 15:04:05 MST"), Headline: capacity.Headline(r), Outcome: r.Outcome,
		Good: r.Outcome == capacity.Found || r.Outcome == capacity.AboveMaxRate, Notes: r.Notes, inlined: page,
	}
	if r.Start.IsZero() {
		v.Date = "date unknown"
	}
	capKPI := kpi{Label: "Capacity", Value: "none", Class: goodBad(v.Good)}
	if r.Capacity > 0 {
		capKPI.Value = rate(r.Capacity)
		if r.Outcome != capacity.Found {
			capKPI.Value = "≥ " + capKPI.Value
		}
	}
	capKPI.Note = r.Outcome
	v.KPIs = append(v.KPIs, capKPI)
	if r.BrokenAt > 0 {
		k := kpi{Label: "Broken at", Value: rate(r.BrokenAt)}
		if r.Capacity > 0 {
			k.Note = fmt.Sprintf("bracket %.1f%%", r.BracketPct)
		}
		v.KPIs = append(v.KPIs, k)
	}
	if r.PerPod != nil {
		v.KPIs = append(v.KPIs, kpi{Label: "Per pod", Value: rate(*r.PerPod), Note: fmt.Sprintf("%d ready replicas", *r.Replicas)})
	}
	v.KPIs = append(v.KPIs, kpi{Label: "Steps", Value: strconv.Itoa(len(r.Steps)), Note: "in " + dur(r.Elapsed)})
	v.Settings = []row{
		{"Target", r.Target},
		{"Thresholds", strings.Join(r.Thresholds, ", ")},
		{"Rates", fmt.Sprintf("from %s, at most %s, rising ×%g; narrowed to %g%%", rate(r.Settings.StartRate), rate(r.Settings.MaxRate), r.Settings.Growth, r.Settings.Precision)},
		{"Each step", fmt.Sprintf("%s measured after a %s warm-up; %s pauses", dur(r.Settings.Step), dur(r.Settings.Warmup), dur(r.Settings.Pause))},
	}
	for _, s := range r.Steps {
		row := capacityStepRow{N: strconv.Itoa(s.N), Phase: s.Phase, Rate: rate(s.Rate), Achieved: rate(s.AchievedRate),
			P50: dur(s.P50), P90: dur(s.P90), P99: dur(s.P99), Errors: strconv.FormatFloat(s.ErrorRate, 'f', 2, 64) + "%",
			Lag: dur(s.LagP99), Replicas: "–", Verdict: s.Verdict, Why: s.Why, Held: s.Verdict == capacity.Held, Broken: s.Verdict == capacity.Broken}
		if s.Replicas != nil {
			row.Replicas = strconv.Itoa(int(*s.Replicas))
			v.Cluster = true
		}
		v.Steps = append(v.Steps, row)
	}
	return renderPage(w, capacityLayout, v)
}
