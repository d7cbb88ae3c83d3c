package results

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// CompareOptions say what counts as a regression.
type CompareOptions struct {
	// Tolerance is how much worse, in percent of the base, a latency or the
	// throughput may get before it is a regression (the client's default:
	// DefaultTolerance). 0: any change beyond noise.
	Tolerance float64
	// ErrorTolerance is how many percentage points the error rate may rise
	// before it is a regression (the client's default: DefaultErrorTolerance).
	ErrorTolerance float64
	// Resamples is the number of bootstrap resamples per run (default 500).
	Resamples int
}

// Comparison defaults.
const (
	DefaultTolerance      = 5.0
	DefaultErrorTolerance = 0.1
	DefaultResamples      = 500
	// maxBlocks is how many resampling units a run is cut into at most:
	// longer runs resample blocks of consecutive intervals.
	maxBlocks = 100
	// minBlocks is how many intervals a run needs for its noise to be
	// estimated at all.
	minBlocks = 5
	// noiseSigmas is how many combined standard errors a change must exceed
	// to be beyond noise (about a 95% two-sided interval).
	noiseSigmas = 2.0
)

// noiseMethod says how Compare decides what is beyond run-to-run noise.
const noiseMethod = "a change is beyond noise when it exceeds 2 combined standard errors (about 95%%), each run's " +
	"standard error from a block bootstrap over its per-second intervals: blocks of consecutive intervals (about " +
	"the cube root of their number long) are drawn with replacement, their HDR histograms and counts added up, and every " +
	"statistic recomputed, %d times with a fixed seed"

// Comparison is two runs side by side: what changed and whether it matters.
type Comparison struct {
	Base                 RunBrief     `json:"base"`
	New                  RunBrief     `json:"new"`
	TolerancePct         float64      `json:"tolerance_pct"`
	ErrorTolerancePoints float64      `json:"error_tolerance_points"`
	NoiseMethod          string       `json:"noise_method"`
	Rows                 []CompareRow `json:"rows"`
	// Regressions names the rows that regressed: worse beyond noise and
	// beyond the tolerance.
	Regressions []string `json:"regressions"`
	Notes       []string `json:"notes,omitempty"`
}

// RunBrief identifies one side of a comparison.
type RunBrief struct {
	Name       string    `json:"name"` // where it was read from
	Target     string    `json:"target"`
	Start      time.Time `json:"start"`
	Runs       int       `json:"runs"` // generators merged into it (1: a single run)
	Requests   int64     `json:"requests"`
	TargetRate float64   `json:"target_rate"`
	Elapsed    Millis    `json:"elapsed_ms"`
	// Intervals is how many per-second intervals the noise estimate used
	// (fewer than 5: none).
	Intervals int `json:"intervals"`
}

// CompareRow is one statistic of both runs.
type CompareRow struct {
	Metric string  `json:"metric"` // "p99", "throughput", "error_rate", ...
	Unit   string  `json:"unit"`   // "ms", "/s" or "%"
	Base   float64 `json:"base"`
	New    float64 `json:"new"`
	Change float64 `json:"change"` // New − Base, in Unit
	// ChangePct is the change in percent of Base; absent when Base is 0.
	ChangePct *float64 `json:"change_pct,omitempty"`
	// Noise is the half-width, in Unit, of the band a change must leave to
	// be beyond noise; absent when the runs are too short to tell.
	Noise       *float64 `json:"noise,omitempty"`
	BeyondNoise bool     `json:"beyond_noise"`
	Worse       bool     `json:"worse"` // in the direction that hurts (slower, fewer, more errors)
	// Gated rows can fail the comparison; the others are shown for context.
	Gated      bool   `json:"gated"`
	Regression bool   `json:"regression"`
	Verdict    string `json:"verdict"`
}

// compareMetric reads one statistic from a summary and from a resample.
type compareMetric struct {
	name, unit string
	gated      bool
	higherBad  bool
	point      func(Summary) float64
	boot       func(*resample) float64
}

