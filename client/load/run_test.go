package load_test

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/app/hello"
	"github.com/cloudperf/cloudperf/client/load"
	"github.com/cloudperf/cloudperf/client/plan"
	"github.com/cloudperf/cloudperf/client/results"
)

// serveApp runs the real service on a loopback port for the test's life.
func serveApp(t *testing.T, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h := hello.New(hello.Config{Hostname: "app-test"}).Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return "http://" + ln.Addr().String() + "/"
}

type runOut struct {
	schedule *plan.Schedule
	summary  results.Summary
	records  []results.Record
}

func runLoad(t *testing.T, url string, mode plan.Mode, maxInFlight int, stages ...plan.Stage) runOut {
	t.Helper()
	hitter, err := load.NewHTTPHitter(load.HTTPOptions{URL: url, Timeout: 5 * time.Second, KeepAlive: true, MaxConns: 100})
	if err != nil {
		t.Fatal(err)
	}
	defer hitter.Close()
	sched, err := plan.NewSchedule(stages, 0)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	sum, err := load.Run(context.Background(), load.Config{
		Target: url, Hitter: hitter, Schedule: sched, Mode: mode, MaxInFlight: maxInFlight,
		Log: &log, LogFormat: results.LogCSV, LogName: "test.csv",
	})
	if err != nil {
		t.Fatal(err)
	}
	out := runOut{schedule: sched, summary: sum}
	if err := results.ReadLog(&log, func(r results.Record) error { out.records = append(out.records, r); return nil }); err != nil {
		t.Fatalf("log does not parse: %v", err)
	}
	if int64(len(out.records)) != sum.Requests+sum.Warmup {
		t.Errorf("log has %d lines, summary counts %d requests", len(out.records), sum.Requests+sum.Warmup)
	}
	return out
}

func hold(d time.Duration, rate float64) plan.Stage {
	return plan.Stage{Duration: d, From: rate, To: rate}
}

// checkOnSchedule checks the log has one line for each request the schedule
// holds, each intended at its time in the schedule: what the run offered,
// however busy the machine.
func checkOnSchedule(t *testing.T, out runOut) {
	t.Helper()
	if want := out.schedule.Expected(); int64(len(out.records)) != want || out.summary.Requests != want {
		t.Errorf("%d lines, %d requests counted; the schedule holds %d", len(out.records), out.summary.Requests, want)
	}
	start := out.summary.Start.UnixMicro()
	for _, r := range out.records {
		at, _, ok := out.schedule.At(r.Seq)
		if !ok || r.Intended-start != int64(at/time.Microsecond) {
			t.Fatalf("request %d intended at %v, the schedule says %v (%v)", r.Seq, time.Duration(r.Intended-start)*time.Microsecond, at, ok)
		}
	}
}

func TestSyncAgainstTheApp(t *testing.T) {
	t.Parallel()
	out := runLoad(t, serveApp(t, nil), plan.ModeAuto, 0, hold(4*time.Second, 50))
	checkOnSchedule(t, out)
	s := out.summary
	// A machine too busy to keep to the schedule may drop the last few
	// requests; nothing else may fail.
	if s.Mode != "sync" || s.Failed != s.Dropped || s.PeakInFlight > 1 {
		t.Errorf("mode %s, failed %d (%v), peak in flight %d", s.Mode, s.Failed, s.Errors, s.PeakInFlight)
	}
	if len(s.Hosts) != 1 || s.Hosts[0].Key != "app-test" || s.Hosts[0].Count != s.Requests-s.Dropped {
		t.Errorf("hosts: %+v", s.Hosts)
	}
}

func TestAsyncAgainstTheApp(t *testing.T) {
	t.Parallel()
	out := runLoad(t, serveApp(t, nil), plan.ModeAuto, 0, hold(4*time.Second, 300))
	checkOnSchedule(t, out)
	s := out.summary
	// As in sync mode, only the last few may be dropped on a machine too busy.
	if s.Mode != "async" || s.Failed != s.Dropped || s.TargetRate != 300 {
		t.Errorf("mode %s, target %v/s, failed %d (%v)", s.Mode, s.TargetRate, s.Failed, s.Errors)
	}
	// How close the rate came is the machine's; that it is no faster than
	// the schedule is the client's: nothing is sent before it is due.
	if s.AchievedRate <= 0 || s.AchievedRate > 300*(1+1e-6) {
		t.Errorf("achieved %.4f/s for a target of 300/s", s.AchievedRate)
	}
}

// stallOnce blocks one request for a second: the server is stuck while it does.
func stallOnce(after int64) func(http.Handler) http.Handler {
	var n atomic.Int64
	var mu sync.Mutex
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) == after {
				mu.Lock()
				time.Sleep(time.Second)
				mu.Unlock()
			}
			mu.Lock() // requests arriving during the stall wait for it
			mu.Unlock()
			next.ServeHTTP(w, r)
		})
	}
}

func TestStallIsNotHidden(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		mode        plan.Mode
		maxInFlight int
		serviceLow  bool
	}{
		// One at a time: the requests due during the stall wait in the client,
		// so their latency counts the wait and their service time does not.
		{"sync", plan.ModeSync, 0, true},
		// Open loop with a small cap: the same, the wait is at the cap.
		{"async capped", plan.ModeAsync, 4, true},
		// Open loop with room: the requests wait in the server instead, so the
		// service time sees the stall too — nothing hides it either way.
		{"async open", plan.ModeAsync, 1000, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := runLoad(t, serveApp(t, stallOnce(200)), tt.mode, tt.maxInFlight, hold(4*time.Second, 200))
			s := out.summary
			if s.Latency.P99.D() < 500*time.Millisecond {
				t.Errorf("corrected p99 %v after a 1 s stall, want ≥ 0.5 s", s.Latency.P99.D())
			}
			// The ~20 requests due in the stall's first 100 ms all took
			// ≥ 0.9 s (corrected). With one at a time or a small cap, only
			// those in flight (up to the cap) waited in the server: the rest
			// waited in the client, so their service time is short. (A
			// moment when the busy machine itself is slow counts in both.)
			slowLatency, slowService := 0, 0
			for _, r := range out.records {
				slowLatency += btoi(r.Latency() >= 900*time.Millisecond)
				slowService += btoi(time.Duration(r.ServiceUS)*time.Microsecond >= 900*time.Millisecond)
			}
			if tt.serviceLow && (slowService < 1 || slowLatency-slowService < 10) {
				t.Errorf("%d requests took ≥ 0.9 s (corrected), %d to serve: want the stalled one, and ≥ 10 more that waited in the client",
					slowLatency, slowService)
			}
			if !tt.serviceLow && s.ServiceTime.P99.D() < 500*time.Millisecond {
				t.Errorf("service-time p99 %v: the requests queued in the server should show", s.ServiceTime.P99.D())
			}
			if s.Failed != s.Dropped { // a busy machine may not catch up after the stall by the end
				t.Errorf("errors: %v", s.Errors)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}
