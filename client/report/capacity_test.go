package report

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/capacity"
	"github.com/cloudperf/cloudperf/client/results"
)

// capacityResult is a search of a fake target that takes 315/s: p99 grows
// towards the knee, then shoots up; some errors above it.
func capacityResult(t *testing.T) capacity.Result {
	t.Helper()
	p99, err := results.ParseThreshold("p99<=100ms")
	if err != nil {
		t.Fatal(err)
	}
	errs, err := results.ParseThreshold("error_rate<=1%")
	if err != nil {
		t.Fatal(err)
	}
	run := func(_ context.Context, _ int, _ string, rate float64) (results.Summary, bool, error) {
		s := results.Summary{Requests: int64(rate * 10), AchievedRate: rate, Throughput: rate}
		s.OK = s.Requests
		u := rate / 315
		ms := func(v float64) results.Millis { return results.Millis(v * float64(time.Millisecond)) }
		s.Latency.P50, s.Latency.P90, s.Latency.P99 = ms(5+10*u), ms(8+20*u), ms(12+60*u*u)
		if rate > 315 {
			s.Latency.P99 = ms(400 * u)
			s.Failed = s.Requests / 50
			s.OK -= s.Failed
		}
		s.ServiceTime = s.Latency
		s.Lag.P99 = ms(0.3)
		return s, false, nil
	}
	three := int32(3)
	r, err := capacity.Search(context.Background(), "http://hello.default.svc:5000/?cpu=1ms",
		capacity.Settings{StartRate: 50, MaxRate: 2000, Step: time.Second, Thresholds: []results.Threshold{p99, errs}},
		run, func() (int32, bool) { return three, true })
	if err != nil {
		t.Fatal(err)
	}
	r.Start = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	return r
}

func TestCapacityHTML(t *testing.T) {
	r := capacityResult(t)
	var b bytes.Buffer
	if err := WriteCapacityHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	for _, want := range []string{"capacity search", "312.0/s", "Per pod", "104.0/s", "3 ready replicas", "chart-knee",
		"bracket 4.2%", `"limits":[{"metric":"p99","ms":100}]`, `"error_limit":1`, "<th>replicas</th>", "narrow"} {
		if !strings.Contains(page, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	r.Target = `http://x/<script>alert(1)</script>`
	b.Reset()
	if err := WriteCapacityHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "<script>alert") {
		t.Error("the target was not escaped")
	}
}

func TestCapacityInChromium(t *testing.T) {
	r := capacityResult(t)
	path := filepath.Join(artifactDir(t), "capacity.html")
	var b bytes.Buffer
	if err := WriteCapacityHTML(&b, r); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	checkPagesInChromium(t, pageCheck{
		path:   path,
		charts: []string{"chart-knee"},
		texts: map[string][]string{
			"#chart-knee .u-legend": {"p99", "errors"},
			"#steps":                {"held", "broken", "narrow"},
		},
	})
}