var compareMetrics = func() []compareMetric {
	lat := func(name string, q float64, get func(LatencyStats) Millis, gated bool) compareMetric {
		return compareMetric{name: name, unit: "ms", gated: gated, higherBad: true,
			point: func(s Summary) float64 { return ms(get(s.Latency)) },
			boot:  func(r *resample) float64 { return r.quantile(q) }}
	}
	return []compareMetric{
		{name: "mean", unit: "ms", higherBad: true,
			point: func(s Summary) float64 { return ms(s.Latency.Mean) },
			boot:  func(r *resample) float64 { return r.mean() }},
		lat("p50", 50, func(l LatencyStats) Millis { return l.P50 }, true),
		lat("p90", 90, func(l LatencyStats) Millis { return l.P90 }, true),
		lat("p95", 95, func(l LatencyStats) Millis { return l.P95 }, false),
		lat("p99", 99, func(l LatencyStats) Millis { return l.P99 }, true),
		lat("p99.9", 99.9, func(l LatencyStats) Millis { return l.P999 }, false),
		lat("max", 100, func(l LatencyStats) Millis { return l.Max }, false),
		{name: "throughput", unit: "/s", gated: true,
			point: func(s Summary) float64 { return s.Throughput },
			boot:  func(r *resample) float64 { return r.throughput() }},
		{name: "error_rate", unit: "%", gated: true, higherBad: true,
			point: func(s Summary) float64 { return 100 * ratio(s.Failed, s.Requests) },
			boot:  func(r *resample) float64 { return r.errorRate() }},
	}
}()

// Compare sets new beside base. Every figure is the runs' own (read from
// their summaries, so from the whole-run histograms); the noise comes from
// each run's spread over its per-second intervals (see NoiseMethod). A gated
// row regresses when it is worse beyond noise and beyond the tolerance:
// latencies and throughput by more than Tolerance percent of the base, the
// error rate by more than ErrorTolerance points. Mean, p95, p99.9 and max are
// shown but not gated (they move with a handful of requests).
func Compare(base, next Summary, baseName, newName string, o CompareOptions) (Comparison, error) {
	if o.Resamples <= 0 {
		o.Resamples = DefaultResamples
	}
	if o.Tolerance < 0 || o.ErrorTolerance < 0 || math.IsNaN(o.Tolerance) || math.IsNaN(o.ErrorTolerance) {
		return Comparison{}, fmt.Errorf("tolerances must not be negative")
	}
	c := Comparison{
		TolerancePct: o.Tolerance, ErrorTolerancePoints: o.ErrorTolerance, NoiseMethod: fmt.Sprintf(noiseMethod, o.Resamples),
		Rows: []CompareRow{}, Regressions: []string{},
	}
	spreads := make([][]float64, 2) // per run, per metric: bootstrap standard deviation (NaN: unknown)
	for i, side := range []struct {
		s    Summary
		name string
		dst  *RunBrief
	}{{base, baseName, &c.Base}, {next, newName, &c.New}} {
		if side.s.Requests == 0 {
			return Comparison{}, fmt.Errorf("%s: the run has no measured requests", side.name)
		}
		b, err := newBootstrap(side.s)
		if err != nil {
			return Comparison{}, fmt.Errorf("%s: %v", side.name, err)
		}
		*side.dst = RunBrief{Name: side.name, Target: side.s.Target, Start: side.s.Start, Runs: 1,
			Requests: side.s.Requests, TargetRate: side.s.TargetRate, Elapsed: side.s.Elapsed, Intervals: b.intervals}
		if m := side.s.Merged; m != nil {
			side.dst.Runs = m.Runs
		}
		spreads[i] = b.spreads(o.Resamples, uint64(i+1))
		if len(b.blocks) < minBlocks {
			c.Notes = append(c.Notes, fmt.Sprintf("%s has %d per-second intervals: too few to estimate its noise, so the tolerance alone decides", side.name, b.intervals))
		}
	}
	if base.Target != next.Target {
		c.Notes = append(c.Notes, fmt.Sprintf("the runs loaded different targets (%s; %s)", base.Target, next.Target))
	}
	if tb, tn := base.TargetRate, next.TargetRate; tb > 0 && math.Abs(tn-tb) > 0.01*tb {
		c.Notes = append(c.Notes, fmt.Sprintf("the runs offered different rates (%.1f/s; %.1f/s): throughput follows the rate offered", tb, tn))
	}

	for k, m := range compareMetrics {
		r := CompareRow{Metric: m.name, Unit: m.unit, Base: m.point(base), New: m.point(next), Gated: m.gated}
		r.Change = r.New - r.Base
		if r.Base != 0 {
			r.ChangePct = ptrTo(100 * r.Change / r.Base)
		}
		sb, sn := spreads[0][k], spreads[1][k]
		if !math.IsNaN(sb) && !math.IsNaN(sn) {
			r.Noise = ptrTo(noiseSigmas * math.Hypot(sb, sn))
		}
		r.BeyondNoise = r.Change != 0 && (r.Noise == nil || math.Abs(r.Change) > *r.Noise)
		r.Worse = r.Change > 0 == m.higherBad && r.Change != 0
		var beyondTolerance bool
		switch {
		case m.unit == "%":
			beyondTolerance = math.Abs(r.Change) > o.ErrorTolerance
		case r.Base == 0:
			beyondTolerance = r.Change != 0
		default:
			beyondTolerance = math.Abs(r.Change) > o.Tolerance/100*math.Abs(r.Base)
		}
		r.Regression = r.Gated && r.Worse && r.BeyondNoise && beyondTolerance
		switch {
		case r.Change == 0:
			r.Verdict = "same"
		case !r.BeyondNoise:
			r.Verdict = "within noise"
		case !r.Worse:
			r.Verdict = "better"
		case !beyondTolerance:
			r.Verdict = "worse, within tolerance"
		case !r.Gated:
			r.Verdict = "worse (not gated)"
		default:
			r.Verdict = "REGRESSION"
		}
		if r.Regression {
			c.Regressions = append(c.Regressions, r.Metric)
		}
		c.Rows = append(c.Rows, r)
	}
	return c, nil
}

