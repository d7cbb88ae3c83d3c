package cli

import (
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/app/hello"
	"github.com/cloudperf/cloudperf/client/capacity"
)

// limitedApp serves the app's handler at most slots requests at a time; the
// others queue, as behind a worker pool. With ?delay=D every request holds a
// slot for D, so the app takes slots/D requests a second, whatever the
// machine's load (the delay is a wait, not CPU).
func limitedApp(t *testing.T, slots int) *httptest.Server {
	t.Helper()
	app := hello.New(hello.Config{Hostname: "capacity"}).Handler()
	sem := make(chan struct{}, slots)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case sem <- struct{}{}:
		case <-r.Context().Done():
			return
		}
		defer func() { <-sem }()
		app.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestCapacityFindsTheComputedCapacity searches the app behind 32 slots at
// ?delay=100ms: 320 requests a second. Below that every request takes
// 100 ms; above it the app's queue grows and within a step (3 s with its
// warm-up) p99 passes 300 ms from 6.7% above. The capacity found must be
// within 10% of 320/s.
//
// The threshold is on service time (from the actual send), which holds the
// app's queue: on a busy 2-core machine the generator's own stalls (its
// dispatch lag, in corrected latency) would otherwise end the search as
// "the generator fell behind", rightly, but with no figure to check.
func TestCapacityFindsTheComputedCapacity(t *testing.T) {
	if testing.Short() {
		t.Skip("a search of about 40s")
	}
	const slots, delay = 32, 100 * time.Millisecond
	want := slots / delay.Seconds()
	srv := limitedApp(t, slots)
	dir := t.TempDir()
	html := filepath.Join(dir, "capacity.html")
	begin := time.Now()
	code, stdout, stderr := runMain(t, "capacity", "--url", srv.URL+"/?delay=100ms", "--threshold", "service_p99<=300ms", "--max-error-rate", "1",
		"--start-rate", "100", "--max-rate", "1000", "--step", "2s", "--warmup", "1s", "--pause", "500ms", "--repeats", "2",
		"--format", "json", "--report", html, "--quiet")
	took := time.Since(begin)
	var r capacity.Result
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		t.Fatalf("exit %d, stdout is not a result: %v\n%s\nstderr: %s", code, err, stdout, stderr)
	}
	var text strings.Builder
	_ = capacity.WriteText(&text, r)
	if code != ExitOK || r.Outcome != capacity.Found {
		t.Fatalf("exit %d, outcome %s: %s\n%s", code, r.Outcome, stderr, text.String())
	}
	if off := (r.Capacity - want) / want; math.Abs(off) > 0.10 {
		t.Errorf("capacity %.0f/s, computed %.0f/s: %+.1f%%\n%s", r.Capacity, want, 100*off, text.String())
	}
	if r.BrokenAt <= r.Capacity || r.BracketPct > 5.01 {
		t.Errorf("bracket %v–%v (%.1f%%)", r.Capacity, r.BrokenAt, r.BracketPct)
	}
	for _, s := range r.Steps {
		if s.Rate > 1000 {
			t.Errorf("step %d at %v/s, above --max-rate", s.N, s.Rate)
		}
	}
	t.Logf("capacity %.0f/s of a computed %.0f/s in %v:\n%s", r.Capacity, want, took.Round(time.Second), text.String())
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "chart-knee") {
		t.Error("the report has no knee chart")
	}
}

func TestCapacityUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"capacity", "--local"}, "no threshold to hold"},
		{[]string{"capacity", "--max-p99", "1s"}, "no target"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--rate", "100"}, "--rate is not used"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--duration", "1m"}, "--duration is not used"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--out", "x.csv"}, "--out is not used"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--mode", "sync"}, "--mode sync"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--start-rate", "100", "--max-rate", "50"}, "--max-rate"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--precision", "90"}, "--precision"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--step", "10ms"}, "--step"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--repeats", "-1"}, "--repeats"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--growth", "fast"}, "--growth"},
	} {
		code, stdout, stderr := runMain(t, tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
	code, stdout, _ := runMain(t, "capacity", "--help")
	if code != ExitOK || !strings.Contains(stdout, "--max-rate R") || strings.Contains(stdout, "  --duration ") || !strings.Contains(stdout, "(default 2s)") {
		t.Errorf("help: exit %d\n%s", code, stdout)
	}
}

// TestCapacityStopsAtTheGenerator: nothing listens, so the first step has no
// success: exit 3 with the usual hint, after one step.
func TestCapacityTargetDown(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	begin := time.Now()
	code, stdout, stderr := runMain(t, "capacity", "--url", url, "--max-p99", "100ms", "--step", "1s", "--warmup", "0s", "--quiet")
	if code != ExitUnreachable || !strings.Contains(stderr, "Nothing listens there") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "unknown: no request succeeded at 50.0/s") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if d := time.Since(begin); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}
