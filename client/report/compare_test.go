package report

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/results"
)

// compareRuns are testSummary's run and the same run an hour later with
// its p50 and p99 three times as long: a regression.
func compareRuns(t *testing.T) (base, next results.Summary, c results.Comparison) {
	t.Helper()
	base = testSummary(t)
	next = testSummary(t)
	next.Start = next.Start.Add(time.Hour)
	// The same run, later and slower: scale every interval's percentiles
	// and the whole-run figures. Only the figures the page shows matter.
	next.Latency.P50 = next.Latency.P50 * 3
	next.Latency.P99 = next.Latency.P99 * 3
	for i := range next.Timeline {
		iv := &next.Timeline[i]
		iv.P50, iv.P99 = iv.P50*3, iv.P99*3
	}
	c, err := results.Compare(base, next, "base.json", "new.json", results.CompareOptions{Tolerance: 5, ErrorTolerance: 0.1, Resamples: 100})
	if err != nil {
		t.Fatal(err)
	}
	return base, next, c
}

func TestCompareHTML(t *testing.T) {
	base, next, c := compareRuns(t)
	var b bytes.Buffer
	if err := WriteCompareHTML(&b, base, next, c); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, w := range []string{"base.json → new.json", "regression: p50 &#43;200.0%", "<code>p99</code>", "<code>max</code>*", "Noise: a change is beyond noise"} {
		if !strings.Contains(page, w) {
			t.Errorf("the page lacks %q", w)
		}
	}
	if strings.Contains(page, "<script src") || strings.Contains(page, "<link") {
		t.Error("the page loads something")
	}
	// Hostile names are text.
	c.Base.Name = `<img src=x onerror=alert(1)>.json`
	b.Reset()
	if err := WriteCompareHTML(&b, base, next, c); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<img src=x") {
		t.Error("a file name was not escaped")
	}
}

func TestCompareInChromium(t *testing.T) {
	base, next, c := compareRuns(t)
	dir := artifactDir(t)
	path := filepath.Join(dir, "compare.html")
	var b bytes.Buffer
	if err := WriteCompareHTML(&b, base, next, c); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	checkPagesInChromium(t, pageCheck{
		path:   path,
		charts: []string{"chart-latency", "chart-throughput", "chart-percentiles"},
		texts: map[string][]string{
			"#chart-latency .u-legend": {"base p50", "new p99"},
			"#comparison":              {"REGRESSION", "same", "+200.0%"},
		},
	})
}
