package report

import (
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/cloudperf/cloudperf/client/results"
)

var (
	//go:embed assets/compare.html.tmpl
	compareTemplate string
	//go:embed assets/compare.js
	compareJS string
)

var compareLayout = newLayout("compare", compareTemplate, asset{"compare.js", compareJS})

// CompareData is what the comparison page's script draws: each run's time
// series and percentile curve, overlaid.
type CompareData struct {
	Base CompareRun `json:"base"`
	New  CompareRun `json:"new"`
}

// CompareRun is one run's series, on its own clock (seconds from its start).
type CompareRun struct {
	Name            string      `json:"name"`
	IntervalSeconds float64     `json:"interval_s"`
	Start           []float64   `json:"start_s"` // each interval's start
	P50             []float64   `json:"p50_ms"`  // 0: nothing completed
	P99             []float64   `json:"p99_ms"`
	OK              []float64   `json:"ok_per_s"`
	Errors          []float64   `json:"errors_per_s"`
	Percentiles     Percentiles `json:"percentiles"`
}

func newCompareRun(name string, s results.Summary) (CompareRun, error) {
	d, err := NewData(s)
	if err != nil {
		return CompareRun{}, err
	}
	r := CompareRun{Name: name, IntervalSeconds: d.IntervalSeconds, Percentiles: d.Percentiles,
		Start: []float64{}, P50: []float64{}, P99: []float64{}, OK: []float64{}, Errors: []float64{}}
	for _, iv := range s.Timeline {
		r.Start = append(r.Start, iv.Start.D().Seconds())
		r.P50 = append(r.P50, ms(iv.P50))
		r.P99 = append(r.P99, ms(iv.P99))
		r.OK = append(r.OK, float64(iv.OK)/d.IntervalSeconds)
		r.Errors = append(r.Errors, float64(iv.Errors)/d.IntervalSeconds)
	}
	return r, nil
}

func ms(m results.Millis) float64 { return float64(m) / 1e6 }

type compareView struct {
	Base, New   results.RunBrief
	Runs        []compareRunRow
	Regression  bool
	Regressions string
	Rows        []compareRowView
	Tolerance   string
	NoiseMethod string
	Notes       []string
	inlined
}

type compareRunRow struct {
	Label, Name, Target, Date, Requests, Rate, Elapsed, Intervals string
}

type compareRowView struct {
	Metric, Base, New, Change, Noise, Verdict string
	Gated, Regression, Better                 bool
}

// WriteCompareHTML writes a self-contained page comparing two runs: the
// comparison's table, and both runs' latency, throughput and percentile
// curves overlaid.
func WriteCompareHTML(w io.Writer, base, next results.Summary, c results.Comparison) error {
	var d CompareData
	var err error
	if d.Base, err = newCompareRun(c.Base.Name, base); err != nil {
		return fmt.Errorf("%s: %w", c.Base.Name, err)
	}
	if d.New, err = newCompareRun(c.New.Name, next); err != nil {
		return fmt.Errorf("%s: %w", c.New.Name, err)
	}
	page, err := compareLayout.inline(d)
	if err != nil {
		return err
	}
	date := func(r results.RunBrief) string {
		if r.Start.IsZero() {
			return "date unknown"
		}
		return r.Start.Format("2006-01-02 15:04:05 MST")
	}
	v := compareView{
		Base: c.Base, New: c.New,
		Regression:  len(c.Regressions) > 0,
		Tolerance:   fmt.Sprintf("%s%% for latencies and throughput, %s points for the error rate", strconv.FormatFloat(c.TolerancePct, 'g', -1, 64), strconv.FormatFloat(c.ErrorTolerancePoints, 'g', -1, 64)),
		NoiseMethod: c.NoiseMethod, Notes: c.Notes, inlined: page,
	}
	for _, r := range []struct {
		label string
		b     results.RunBrief
	}{{"base", c.Base}, {"new", c.New}} {
		row := compareRunRow{Label: r.label, Name: r.b.Name, Target: r.b.Target, Date: date(r.b),
			Requests: thousands(r.b.Requests), Rate: rate(r.b.TargetRate), Elapsed: results.FormatDuration(r.b.Elapsed.D()),
			Intervals: strconv.Itoa(r.b.Intervals)}
		if r.b.Runs > 1 {
			row.Name += fmt.Sprintf(" (%d generators merged)", r.b.Runs)
		}
		v.Runs = append(v.Runs, row)
	}
	for _, r := range c.Rows {
		rv := compareRowView{Metric: r.Metric, Base: cell(r.Unit, r.Base), New: cell(r.Unit, r.New),
			Verdict: r.Verdict, Gated: r.Gated, Regression: r.Regression, Better: r.BeyondNoise && !r.Worse && r.Change != 0}
		switch {
		case r.Unit == "%":
			rv.Change = fmt.Sprintf("%+.2f pt", r.Change)
		case r.ChangePct != nil:
			rv.Change = fmt.Sprintf("%+.1f%%", *r.ChangePct)
		default:
			rv.Change = cell(r.Unit, r.Change)
		}
		switch {
		case r.Noise == nil:
			rv.Noise = "unknown"
		case r.Unit == "%":
			rv.Noise = fmt.Sprintf("±%.2f pt", *r.Noise)
		case r.Base != 0:
			rv.Noise = fmt.Sprintf("±%.1f%%", 100**r.Noise/r.Base)
		default:
			rv.Noise = "±" + cell(r.Unit, *r.Noise)
		}
		v.Rows = append(v.Rows, rv)
		if r.Regression {
			if v.Regressions != "" {
				v.Regressions += ", "
			}
			v.Regressions += r.Metric + " " + rv.Change
		}
	}
	return renderPage(w, compareLayout, v)
}

func durationMs(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

func cell(unit string, v float64) string {
	switch unit {
	case "ms":
		return results.FormatDuration(durationMs(v))
	case "%":
		return strconv.FormatFloat(v, 'f', 2, 64) + "%"
	case "/s":
		return rate(v)
	}
	return strconv.FormatFloat(v, 'g', 4, 64) + " " + unit
}
