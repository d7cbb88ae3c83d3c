package load

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cloudperf/cloudperf/client/plan"
	"github.com/cloudperf/cloudperf/client/results"
)

// Attacker dispatches a Schedule's requests through a Hitter.
type Attacker struct {
	hitter      Hitter
	mode        plan.Mode
	maxInFlight int
	buffer      int
	tick        time.Duration
}

// tickAfter rounds an intended time up to the dispatcher's tick, so the
// requests due within one tick share a wake-up.
func (a *Attacker) tickAfter(at time.Duration) time.Duration {
	if a.tick <= 0 {
		return at
	}
	return (at + a.tick - 1) / a.tick * a.tick
}

// AutoTick is the tick the client uses unless told otherwise: none up to
// 1000 requests/s, where waking for each request costs little; above, 2 ms,
// so arrivals are bunched no more than that and one wake-up sends 2 ms of
// requests (20 at 10k/s). Wake-ups are the generator's main cost: a tick
// trades a little arrival smoothness for far fewer of them.
func AutoTick(peakRate float64) time.Duration {
	if peakRate <= 1000 {
		return 0
	}
	return 2 * time.Millisecond
}

// DefaultMaxInFlight caps the requests outstanding at once unless told
// otherwise: enough for a 1 s stall at a few hundred requests/s, few enough
// that a generator on one core stays stable at tens of thousands.
const DefaultMaxInFlight = 256

// WithTick puts intended send times on a grid: every request due within a
// tick is intended at the tick's end, and the dispatcher wakes once per tick
// to send them together. At high rates that saves most wake-ups (the
// generator's main cost) for arrivals bunched within a tick; latency is still
// measured from the (grid) intended time, so a stall is still counted. 0 (the
// default) wakes for each request at its exact time.
func WithTick(d time.Duration) Option { return func(a *Attacker) { a.tick = max(d, 0) } }

// Option configures an Attacker.
type Option func(*Attacker)

// WithMode sets the dispatch mode (default ModeAuto).
func WithMode(m plan.Mode) Option { return func(a *Attacker) { a.mode = m } }

// WithMaxInFlight caps the requests outstanding at once in async mode
// (default DefaultMaxInFlight). At the cap the dispatcher waits; the wait is counted in the
// corrected latency of the requests it delays, never hidden.
func WithMaxInFlight(n int) Option {
	return func(a *Attacker) {
		if n > 0 {
			a.maxInFlight = n
		}
	}
}

// NewAttacker returns an Attacker over h.
func NewAttacker(h Hitter, opts ...Option) *Attacker {
	a := &Attacker{hitter: h, maxInFlight: DefaultMaxInFlight, buffer: 4096}
	for _, o := range opts {
		o(a)
	}
	return a
}

// Attack is one attack in progress.
type Attack struct {
	results chan results.Result
	start   time.Time
	abort   context.CancelFunc
	hitter  Hitter
	stats   results.DispatchStats
}

// Aborter is a Hitter that can end its requests in flight at once, beyond
// what cancelling their context does (fasthttp's requests take no context).
type Aborter interface {
	Abort()
}

// EndGrace is how long after the end of a timed schedule of length d the
// dispatcher still sends what is due: a tenth of d, from 250 ms to 1 s. Then
// it stops, and every request due but not sent ends as ClassDropped. So a
// slow target (or a generator short of CPU) cannot stretch a 3 s run to a
// minute: the run ends within the schedule, its grace and the timeout of the
// requests in flight. The grace keeps a moment's lag at the end (a busy
// machine, a GC pause) from dropping requests that would go a little late.
func EndGrace(d time.Duration) time.Duration {
	return min(max(d/10, 250*time.Millisecond), time.Second)
}

// Results streams one Result per dispatched request, and one per dropped
// request (ClassDropped); it is closed when every dispatched request has ended.
func (r *Attack) Results() <-chan results.Result { return r.results }

// Start is the instant offsets in Results are measured from.
func (r *Attack) Start() time.Time { return r.start }

// Abort cancels the requests in flight (a second Ctrl-C); they end as ClassCanceled.
func (r *Attack) Abort() {
	r.abort()
	if a, ok := r.hitter.(Aborter); ok {
		a.Abort()
	}
}

// Stats is valid once Results is closed.
func (r *Attack) Stats() results.DispatchStats { return r.stats }

type job struct {
	seq      int64
	stage    int
	warmup   bool
	intended time.Duration
}

// Attack starts dispatching s at once. Cancelling ctx stops dispatching;
// requests already sent run to completion (each bounded by the Hitter's
// timeout) unless Abort is called.
func (a *Attacker) Attack(ctx context.Context, s *plan.Schedule) *Attack {
	hitCtx, abort := context.WithCancel(context.WithoutCancel(ctx))
	run := &Attack{results: make(chan results.Result, a.buffer), abort: abort, hitter: a.hitter}
	started := make(chan struct{})
	go func() {
		defer abort()
		a.dispatch(ctx, hitCtx, s, run, started)
	}()
	<-started
	return run
}

