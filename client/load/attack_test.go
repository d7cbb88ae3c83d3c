package load

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/plan"
	"github.com/cloudperf/cloudperf/client/results"
)

// fakeHitter takes a fixed time per request and records the concurrency it saw.
type fakeHitter struct {
	delay    time.Duration
	inFlight atomic.Int64
	peak     atomic.Int64
	calls    atomic.Int64
}

func (f *fakeHitter) Hit(ctx context.Context) Response {
	f.calls.Add(1)
	n := f.inFlight.Add(1)
	for {
		p := f.peak.Load()
		if n <= p || f.peak.CompareAndSwap(p, n) {
			break
		}
	}
	defer f.inFlight.Add(-1)
	select {
	case <-time.After(f.delay):
		return Response{Status: 200, Class: results.ClassOK, Bytes: 10, Host: "fake"}
	case <-ctx.Done():
		return Response{Class: results.ClassCanceled}
	}
}

func collect(run *Attack) []results.Result {
	var out []results.Result
	for r := range run.Results() {
		out = append(out, r)
	}
	return out
}

func mustSchedule(t *testing.T, limit int64, stages ...plan.Stage) *plan.Schedule {
	t.Helper()
	s, err := plan.NewSchedule(stages, limit)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func checkResults(t *testing.T, results []results.Result, run *Attack) {
	t.Helper()
	if st := run.Stats(); int64(len(results)) != st.Dispatched+st.Dropped {
		t.Errorf("%d results for %d dispatched and %d dropped", len(results), st.Dispatched, st.Dropped)
	}
	seen := map[int64]bool{}
	for _, r := range results {
		if seen[r.Seq] {
			t.Fatalf("seq %d delivered twice", r.Seq)
		}
		seen[r.Seq] = true
		if r.Sent < r.Intended || r.Done < r.Sent {
			t.Fatalf("result %d: intended %v sent %v done %v out of order", r.Seq, r.Intended, r.Sent, r.Done)
		}
	}
}

func TestAttackSyncIsOneAtATime(t *testing.T) {
	t.Parallel()
	h := &fakeHitter{delay: time.Millisecond}
	run := NewAttacker(h).Attack(context.Background(), mustSchedule(t, 0, plan.Stage{Duration: 500 * time.Millisecond, From: 50, To: 50}))
	results := collect(run)
	checkResults(t, results, run)
	if len(results) != 25 {
		t.Errorf("%d results, want 25", len(results))
	}
	if h.peak.Load() != 1 {
		t.Errorf("sync mode had %d requests in flight at once", h.peak.Load())
	}
}

func TestAttackAsyncIsOpenLoop(t *testing.T) {
	t.Parallel()
	h := &fakeHitter{delay: 50 * time.Millisecond}
	run := NewAttacker(h).Attack(context.Background(), mustSchedule(t, 0, plan.Stage{Duration: time.Second, From: 400, To: 400}))
	results := collect(run)
	checkResults(t, results, run)
	if len(results) != 400 {
		t.Errorf("%d results, want 400", len(results))
	}
	// 400/s × 50 ms ≈ 20 outstanding: the dispatcher did not wait for responses.
	if p := h.peak.Load(); p < 10 {
		t.Errorf("peak concurrency %d: async did not overlap requests", p)
	}
	if run.Stats().Capped != 0 {
		t.Errorf("capped %d times with room to spare", run.Stats().Capped)
	}
}

func TestAttackCapDelayIsCounted(t *testing.T) {
	t.Parallel()
	h := &fakeHitter{delay: 100 * time.Millisecond}
	run := NewAttacker(h, WithMode(plan.ModeAsync), WithMaxInFlight(2)).
		Attack(context.Background(), mustSchedule(t, 0, plan.Stage{Duration: 500 * time.Millisecond, From: 100, To: 100}))
	got := collect(run)
	checkResults(t, got, run)
	if len(got) != 50 || h.peak.Load() > 2 {
		t.Fatalf("%d results, peak %d; want 50 with at most 2 in flight", len(got), h.peak.Load())
	}
	if run.Stats().Capped == 0 {
		t.Error("the cap was hit but not counted")
	}
	// A request waiting at the cap is not in flight: the peak is the cap.
	if p := run.Stats().PeakWorkers; p != 2 {
		t.Errorf("peak in flight %d, want the cap, 2", p)
	}
	// 2 per 100 ms is 20/s of the 100/s due: by the end of the schedule the
	// last request sent is ~0.4 s late, and its corrected latency says so
	// while its service time stays ~100 ms.
	var last results.Result
	for _, r := range got {
		if !r.Dropped() && r.Seq >= last.Seq {
			last = r
		}
	}
	if last.Latency() < 300*time.Millisecond || last.ServiceTime() > 300*time.Millisecond {
		t.Errorf("last request sent: latency %v, service %v; the wait at the cap must count in latency only", last.Latency(), last.ServiceTime())
	}
}

// The schedule bounds the run: when the target cannot keep up, dispatching
// stops EndGrace after the schedule's end, the requests in flight finish,
// and every request that was due but not sent ends as dropped — in both
// modes, whatever the cap.
func TestAttackEndsWithTheSchedule(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		mode plan.Mode
		rate float64
	}{
		{"async at the cap", plan.ModeAsync, 200}, // 5 in flight × 200 ms: 25/s of 200/s
		{"sync", plan.ModeSync, 50},               // one at a time × 200 ms: 5/s of 50/s
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := &fakeHitter{delay: 200 * time.Millisecond}
			start := time.Now()
			run := NewAttacker(h, WithMode(tc.mode), WithMaxInFlight(5)).
				Attack(context.Background(), mustSchedule(t, 0, plan.Stage{Duration: time.Second, From: tc.rate, To: tc.rate}))
			results := collect(run)
			took := time.Since(start)
			checkResults(t, results, run)
			due := int64(tc.rate) // one second's worth
			st := run.Stats()
			if int64(len(results)) != due || st.Dispatched+st.Dropped != due {
				t.Fatalf("%d results, %d sent + %d dropped; want every one of the %d due", len(results), st.Dispatched, st.Dropped, due)
			}
			// Sending all of it would take 8 s (async) or 10 s (sync); the
			// schedule is 1 s, the grace 0.25 s and a request 0.2 s.
			if took > 4*time.Second {
				t.Errorf("the 1 s run took %v", took)
			}
			if st.Dropped < due/2 || st.Interrupted {
				t.Errorf("%d sent, %d dropped, interrupted %v: want most of the %d dropped", st.Dispatched, st.Dropped, st.Interrupted, due)
			}
			for _, r := range results {
				if !r.Dropped() {
					if r.Seq >= st.Dispatched {
						t.Errorf("request %d sent after a dropped one", r.Seq)
					}
					continue
				}
				if r.Seq < st.Dispatched || r.Sent != r.Done || r.Sent < time.Second+EndGrace(time.Second) || r.Intended > r.Sent || r.Status != 0 {
					t.Fatalf("dropped request %+v: want one of the last, given up after the schedule and its grace", r)
				}
			}
		})
	}
}

