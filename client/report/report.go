// Package report renders a run's summary as one self-contained HTML file: the
// settings and results as tables (readable without JavaScript) and charts of
// latency, throughput, the cluster's replicas and CPU, the percentile
// distribution and the responses per pod, drawn by a vendored copy of uPlot.
// The page makes no network request: scripts, styles and data are inline.
package report

import (
	_ "embed"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/cloudperf/cloudperf/client/results"
)

// The vendored chart library (uPlot 1.6.32, MIT: see assets/uPlot.LICENSE)
// and the page's own script, style and template.
var (
	//go:embed assets/uPlot.iife.min.js
	uplotJS string
	//go:embed assets/uPlot.min.css
	uplotCSS string
	//go:embed assets/uPlot.LICENSE
	uplotLicense string
	//go:embed assets/report.js
	pageJS string
	//go:embed assets/report.css
	pageCSS string
	//go:embed assets/page.html.tmpl
	pageTemplate string
)

// UPlotVersion is the version of the vendored uPlot.
const UPlotVersion = "1.6.32"

// maxHosts is how many pods the bars list; the rest are counted.
const maxHosts = 60

var runLayout = newLayout("report", pageTemplate, asset{"report.js", pageJS})

// Data is what the page's script draws from, shipped as one JSON blob.
type Data struct {
	// Summary is the run's summary without the per-interval histograms.
	Summary results.Summary `json:"summary"`
	// IntervalSeconds is the width of one timeline interval.
	IntervalSeconds float64 `json:"interval_s"`
	// Percentiles is the whole-run latency distribution.
	Percentiles Percentiles `json:"percentiles"`
}

// Percentiles is a latency distribution at a list of percentiles, spaced
// evenly in 1/(1-p) on a log scale as HdrHistogram plots are: the last point
// is the maximum, placed at one in Count.
type Percentiles struct {
	Count      int64     `json:"count"`
	Percentile []float64 `json:"percentile"`   // 0 … 100
	OneIn      []float64 `json:"one_in"`       // 1/(1-p): the x of a log plot
	Corrected  []float64 `json:"corrected_ms"` // corrected latency at each percentile
	Service    []float64 `json:"service_ms"`   // service time at each percentile
}

// pointsPerDecade is how finely the percentile curve is sampled.
const pointsPerDecade = 10

// NewData prepares the page's data: it drops the per-interval and per-stage
// histograms and the lag's (the page shows their percentiles, which the
// summary carries) and decodes the whole-run histograms into percentile curves.
func NewData(s results.Summary) (Data, error) {
	d := Data{Summary: s, IntervalSeconds: 1}
	d.Summary.Timeline = make([]results.Interval, len(s.Timeline))
	for i, iv := range s.Timeline {
		d.Summary.Timeline[i] = iv.WithoutHistograms()
	}
	d.Summary.Stages = make([]results.StageSummary, len(s.Stages))
	for i, st := range s.Stages {
		st.Histogram = ""
		d.Summary.Stages[i] = st
	}
	d.Summary.LagHistogram = ""
	if len(s.Timeline) > 1 {
		if w := (s.Timeline[1].Start.D() - s.Timeline[0].Start.D()).Seconds(); w > 0 {
			d.IntervalSeconds = w
		}
	}
	corrected, err := decode(s.LatencyHistogram)
	if err != nil {
		return Data{}, fmt.Errorf("report: latency histogram: %w", err)
	}
	service, err := decode(s.ServiceHistogram)
	if err != nil {
		return Data{}, fmt.Errorf("report: service-time histogram: %w", err)
	}
	d.Percentiles = percentiles(corrected, service)
	return d, nil
}

func decode(s string) (*hdr.Histogram, error) {
	if s == "" {
		return nil, nil
	}
	return hdr.Decode([]byte(s))
}

