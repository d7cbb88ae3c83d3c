package results

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Threshold is a pass/fail condition on a summary, such as "p99<=250ms",
// "error_rate<1%" or "rate>=290".
type Threshold struct {
	Metric string
	Op     string
	Limit  float64 // ms for latencies, percent for rates of errors, per second for rates
	text   string
}

// ThresholdResult is one threshold checked against a run.
type ThresholdResult struct {
	Threshold string  `json:"threshold"`
	Actual    float64 `json:"actual"`
	Unit      string  `json:"unit"`
	OK        bool    `json:"ok"`
}

// thresholdMetrics maps each metric name to its unit and how to read it.
var thresholdMetrics = func() map[string]struct {
	unit string
	get  func(Summary) float64
} {
	type metric = struct {
		unit string
		get  func(Summary) float64
	}
	m := map[string]metric{
		"error_rate":   {"%", func(s Summary) float64 { return 100 * ratio(s.Failed, s.Requests) }},
		"success_rate": {"%", func(s Summary) float64 { return 100 * ratio(s.OK, s.Requests) }},
		"rate":         {"/s", func(s Summary) float64 { return s.AchievedRate }},
		"throughput":   {"/s", func(s Summary) float64 { return s.Throughput }},
	}
	stats := map[string]func(LatencyStats) Millis{
		"mean": func(l LatencyStats) Millis { return l.Mean }, "min": func(l LatencyStats) Millis { return l.Min },
		"p50": func(l LatencyStats) Millis { return l.P50 }, "p90": func(l LatencyStats) Millis { return l.P90 },
		"p95": func(l LatencyStats) Millis { return l.P95 }, "p99": func(l LatencyStats) Millis { return l.P99 },
		"p99.9": func(l LatencyStats) Millis { return l.P999 }, "max": func(l LatencyStats) Millis { return l.Max },
	}
	for name, get := range stats {
		m[name] = metric{"ms", func(s Summary) float64 { return ms(get(s.Latency)) }}
		m["service_"+name] = metric{"ms", func(s Summary) float64 { return ms(get(s.ServiceTime)) }}
		m["lag_"+name] = metric{"ms", func(s Summary) float64 { return ms(get(s.Lag)) }}
	}
	return m
}()

func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func ms(m Millis) float64 { return float64(m) / 1e6 }

// ParseThreshold reads METRIC OP VALUE, where METRIC is a latency (mean, min,
// p50, p90, p95, p99, p99.9, max; corrected, or with a service_ or lag_
// prefix) compared with a duration, error_rate or success_rate with a percent,
// or rate or throughput with requests per second; OP is <, <=, > or >=.
func ParseThreshold(expr string) (Threshold, error) {
	e := strings.ReplaceAll(expr, " ", "")
	i := strings.IndexAny(e, "<>")
	if i <= 0 {
		return Threshold{}, fmt.Errorf("threshold %q: want METRIC<VALUE, e.g. p99<250ms or error_rate<1%%", expr)
	}
	t := Threshold{Metric: e[:i], Op: e[i : i+1], text: expr}
	rest := e[i+1:]
	if strings.HasPrefix(rest, "=") {
		t.Op += "="
		rest = rest[1:]
	}
	metric, known := thresholdMetrics[t.Metric]
	if !known {
		return Threshold{}, fmt.Errorf("threshold %q: unknown metric %q (try p99, error_rate, rate)", expr, t.Metric)
	}
	var err error
	switch metric.unit {
	case "ms":
		var d time.Duration
		d, err = time.ParseDuration(rest)
		t.Limit = float64(d) / 1e6
	case "%":
		t.Limit, err = strconv.ParseFloat(strings.TrimSuffix(rest, "%"), 64)
		if err == nil && (t.Limit < 0 || t.Limit > 100) {
			err = fmt.Errorf("percent outside 0..100")
		}
	default:
		t.Limit, err = strconv.ParseFloat(strings.TrimSuffix(rest, "/s"), 64)
	}
	if err == nil && (math.IsNaN(t.Limit) || math.IsInf(t.Limit, 0) || t.Limit < 0) {
		err = fmt.Errorf("limit must be a finite value ≥ 0")
	}
	if err != nil {
		return Threshold{}, fmt.Errorf("threshold %q: bad value %q: %v", expr, rest, err)
	}
	return t, nil
}

func (t Threshold) String() string {
	if t.text != "" {
		return t.text
	}
	return t.Metric + t.Op + strconv.FormatFloat(t.Limit, 'g', -1, 64) + thresholdMetrics[t.Metric].unit
}

// Check evaluates the threshold on a summary.
func (t Threshold) Check(s Summary) ThresholdResult {
	m := thresholdMetrics[t.Metric]
	v := m.get(s)
	var ok bool
	switch t.Op {
	case "<":
		ok = v < t.Limit
	case "<=":
		ok = v <= t.Limit
	case ">":
		ok = v > t.Limit
	default:
		ok = v >= t.Limit
	}
	return ThresholdResult{Threshold: t.String(), Actual: v, Unit: m.unit, OK: ok}
}