// A run ended by a request limit alone has no end to keep to: nothing is dropped.
func TestAttackRequestLimitDropsNothing(t *testing.T) {
	t.Parallel()
	h := &fakeHitter{delay: 20 * time.Millisecond}
	run := NewAttacker(h, WithMode(plan.ModeSync)).Attack(context.Background(), mustSchedule(t, 10, plan.Stage{From: 1000, To: 1000}))
	results := collect(run)
	checkResults(t, results, run)
	if len(results) != 10 || run.Stats().Dropped != 0 {
		t.Errorf("%d results, %d dropped; want 10 sent", len(results), run.Stats().Dropped)
	}
}

func TestAttackCancelFinishesInFlight(t *testing.T) {
	t.Parallel()
	h := &fakeHitter{delay: 200 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	run := NewAttacker(h, WithMode(plan.ModeAsync)).Attack(ctx, mustSchedule(t, 0, plan.Stage{Duration: time.Minute, From: 100, To: 100}))
	got := collect(run)
	checkResults(t, got, run)
	if !run.Stats().Interrupted {
		t.Error("not marked interrupted")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v to stop", took)
	}
	for _, r := range got {
		if r.Class != results.ClassOK {
			t.Fatalf("in-flight request %d ended %v: it should have been allowed to finish", r.Seq, r.Class)
		}
	}
	if len(got) < 20 || len(got) > 40 {
		t.Errorf("%d results for ~300 ms at 100/s", len(got))
	}
}

func TestAttackAbortCancelsInFlight(t *testing.T) {
	t.Parallel()
	h := &fakeHitter{delay: time.Hour}
	ctx, cancel := context.WithCancel(context.Background())
	run := NewAttacker(h, WithMode(plan.ModeAsync)).Attack(ctx, mustSchedule(t, 0, plan.Stage{Duration: time.Minute, From: 100, To: 100}))
	time.AfterFunc(100*time.Millisecond, func() { cancel(); run.Abort() })
	got := collect(run)
	checkResults(t, got, run)
	if len(got) == 0 {
		t.Fatal("no results")
	}
	for _, r := range got {
		if r.Class != results.ClassCanceled {
			t.Fatalf("request %d ended %v, want canceled", r.Seq, r.Class)
		}
	}
}

func TestAttackModePerStage(t *testing.T) {
	t.Parallel()
	sync, async := &fakeHitter{delay: 30 * time.Millisecond}, &fakeHitter{delay: 30 * time.Millisecond}
	// 50/s is sync under auto, 400/s async; checked stage by stage.
	for _, tc := range []struct {
		h    *fakeHitter
		rate float64
		one  bool
	}{{sync, 50, true}, {async, 400, false}} {
		run := NewAttacker(tc.h).Attack(context.Background(), mustSchedule(t, 0, plan.Stage{Duration: 300 * time.Millisecond, From: tc.rate, To: tc.rate}))
		collect(run)
		if (tc.h.peak.Load() == 1) != tc.one {
			t.Errorf("rate %v: peak concurrency %d", tc.rate, tc.h.peak.Load())
		}
	}
}

func TestAttackTickGroupsIntendedTimes(t *testing.T) {
	t.Parallel()
	h := &fakeHitter{delay: time.Millisecond}
	run := NewAttacker(h, WithTick(10*time.Millisecond)).
		Attack(context.Background(), mustSchedule(t, 0, plan.Stage{Duration: 100 * time.Millisecond, From: 1000, To: 1000}))
	results := collect(run)
	checkResults(t, results, run)
	if len(results) != 100 {
		t.Fatalf("%d results, want 100", len(results))
	}
	perTick := map[time.Duration]int{}
	for _, r := range results {
		if r.Intended%(10*time.Millisecond) != 0 {
			t.Fatalf("request %d intended at %v, off the 10 ms grid", r.Seq, r.Intended)
		}
		perTick[r.Intended]++
	}
	if len(perTick) < 9 || len(perTick) > 11 {
		t.Errorf("%d distinct intended times, want ~10 (one per tick)", len(perTick))
	}
}

func TestAutoTick(t *testing.T) {
	for rate, want := range map[float64]time.Duration{
		50: 0, 1000: 0, 1001: 2 * time.Millisecond, 5000: 2 * time.Millisecond,
		10000: 2 * time.Millisecond, 100000: 2 * time.Millisecond,
	} {
		if got := AutoTick(rate); got != want {
			t.Errorf("AutoTick(%v) = %v, want %v", rate, got, want)
		}
	}
}