// percentiles samples both histograms at the same percentiles.
func percentiles(corrected, service *hdr.Histogram) Percentiles {
	p := Percentiles{Percentile: []float64{}, OneIn: []float64{}, Corrected: []float64{}, Service: []float64{}}
	var n int64
	for _, h := range []*hdr.Histogram{corrected, service} {
		if h != nil {
			n = max(n, h.TotalCount())
		}
	}
	if n == 0 {
		return p
	}
	p.Count = n
	at := func(h *hdr.Histogram, q float64) float64 {
		if h == nil || h.TotalCount() == 0 {
			return 0
		}
		if q >= 100 {
			return usToMs(h.Max())
		}
		return usToMs(h.ValueAtQuantile(q))
	}
	add := func(oneIn, q float64) {
		p.OneIn = append(p.OneIn, oneIn)
		p.Percentile = append(p.Percentile, q)
		p.Corrected = append(p.Corrected, at(corrected, q))
		p.Service = append(p.Service, at(service, q))
	}
	for i := 0; ; i++ {
		oneIn := math.Pow(10, float64(i)/pointsPerDecade)
		if oneIn >= float64(n) {
			break
		}
		add(oneIn, 100*(1-1/oneIn))
	}
	add(math.Max(float64(n), 1), 100)
	return p
}

func usToMs(us int64) float64 { return float64(us) / 1000 }

// WriteHTML writes the report of a run as one self-contained HTML page.
func WriteHTML(w io.Writer, s results.Summary) error {
	d, err := NewData(s)
	if err != nil {
		return err
	}
	v := newView(s)
	if v.inlined, err = runLayout.inline(d); err != nil {
		return err
	}
	return renderPage(w, runLayout, v)
}

// view is the page's server-rendered part, formatted for people.
type view struct {
	Target, Date, Status, Mode, Elapsed string
	Interrupted                         bool
	Verdict                             verdictView
	KPIs                                []kpi
	Run                                 []row
	Latency                             []latencyRow
	Errors                              []countRow
	Stages                              []stageRow
	Thresholds                          []thresholdRow
	ThresholdsOK                        bool
	Hosts                               []hostRow
	HostsMore                           int
	Cluster                             clusterView

	inlined
}

type kpi struct{ Label, Value, Note, Class string }

// verdictView is the badge saying who kept up: good, or warn with its line.
type verdictView struct{ Short, Line, Class string }

type row struct{ Label, Value string }

type latencyRow struct {
	Name, Note                                    string
	Mean, Min, P50, P90, P95, P99, P999, Max, Cnt string
}

type countRow struct{ Key, Count, Share string }

type stageRow struct {
	Name, Start, Duration, Rate, Mode, Requests, OK, P50, P99 string
	Warmup                                                    bool
}

type thresholdRow struct {
	Threshold, Actual string
	OK                bool
}

type hostRow struct {
	Name, Count, Share string
	Width              string // bar width in percent of the busiest pod
}

type clusterView struct {
	Observed bool   // there are samples to chart
	Reason   string // why nothing was observed, when not
	Note     string // why not everything was observed
	Name     string // namespace/deployment
	HPA      string
	Peak     string
	Events   []eventRow
	Scaling  []row // how autoscaling kept up
}

type eventRow struct{ At, Kind, Message string }

