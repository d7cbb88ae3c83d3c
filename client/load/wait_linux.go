package load

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// waiter sleeps precisely: the dispatcher's goroutine keeps its own OS thread
// with a 1 ns timer slack, so nanosleep wakes within microseconds, not the
// millisecond the Go runtime's timers can take.
type waiter struct{ timer *time.Timer }

func newWaiter() *waiter {
	runtime.LockOSThread()
	_ = unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0) // best effort
	return &waiter{timer: time.NewTimer(time.Hour)}
}

// release ends the thread with the goroutine (it is never unlocked), so the
// changed timer slack does not leak to other goroutines.
func (w *waiter) release() { w.timer.Stop() }

func (w *waiter) sleep(d time.Duration) {
	ts := unix.NsecToTimespec(int64(d))
	for unix.Nanosleep(&ts, &ts) == unix.EINTR {
	}
}
