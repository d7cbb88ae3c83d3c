package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/load"
	"github.com/cloudperf/cloudperf/client/results"
)

// slowServer answers every request after delay.
func slowServer(t *testing.T, delay time.Duration) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
		}
		_, _ = w.Write([]byte(`{"host":"slow"}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/"
}

// --duration bounds the run against a target that cannot keep up, in both
// modes: dispatching stops at the end of the schedule (and its grace), and
// every request that was due but never sent is logged and counted as
// dropped, an error.
func TestDurationBoundsTheRun(t *testing.T) {
	t.Parallel()
	const delay = 200 * time.Millisecond
	for _, tc := range []struct {
		name  string
		args  []string
		due   int
		slots int64 // requests in flight at once
	}{
		// 5 in flight × 200 ms is 25/s of 200/s: sending all would take 8 s.
		{"async at the cap", []string{"--rate", "200", "--mode", "async", "--max-in-flight", "5"}, 200, 5},
		// one at a time × 200 ms is 5/s of 50/s: sending all would take 10 s.
		{"sync", []string{"--rate", "50"}, 50, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out := filepath.Join(t.TempDir(), "run.csv")
			code, stdout, stderr := runMain(t, append([]string{"--url", slowServer(t, delay), "--duration", "1s",
				"--out", out, "--format", "json"}, tc.args...)...)
			if code != ExitOK {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			var s results.Summary
			if err := json.Unmarshal([]byte(stdout), &s); err != nil {
				t.Fatal(err)
			}
			// Until the end of the 1 s schedule and its grace, each slot
			// starts a request at most every 200 ms (one more each for a
			// dispatcher itself late to stop): sending went no further.
			if most := tc.slots * (int64((time.Second+load.EndGrace(time.Second))/delay) + 2); s.Requests-s.Dropped > most {
				t.Errorf("%d sent: the run went on after the schedule's end (at most %d fit before it)", s.Requests-s.Dropped, most)
			}
			if s.Requests != int64(tc.due) || s.Dropped < int64(tc.due)/2 || s.Failed != s.Dropped || s.OK != s.Requests-s.Dropped {
				t.Errorf("requests %d, ok %d, dropped %d, failed %d: want the %d due, most dropped", s.Requests, s.OK, s.Dropped, s.Failed, tc.due)
			}
			if len(s.Errors) != 1 || s.Errors[0] != (results.Count{Key: "dropped", Count: s.Dropped}) {
				t.Errorf("errors %v", s.Errors)
			}
			recs := readLog(t, out)
			dropped := 0
			for _, r := range recs {
				if r.Class == "dropped" {
					dropped++
					if r.Status != 0 || r.ServiceUS != 0 || r.Sent < r.Intended {
						t.Errorf("dropped request logged as %+v", r)
					}
				}
			}
			if len(recs) != tc.due || int64(dropped) != s.Dropped {
				t.Errorf("log: %d lines, %d dropped; summary %d due, %d dropped", len(recs), dropped, tc.due, s.Dropped)
			}
			// The summary says the target fell behind, and how.
			if v := s.Verdict; v.Behind != "target" || !strings.Contains(v.Line, "dropped") ||
				(tc.name == "async at the cap") != strings.Contains(v.Line, "waited at the in-flight cap") {
				t.Errorf("verdict %+v", v)
			}
			// Their wait until the run gave up on them is in the corrected
			// latency; they have no service time.
			if s.Latency.Count != s.Requests || s.ServiceTime.Count != s.Requests-s.Dropped || s.Lag.Count != s.ServiceTime.Count {
				t.Errorf("latency count %d, service count %d, lag count %d", s.Latency.Count, s.ServiceTime.Count, s.Lag.Count)
			}
		})
	}
}

// The text summary says how many were dropped.
func TestDroppedInTheTextSummary(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runMain(t, "--url", slowServer(t, 300*time.Millisecond), "--rate", "20", "--duration", "1s", "--out", "")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, " dropped (due, never sent: the schedule ended)") || !strings.Contains(stdout, "Errors     dropped ") ||
		!strings.Contains(stdout, "Verdict    target fell behind: ") {
		t.Errorf("summary:\n%s", stdout)
	}
}