func newView(s results.Summary) view {
	dur := func(m results.Millis) string { return results.FormatDuration(m.D()) }
	v := view{
		Target:      s.Target,
		Date:        s.Start.Format("2006-01-02 15:04:05 MST"),
		Mode:        s.Mode,
		Elapsed:     dur(s.Elapsed),
		Interrupted: s.Interrupted,
		Status:      "completed",
	}
	if s.Start.IsZero() {
		v.Date = "date unknown"
	}
	if s.Interrupted {
		v.Status = "interrupted"
	}
	verdict := s.Verdict
	if verdict.Line == "" { // a summary from a client that did not judge
		verdict = results.Judge(s)
	}
	v.Verdict = verdictView{Short: verdict.Short(), Line: verdict.Line, Class: "good"}
	if !verdict.KeptUp {
		v.Verdict.Class = "warn"
	}

	planned := "until the request limit"
	if s.Planned > 0 {
		planned = dur(s.Planned)
	}
	v.KPIs = []kpi{
		{Label: "Requests", Value: thousands(s.Requests), Note: thousands(s.Failed) + " failed"},
		{Label: "Success", Value: percent(s.SuccessRatio), Note: thousands(s.OK) + " ok", Class: goodBad(s.Failed == 0)},
		{Label: "Achieved rate", Value: rate(s.AchievedRate), Note: "target " + rate(s.TargetRate)},
		{Label: "Throughput", Value: rate(s.Throughput), Note: "ok responses"},
		{Label: "Latency p50", Value: dur(s.Latency.P50), Note: "service time " + dur(s.ServiceTime.P50)},
		{Label: "Latency p99", Value: dur(s.Latency.P99), Note: "service time " + dur(s.ServiceTime.P99)},
	}

	v.Run = []row{
		{"Target", s.Target},
		{"Mode", s.Mode},
	}
	if st := s.Settings; st != nil {
		for _, l := range st.Lines() {
			v.Run = append(v.Run, row{l[0], l[1]})
		}
	}
	v.Run = append(v.Run, []row{
		{"Start", v.Date},
		{"Planned", planned},
		{"Elapsed", v.Elapsed + map[bool]string{true: " (interrupted)", false: ""}[s.Interrupted]},
		{"Target rate", rate(s.TargetRate)},
		{"Achieved rate", rate(s.AchievedRate)},
		{"Throughput", rate(s.Throughput) + " successful"},
		{"Requests", fmt.Sprintf("%s sent · %s ok (%s) · %s failed", thousands(s.Requests), thousands(s.OK), percent(s.SuccessRatio), thousands(s.Failed))},
	}...)
	if s.Dropped > 0 {
		v.Run[len(v.Run)-1].Value = fmt.Sprintf("%s sent · %s dropped (due, never sent: the schedule ended) · %s ok (%s) · %s failed",
			thousands(s.Requests-s.Dropped), thousands(s.Dropped), thousands(s.OK), percent(s.SuccessRatio), thousands(s.Failed))
	}
	if m := s.Merged; m != nil {
		v.Run = append(v.Run, row{"Merged", fmt.Sprintf("%d load generators' runs, started within %s; counts and histograms merged, %s", m.Runs, dur(m.StartSpread), m.RatesHow())})
	}
	if s.Warmup > 0 {
		v.Run = append(v.Run, row{"Warm-up", thousands(s.Warmup) + " requests, not counted"})
	}
	v.Run = append(v.Run,
		row{"Verdict", verdict.Line},
		row{"Received", bytesize(s.Bytes)},
		row{"Dispatch lag", fmt.Sprintf("p50 %s · p99 %s · max %s", dur(s.Lag.P50), dur(s.Lag.P99), dur(s.Lag.Max))},
		row{"In flight", fmt.Sprintf("peak %d · waited at the cap %s times", s.PeakInFlight, thousands(s.Capped))},
	)
	if s.Clamped > 0 {
		v.Run = append(v.Run, row{"Clamped", thousands(s.Clamped) + " latencies above an hour, recorded as an hour"})
	}
	if s.Log != "" {
		v.Run = append(v.Run, row{"Log file", s.Log})
	}

	latency := func(name, note string, l results.LatencyStats) latencyRow {
		return latencyRow{Name: name, Note: note, Cnt: thousands(l.Count),
			Mean: dur(l.Mean), Min: dur(l.Min), P50: dur(l.P50), P90: dur(l.P90), P95: dur(l.P95),
			P99: dur(l.P99), P999: dur(l.P999), Max: dur(l.Max)}
	}
	v.Latency = []latencyRow{
		latency("Corrected", "from the intended send time: counts queueing", s.Latency),
		latency("Service time", "from the actual send", s.ServiceTime),
		latency("Dispatch lag", "actual minus intended send time", s.Lag),
	}

	for _, e := range s.Errors {
		v.Errors = append(v.Errors, countRow{Key: e.Key, Count: thousands(e.Count), Share: percent(ratio(e.Count, s.Requests))})
	}

	for _, st := range s.Stages {
		r := stageRow{Name: strconv.Itoa(results.StageNumber(s.Stages, st.Stage)), Start: dur(st.Start), Duration: dur(st.Duration),
			Rate: strconv.FormatFloat(st.From, 'g', 6, 64), Mode: st.Mode, Warmup: st.Warmup,
			Requests: thousands(st.Requests), OK: thousands(st.OK), P50: dur(st.Latency.P50), P99: dur(st.Latency.P99)}
		if st.To != st.From {
			r.Rate += " → " + strconv.FormatFloat(st.To, 'g', 6, 64)
		}
		r.Rate += "/s"
		if st.Duration == 0 {
			r.Duration = "open-ended"
		}
		if st.Warmup {
			r.Name = "warm-up"
			r.Requests, r.OK, r.P50, r.P99 = "–", "–", "–", "–"
		}
		v.Stages = append(v.Stages, r)
	}

	v.ThresholdsOK = true
	broken := 0
	for _, t := range s.Thresholds {
		v.Thresholds = append(v.Thresholds, thresholdRow{Threshold: t.Threshold, OK: t.OK, Actual: actual(t)})
		if !t.OK {
			v.ThresholdsOK = false
			broken++
		}
	}
	if len(s.Thresholds) > 0 {
		k := kpi{Label: "Thresholds", Value: fmt.Sprintf("%d/%d passed", len(s.Thresholds)-broken, len(s.Thresholds)), Class: goodBad(broken == 0)}
		if broken > 0 {
			k.Note = fmt.Sprintf("%d broken", broken)
		}
		v.KPIs = append(v.KPIs, k)
	}

	var busiest int64
	for _, h := range s.Hosts {
		busiest = max(busiest, h.Count)
	}
	for i, h := range s.Hosts {
		if i == maxHosts {
			v.HostsMore = len(s.Hosts) - maxHosts
			break
		}
		v.Hosts = append(v.Hosts, hostRow{Name: h.Key, Count: thousands(h.Count), Share: percent(ratio(h.Count, s.Requests)),
			Width: strconv.FormatFloat(100*ratio(h.Count, busiest), 'f', 1, 64)})
	}

	v.Cluster = newClusterView(s.Cluster)
	v.Cluster.Scaling = autoscalingRows(s.Autoscaling)
	if v.Cluster.Peak != "" {
		v.KPIs = append(v.KPIs, kpi{Label: "Replicas", Value: v.Cluster.Peak, Note: "ready pods: start → peak"})
	}
	return v
}