func ptrTo[T any](v T) *T { return &v }

// bootstrap holds one run's per-second intervals as resampling units.
type bootstrap struct {
	values    []float64 // ms: the highest equivalent value of each histogram bucket seen, ascending
	mids      []float64 // ms: the bucket's middle, for the mean
	blocks    []block
	width     time.Duration
	intervals int
}

// block is one resampling unit: one interval, or several consecutive ones.
type block struct {
	bins                  []bin
	intervals             int
	ok, errors, completed int64
	throughputSeconds     float64 // the span the ok counts were measured over
	throughputOK          int64
}

type bin struct {
	idx   int32
	count int64
}

// newBootstrap cuts a run's active intervals into resampling units.
func newBootstrap(s Summary) (*bootstrap, error) {
	b := &bootstrap{width: time.Second}
	tl := s.Timeline
	if len(tl) > 1 {
		if w := tl[1].Start.D() - tl[0].Start.D(); w > 0 {
			b.width = w
		}
	}
	first, last := -1, -1
	for i, iv := range tl {
		if iv.Sent > 0 || iv.Completed > 0 {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return b, nil
	}
	active := tl[first : last+1]
	b.intervals = len(active)

	type raw struct {
		to, from, count int64
	}
	perInterval := make([][]raw, len(active))
	index := map[int64]int64{} // highest equivalent value → lowest
	for i, iv := range active {
		enc, _, err := iv.Histograms()
		if err != nil {
			return nil, fmt.Errorf("timeline interval %d: %v", first+i, err)
		}
		if enc == "" {
			continue
		}
		h, err := hdr.Decode([]byte(enc))
		if err != nil {
			return nil, fmt.Errorf("timeline interval %d: histogram cannot be decoded: %v", first+i, err)
		}
		for _, bar := range h.Distribution() {
			if bar.Count > 0 {
				perInterval[i] = append(perInterval[i], raw{bar.To, bar.From, bar.Count})
				index[bar.To] = bar.From
			}
		}
	}
	tos := make([]int64, 0, len(index))
	for to := range index {
		tos = append(tos, to)
	}
	slices.Sort(tos)
	pos := make(map[int64]int32, len(tos))
	for i, to := range tos {
		pos[to] = int32(i)
		b.values = append(b.values, float64(to)/1000)
		b.mids = append(b.mids, float64(to+index[to])/2000)
	}

	// Blocks of about the cube root of the run's seconds (a block
	// bootstrap's usual length): consecutive seconds are alike (the
	// machine's load drifts), and resampling whole blocks keeps that in the
	// spread; never more than maxBlocks blocks.
	size := max(int(math.Round(math.Cbrt(float64(len(active))))), (len(active)+maxBlocks-1)/maxBlocks, 1)
	for start := 0; start < len(active); start += size {
		end := min(start+size, len(active))
		var blk block
		counts := map[int32]int64{}
		for i := start; i < end; i++ {
			iv := active[i]
			blk.intervals++
			blk.ok += iv.OK
			blk.errors += iv.Errors
			blk.completed += iv.Completed
			// The last interval is cut short by the end of the run: its ok
			// count is for the seconds it covered.
			covered := b.width.Seconds()
			if i == len(active)-1 && first+i == len(tl)-1 {
				if rest := (s.Elapsed.D() - iv.Start.D()).Seconds(); rest > 0 && rest < covered {
					covered = rest
				}
			}
			blk.throughputSeconds += covered
			blk.throughputOK += iv.OK
			for _, r := range perInterval[i] {
				counts[pos[r.to]] += r.count
			}
		}
		for idx, n := range counts {
			blk.bins = append(blk.bins, bin{idx, n})
		}
		b.blocks = append(b.blocks, blk)
	}
	return b, nil
}

// resample is one bootstrap draw: the added-up blocks.
type resample struct {
	b                     *bootstrap
	counts                []int64
	total                 int64
	ok, errors, completed int64
	seconds               float64
	okForRate             int64
}

func (r *resample) reset() {
	clear(r.counts)
	r.total, r.ok, r.errors, r.completed, r.seconds, r.okForRate = 0, 0, 0, 0, 0, 0
}

func (r *resample) add(blk *block) {
	for _, bn := range blk.bins {
		r.counts[bn.idx] += bn.count
		r.total += bn.count
	}
	r.ok += blk.ok
	r.errors += blk.errors
	r.completed += blk.completed
	r.seconds += blk.throughputSeconds
	r.okForRate += blk.throughputOK
}

// quantile reads the q-th percentile as an HDR histogram of the same
// buckets would (100: the maximum).
func (r *resample) quantile(q float64) float64 {
	if r.total == 0 {
		return math.NaN()
	}
	rank := int64(math.Ceil(q / 100 * float64(r.total)))
	rank = min(max(rank, 1), r.total)
	var seen int64
	for i, n := range r.counts {
		seen += n
		if seen >= rank {
			return r.b.values[i]
		}
	}
	return r.b.values[len(r.b.values)-1]
}

func (r *resample) mean() float64 {
	if r.total == 0 {
		return math.NaN()
	}
	var sum float64
	for i, n := range r.counts {
		sum += float64(n) * r.b.mids[i]
	}
	return sum / float64(r.total)
}

func (r *resample) throughput() float64 {
	if r.seconds <= 0 {
		return math.NaN()
	}
	return float64(r.okForRate) / r.seconds
}

func (r *resample) errorRate() float64 {
	if r.completed == 0 {
		return math.NaN()
	}
	return 100 * float64(r.errors) / float64(r.completed)
}

// spreads is the bootstrap standard deviation of each compare metric (NaN
// when the run has too few intervals).
func (b *bootstrap) spreads(resamples int, seed uint64) []float64 {
	out := make([]float64, len(compareMetrics))
	if len(b.blocks) < minBlocks {
		for i := range out {
			out[i] = math.NaN()
		}
		return out
	}
	rng := rand.New(rand.NewPCG(seed, 0x636c6f7564706572))
	draws := make([][]float64, len(compareMetrics))
	r := &resample{b: b, counts: make([]int64, len(b.values))}
	for range resamples {
		r.reset()
		for range b.blocks {
			r.add(&b.blocks[rng.IntN(len(b.blocks))])
		}
		for k, m := range compareMetrics {
			if v := m.boot(r); !math.IsNaN(v) {
				draws[k] = append(draws[k], v)
			}
		}
	}
	for k, d := range draws {
		if len(d) < 2 {
			out[k] = 0 // never measured: nothing varies
			continue
		}
		var mean, ss float64
		for _, v := range d {
			mean += v
		}
		mean /= float64(len(d))
		for _, v := range d {
			ss += (v - mean) * (v - mean)
		}
		out[k] = math.Sqrt(ss / float64(len(d)-1))
	}
	return out
}

// WriteCompareText renders a comparison for people: one row per statistic,
// the change in percent (points for the error rate) and the noise band.
func WriteCompareText(w io.Writer, c Comparison) error {
	var b strings.Builder
	b.WriteString("cloudperf compare\n")
	for _, side := range []struct {
		label string
		r     RunBrief
	}{{"Base", c.Base}, {"New", c.New}} {
		r := side.r
		runs := ""
		if r.Runs > 1 {
			runs = fmt.Sprintf(" (%d generators merged)", r.Runs)
		}
		when := "date unknown"
		if !r.Start.IsZero() {
			when = r.Start.Format("2006-01-02 15:04:05 MST")
		}
		fmt.Fprintf(&b, "%-10s %s: %s, %s, %d requests at %.1f/s over %s%s\n", side.label, r.Name, r.Target, when,
			r.Requests, r.TargetRate, FormatDuration(r.Elapsed.D()), runs)
	}
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\tbase\tnew\tchange\tnoise ±\t  verdict")
	for _, r := range c.Rows {
		name := r.Metric
		if !r.Gated {
			name += "*"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t  %s\n", name, compareValue(r.Unit, r.Base), compareValue(r.Unit, r.New),
			compareChange(r), compareNoise(r), r.Verdict)
	}
	_ = tw.Flush()
	fmt.Fprintf(&b, "           * shown, not gated. Gated rows regress when worse beyond noise and beyond the tolerance: %s%% (latency, throughput), %s points (error rate)\n",
		strconv.FormatFloat(c.TolerancePct, 'g', -1, 64), strconv.FormatFloat(c.ErrorTolerancePoints, 'g', -1, 64))
	fmt.Fprintf(&b, "Noise      %s\n", c.NoiseMethod)
	for _, n := range c.Notes {
		fmt.Fprintf(&b, "Note       %s\n", n)
	}
	if len(c.Regressions) == 0 {
		b.WriteString("Verdict    no regression\n")
	} else {
		var parts []string
		for _, r := range c.Rows {
			if r.Regression {
				parts = append(parts, r.Metric+" "+compareChange(r))
			}
		}
		fmt.Fprintf(&b, "Verdict    REGRESSION: %s\n", strings.Join(parts, ", "))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func compareValue(unit string, v float64) string {
	switch unit {
	case "ms":
		return FormatDuration(time.Duration(v * float64(time.Millisecond)))
	case "%":
		return strconv.FormatFloat(v, 'f', 2, 64) + "%"
	}
	return strconv.FormatFloat(v, 'f', 1, 64) + unit
}

func compareChange(r CompareRow) string {
	switch {
	case r.Unit == "%":
		return fmt.Sprintf("%+.2f pt", r.Change)
	case r.ChangePct != nil:
		return fmt.Sprintf("%+.1f%%", *r.ChangePct)
	case r.Change == 0:
		return "0"
	}
	return "+" + compareValue(r.Unit, r.Change)
}

func compareNoise(r CompareRow) string {
	switch {
	case r.Noise == nil:
		return "?"
	case r.Unit == "%":
		return fmt.Sprintf("%.2f pt", *r.Noise)
	case r.Base != 0:
		return fmt.Sprintf("%.1f%%", 100**r.Noise/math.Abs(r.Base))
	}
	return compareValue(r.Unit, *r.Noise)
}