func (a *Attacker) dispatch(ctx, hitCtx context.Context, s *plan.Schedule, run *Attack, started chan<- struct{}) {
	w := newWaiter()
	defer w.release()
	run.start = time.Now()
	close(started)

	var (
		wg       sync.WaitGroup
		jobs     = make(chan job)
		workers  int
		inFlight atomic.Int64
		grow     = newGrowth()
		growing  = time.NewTimer(growWait) // a wait for a free worker before the pool grows
	)
	growing.Stop()
	defer growing.Stop()
	hit := func(j job) results.Result {
		sent := time.Since(run.start)
		resp := a.hitter.Hit(hitCtx)
		done := time.Since(run.start)
		if a.tick > 0 { // growth decides only with a tick
			grow.answer(done-sent, done)
		}
		return results.Result{
			Seq: j.seq, Stage: j.stage, Warmup: j.warmup,
			Intended: j.intended, Sent: sent, Done: done,
			Status: resp.Status, Bytes: resp.Bytes, Class: resp.Class, Host: resp.Host,
		}
	}
	worker := func(j job) {
		defer wg.Done()
		for {
			run.results <- hit(j)
			inFlight.Add(-1)
			var ok bool
			if j, ok = <-jobs; !ok {
				return
			}
		}
	}
	defer func() {
		close(jobs)
		wg.Wait()
		close(run.results)
	}()

	modes := make([]plan.Mode, len(s.Stages()))
	for i, st := range s.Stages() {
		modes[i] = a.mode.For(st)
	}
	// A timed schedule stops dispatching EndGrace after its end; the rest
	// of what was due is dropped.
	var (
		timed    = s.Duration() > 0
		deadline = a.tickAfter(s.Duration()) + EndGrace(s.Duration())
		late     <-chan time.Time // fires at the deadline, for a wait at the cap
	)
	drop := func(from int64) {
		gaveUp := time.Since(run.start)
		for seq := from; ; seq++ {
			at, stage, ok := s.At(seq)
			if !ok {
				return
			}
			run.stats.Dropped++
			run.results <- results.Result{Seq: seq, Stage: stage, Warmup: s.Warmup(seq), Intended: min(a.tickAfter(at), gaveUp),
				Sent: gaveUp, Done: gaveUp, Class: results.ClassDropped}
		}
	}
	for seq := int64(0); ; seq++ {
		at, stage, ok := s.At(seq)
		if !ok {
			return
		}
		at = a.tickAfter(at)
		if !w.until(ctx, run.start.Add(at)) {
			run.stats.Interrupted = true
			return
		}
		if timed && time.Since(run.start) > deadline {
			drop(seq)
			return
		}
		j := job{seq: seq, stage: stage, warmup: s.Warmup(seq), intended: at}
		if modes[stage] == plan.ModeSync {
			run.stats.PeakWorkers = max(run.stats.PeakWorkers, 1)
			run.stats.Dispatched++
			run.results <- hit(j)
			continue
		}
		taken := false
		select {
		case jobs <- j: // an idle worker took it: fewer than the cap were out
			taken = true
			grow.found()
		default:
		}
		if !taken && workers < a.maxInFlight && a.tick > 0 && grow.wait(workers, time.Since(run.start)) {
			// Every worker is busy: wait a moment for one to come free
			// before adding one (see growth).
			growing.Reset(growWait)
			select {
			case jobs <- j:
				growing.Stop()
				taken = true
				grow.found()
			case <-growing.C:
				grow.inVainWait()
			case <-ctx.Done():
				run.stats.Interrupted = true
				return
			}
		}
		switch {
		case taken:
			countInFlight(&inFlight, &run.stats)
		case workers < a.maxInFlight:
			grow.grew()
			workers++
			wg.Add(1)
			countInFlight(&inFlight, &run.stats)
			go worker(j)
		default:
			// Every worker is busy: the request waits for the first to be
			// free, and is counted in flight once it has one.
			run.stats.Capped++
			if timed && late == nil {
				t := time.NewTimer(deadline - time.Since(run.start))
				defer t.Stop()
				late = t.C
			}
			select {
			case jobs <- j:
				countInFlight(&inFlight, &run.stats)
			case <-late:
				drop(seq)
				return
			case <-ctx.Done():
				run.stats.Interrupted = true
				return
			}
		}
		run.stats.Dispatched++
	}
}

// countInFlight counts a request once a worker has it, and the peak: a request
// waiting at the cap is not in flight yet, so the peak never exceeds the cap.
func countInFlight(n *atomic.Int64, stats *results.DispatchStats) {
	stats.PeakWorkers = max(stats.PeakWorkers, int(n.Add(1)))
}