func newClusterView(c *results.ClusterTimeline) clusterView {
	if c == nil {
		return clusterView{Reason: "this run did not watch a Kubernetes deployment"}
	}
	v := clusterView{Name: c.Deployment, HPA: c.HPA, Observed: len(c.Samples) > 0}
	if c.Namespace != "" {
		v.Name = c.Namespace + "/" + c.Deployment
	}
	switch {
	case !v.Observed && c.Unavailable != "":
		v.Reason = c.Unavailable
	case !v.Observed:
		v.Reason = "no samples were taken during the run"
	default:
		v.Note = c.Unavailable
		first, peak := c.Samples[0].Ready, c.Samples[0].Ready
		for _, s := range c.Samples {
			peak = max(peak, s.Ready)
		}
		v.Peak = fmt.Sprintf("%d → %d", first, peak)
	}
	for _, e := range c.Events {
		v.Events = append(v.Events, eventRow{At: clock(e.At.D()), Kind: e.Kind, Message: e.Message})
	}
	return v
}

// clock prints an offset from the run's start as m:ss.s.
func clock(d time.Duration) string {
	d = d.Round(100 * time.Millisecond)
	m := int(d / time.Minute)
	sec := (d % time.Minute).Seconds()
	return fmt.Sprintf("%d:%04.1f", m, sec)
}

// actual formats a threshold's measured value in its unit.
func actual(t results.ThresholdResult) string {
	switch t.Unit {
	case "ms":
		return results.FormatDuration(time.Duration(t.Actual * float64(time.Millisecond)))
	case "%":
		return strconv.FormatFloat(t.Actual, 'f', 2, 64) + "%"
	case "/s":
		return rate(t.Actual)
	}
	return strconv.FormatFloat(t.Actual, 'f', 3, 64) + " " + t.Unit
}

func goodBad(good bool) string {
	if good {
		return "good"
	}
	return "bad"
}

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func percent(r float64) string {
	p := 100 * r
	switch {
	case p == 100 || p == 0:
		return strconv.FormatFloat(p, 'f', 0, 64) + "%"
	case p >= 99.99 || p < 0.01:
		return strconv.FormatFloat(p, 'f', 3, 64) + "%"
	default:
		return strconv.FormatFloat(p, 'f', 2, 64) + "%"
	}
}

func rate(r float64) string { return strconv.FormatFloat(r, 'f', 1, 64) + "/s" }

// thousands groups digits with thin spaces: 1 234 567.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString("\u202f")
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func bytesize(n int64) string {
	const unit = 1024
	if n < unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, i := float64(n), 0
	for f >= unit && i < 4 {
		f /= unit
		i++
	}
	return strconv.FormatFloat(f, 'f', 1, 64) + " " + []string{"B", "KiB", "MiB", "GiB", "TiB"}[i]
}
