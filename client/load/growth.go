package load

import (
	"sync/atomic"
	"time"
)

// growth decides, with a dispatch tick, what a request that finds every
// worker busy does: wait up to growWait for one to come free, or add one to
// the pool at once.
//
// A tick's requests are due at once, and on one core the answers to the
// last tick's are often in already, only not yet read: a worker comes free
// within microseconds. Growing at once instead adds a worker and a
// connection for each request of the largest burst ever seen (a moment's
// stall, or the dials of the first ticks, takes the pool to the cap), and
// every pooled connection then stays in use (FIFO): CPU per request, memory
// and the generator's own latency grow with the pool. So while the target
// answers quickly, a request waits, and a wait that finds no worker free
// adds one.
//
// A slow target — no answer within quickAnswer in the last quickMemory —
// grows the pool at once, as without a tick, so its workers are never
// short. Before the first answer (the first requests dial, and start cold),
// each wait in a row that finds no worker free lets twice as many requests
// as the last grow the pool without waiting: 1, 2, 4 … so a slow target's
// pool is not held to one worker per growWait until its first answer.
//
// Waits count in the requests' latency, like any wait to be sent.
type growth struct {
	lastQuick atomic.Int64 // when the last quick answer came, from the start; -1 before one
	answered  atomic.Bool

	inVain   int // waits in a row that found no worker free, before the first answer
	unwaited int // requests that may grow the pool without waiting
}

const (
	growWait    = time.Millisecond
	growFloor   = 8 // workers started without waiting
	quickAnswer = 10 * time.Millisecond
	quickMemory = 100 * time.Millisecond
)

func newGrowth() *growth {
	g := &growth{}
	g.lastQuick.Store(-1)
	return g
}

// answer notes an answer that took service and came at done. Every worker
// calls it for every request, so it writes the shared time at most once per
// growWait (lastQuick is read against quickMemory, a hundred times that):
// a load per request, not a store that every other CPU must fetch again.
func (g *growth) answer(service, done time.Duration) {
	if t := g.lastQuick.Load(); service < quickAnswer && (t < 0 || done-time.Duration(t) >= growWait) {
		g.lastQuick.Store(int64(done))
	}
	if !g.answered.Load() {
		g.answered.Store(true)
	}
}

// wait reports whether a request that finds all of the pool's workers busy
// at now should wait for one.
func (g *growth) wait(workers int, now time.Duration) bool {
	if workers < growFloor || g.unwaited > 0 {
		return false
	}
	if !g.answered.Load() {
		return true
	}
	t := g.lastQuick.Load()
	return t >= 0 && now-time.Duration(t) < quickMemory
}

// found notes that a request found a worker free, at once or by waiting.
func (g *growth) found() { g.inVain = 0 }

// inVainWait notes a wait that found no worker free: the request grows the
// pool, and before the first answer, so may the next few.
func (g *growth) inVainWait() {
	if !g.answered.Load() {
		g.unwaited = 1 << min(g.inVain, 6)
		g.inVain++
	}
}

// grew notes a worker added to the pool.
func (g *growth) grew() { g.unwaited = max(g.unwaited-1, 0) }
