package load

import (
	"context"
	"sync"
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

func checkResults(t *testing.T, got []results.Result, run *Attack) {
	t.Helper()
	if st := run.Stats(); int64(len(got)) != st.Dispatched+st.Dropped {
		t.Errorf("%d got for %d dispatched and %d dropped", len(got), st.Dispatched, st.Dropped)
	}
	seen := map[int64]bool{}
	for _, r := range got {
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
	got := collect(run)
	checkResults(t, got, run)
	if len(got) != 25 {
		t.Errorf("%d got, want 25", len(got))
	}
	if h.peak.Load() != 1 {
		t.Errorf("sync mode had %d requests in flight at once", h.peak.Load())
	}
}

func TestAttackAsyncIsOpenLoop(t *testing.T) {
	t.Parallel()
	h := &fakeHitter{delay: 50 * time.Millisecond}
	run := NewAttacker(h).Attack(context.Background(), mustSchedule(t, 0, plan.Stage{Duration: time.Second, From: 400, To: 400}))
	got := collect(run)
	checkResults(t, got, run)
	if len(got) != 400 {
		t.Errorf("%d got, want 400", len(got))
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
		t.Fatalf("%d got, peak %d; want 50 with at most 2 in flight", len(got), h.peak.Load())
	}
	if run.Stats().Capped == 0 {
		t.Error("the cap was hit but not counted")
	}
	// A request waiting at the cap is not in flight: the peak is the cap.
	if p := run.Stats().PeakWorkers; p != 2 {
		t.Errorf("peak in flight %d, want the cap, 2", p)
	}
	// 2 per 100 ms at most is 20/s of the 100/s due: request k, due at
	// k×10 ms, is sent at k/2×100 ms at the earliest, so the last sent (the
	// 8th or later: 16 fit before the run gives up) waited ≥ 0.2 s. Its
	// corrected latency counts that wait; its service time, from when it was
	// sent, does not.
	var last results.Result
	for _, r := range got {
		if !r.Dropped() && r.Seq >= last.Seq {
			last = r
		}
	}
	if wait := last.Latency() - last.ServiceTime(); last.Seq < 7 || wait < 200*time.Millisecond || last.ServiceTime() < h.delay {
		t.Errorf("last request sent, %d: latency %v, service %v; the wait at the cap must count in latency only", last.Seq, last.Latency(), last.ServiceTime())
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
			const delay = 200 * time.Millisecond
			h := &fakeHitter{delay: delay}
			run := NewAttacker(h, WithMode(tc.mode), WithMaxInFlight(5)).
				Attack(context.Background(), mustSchedule(t, 0, plan.Stage{Duration: time.Second, From: tc.rate, To: tc.rate}))
			got := collect(run)
			checkResults(t, got, run)
			due := int64(tc.rate) // one second's worth
			st := run.Stats()
			if int64(len(got)) != due || st.Dispatched+st.Dropped != due {
				t.Fatalf("%d got, %d sent + %d dropped; want every one of the %d due", len(got), st.Dispatched, st.Dropped, due)
			}
			// Sending all of it would take 8 s (async) or 10 s (sync). Until
			// the schedule's end and its grace, each of the cap's slots (one
			// in sync mode) starts a request at most every 200 ms; one more
			// each allows for a dispatcher that was itself late to stop.
			slots := int64(5)
			if tc.mode == plan.ModeSync {
				slots = 1
			}
			if most := slots * (int64((time.Second+EndGrace(time.Second))/delay) + 2); st.Dispatched > most {
				t.Errorf("%d sent: dispatching went on after the schedule's end (at most %d fit before it)", st.Dispatched, most)
			}
			if st.Dropped < due/2 || st.Interrupted {
				t.Errorf("%d sent, %d dropped, interrupted %v: want most of the %d dropped", st.Dispatched, st.Dropped, st.Interrupted, due)
			}
			for _, r := range got {
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
	got := collect(run)
	checkResults(t, got, run)
	if len(got) != 10 || run.Stats().Dropped != 0 {
		t.Errorf("%d got, %d dropped; want 10 sent", len(got), run.Stats().Dropped)
	}
}

// cancelling is a fakeHitter that cancels the run's context as its n-th
// request arrives, and notes when it had.
type cancelling struct {
	*fakeHitter
	n      int64
	cancel context.CancelFunc
	seen   atomic.Int64
	at     atomic.Int64 // Unix ns, just after cancelling
}

func (c *cancelling) Hit(ctx context.Context) Response {
	if c.seen.Add(1) == c.n {
		c.cancel()
		c.at.Store(time.Now().UnixNano())
	}
	return c.fakeHitter.Hit(ctx)
}

// Cancelling stops dispatching: nothing due after the cancel is sent, and
// what was sent before it finishes.
func TestAttackCancelFinishesInFlight(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := &cancelling{fakeHitter: &fakeHitter{delay: 200 * time.Millisecond}, n: 30, cancel: cancel}
	run := NewAttacker(h, WithMode(plan.ModeAsync)).Attack(ctx, mustSchedule(t, 0, plan.Stage{Duration: time.Minute, From: 100, To: 100}))
	got := collect(run)
	checkResults(t, got, run)
	if !run.Stats().Interrupted {
		t.Error("not marked interrupted")
	}
	cancelled := time.Unix(0, h.at.Load()).Sub(run.Start())
	if len(got) < 30 {
		t.Errorf("%d got: the 30 requests sent before the cancel must all end", len(got))
	}
	for _, r := range got {
		if r.Class != results.ClassOK {
			t.Fatalf("in-flight request %d ended %v: it should have been allowed to finish", r.Seq, r.Class)
		}
		if r.Intended > cancelled || r.Seq >= int64(len(got)) {
			t.Errorf("request %d, due at %v, was sent after the cancel at %v", r.Seq, r.Intended, cancelled)
		}
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
		t.Fatal("no got")
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
	got := collect(run)
	checkResults(t, got, run)
	if len(got) != 100 {
		t.Fatalf("%d got, want 100", len(got))
	}
	perTick := map[time.Duration]int{}
	for _, r := range got {
		if r.Intended%(10*time.Millisecond) != 0 {
			t.Fatalf("request %d intended at %v, off the 10 ms grid", r.Seq, r.Intended)
		}
		perTick[r.Intended]++
	}
	if len(perTick) < 9 || len(perTick) > 11 {
		t.Errorf("%d distinct intended times, want ~10 (one per tick)", len(perTick))
	}
}

// AutoTick, seen in the intended times of a run: up to 1000/s every request
// is intended at its exact time; above, intended times are bunched onto a
// 2 ms grid — none more than 2 ms after its time, one wake-up for several.
func TestAutoTick(t *testing.T) {
	t.Parallel()
	const d = 200 * time.Millisecond
	for _, tc := range []struct {
		rate    float64
		bunched bool
	}{{50, false}, {1000, false}, {1001, true}, {5000, true}} {
		s := mustSchedule(t, 0, plan.Stage{Duration: d, From: tc.rate, To: tc.rate})
		run := NewAttacker(&fakeHitter{}, WithMode(plan.ModeAsync), WithTick(AutoTick(tc.rate))).Attack(context.Background(), s)
		got := collect(run)
		checkResults(t, got, run)
		wakeUps := map[time.Duration]bool{}
		for _, r := range got {
			if r.Dropped() { // given up at the end of a run too slow to keep up: intended when given up
				continue
			}
			at, _, _ := s.At(r.Seq)
			if late := r.Intended - at; late < 0 || (!tc.bunched && late != 0) || late >= 2*time.Millisecond {
				t.Fatalf("%v/s: request %d due at %v is intended at %v", tc.rate, r.Seq, at, r.Intended)
			}
			wakeUps[r.Intended] = true
		}
		grid := int(d/(2*time.Millisecond)) + 1
		if tc.bunched && len(wakeUps) > grid {
			t.Errorf("%v/s: %d distinct intended times in %v, want at most %d (one per 2 ms)", tc.rate, len(wakeUps), d, grid)
		}
		if !tc.bunched && len(wakeUps) != len(got)-int(run.Stats().Dropped) {
			t.Errorf("%v/s: %d distinct intended times for %d requests sent", tc.rate, len(wakeUps), len(got)-int(run.Stats().Dropped))
		}
	}
}

// instantHitter answers at once.
type instantHitter struct{}

func (instantHitter) Hit(context.Context) Response {
	return Response{Status: 200, Class: results.ClassOK, Bytes: 10, Host: "fake"}
}

// With a tick, a burst that the workers already running can send does not
// grow the pool: each tick here is 1,000 requests due at once, answered at
// once, and the old rule (a worker for every request that finds none idle)
// started one per request of the first burst.
func TestAttackTickBurstsKeepThePoolSmall(t *testing.T) {
	t.Parallel()
	run := NewAttacker(instantHitter{}, WithMode(plan.ModeAsync), WithTick(10*time.Millisecond), WithMaxInFlight(5000)).
		Attack(context.Background(), mustSchedule(t, 0, plan.Stage{Duration: 100 * time.Millisecond, From: 100000, To: 100000}))
	got := collect(run)
	checkResults(t, got, run)
	if len(got) != 10000 {
		t.Fatalf("%d results, want 10000", len(got))
	}
	if p := run.Stats().PeakWorkers; p >= 500 {
		t.Errorf("peak in flight %d for bursts of 1000 answered at once: the pool grew per request", p)
	}
}

// A slow target still gets its workers at once: 2000/s answered in 50 ms
// needs about 100 in flight, and with a tick the pool grows as fast as
// without one (where every request that finds no idle worker starts one).
// The two run side by side, so a loaded machine delays both alike: growing
// one worker per 1 ms wait instead sent a fifth of the requests over 25 ms
// late, against none without a tick.
func TestAttackTickSlowTargetGrowsThePool(t *testing.T) {
	t.Parallel()
	schedule := func() *plan.Schedule {
		return mustSchedule(t, 0, plan.Stage{Duration: 500 * time.Millisecond, From: 2000, To: 2000})
	}
	ticked := NewAttacker(&fakeHitter{delay: 50 * time.Millisecond}, WithMode(plan.ModeAsync), WithTick(2*time.Millisecond)).
		Attack(context.Background(), schedule())
	plain := NewAttacker(&fakeHitter{delay: 50 * time.Millisecond}, WithMode(plan.ModeAsync)).
		Attack(context.Background(), schedule())
	var gotPlain []results.Result
	var wg sync.WaitGroup
	wg.Go(func() { gotPlain = collect(plain) })
	got := collect(ticked)
	wg.Wait()
	checkResults(t, got, ticked)
	checkResults(t, gotPlain, plain)
	if p := ticked.Stats().PeakWorkers; p < 90 {
		t.Errorf("peak in flight %d, want ~100 (2000/s × 50 ms)", p)
	}
	late := func(rs []results.Result) int {
		n := 0
		for _, r := range rs {
			if r.Sent-r.Intended > 25*time.Millisecond {
				n++
			}
		}
		return n
	}
	if l, lp := late(got), late(gotPlain); l > lp+len(got)/10 {
		t.Errorf("%d of %d requests sent over 25 ms late with a tick, %d without: the pool grew too slowly", l, len(got), lp)
	}
}
