package load

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// waiter sleeps precisely without holding an OS thread: the last stretch
// before a deadline is a timerfd read through the runtime's poller, so the
// dispatcher wakes within microseconds (Go's own timers can take a
// millisecond when the process is idle) and the goroutine parks like any
// other, leaving its P to the workers even at GOMAXPROCS=1.
type waiter struct {
	timer *time.Timer
	fd    int
	file  *os.File // the timerfd, registered with the poller
	buf   [8]byte
}

func newWaiter() *waiter {
	w := &waiter{timer: time.NewTimer(time.Hour), fd: -1}
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err == nil {
		w.fd, w.file = fd, os.NewFile(uintptr(fd), "timerfd")
	}
	return w
}

func (w *waiter) release() {
	w.timer.Stop()
	if w.file != nil {
		w.file.Close()
	}
}

func (w *waiter) sleep(d time.Duration) {
	if w.file == nil {
		time.Sleep(d)
		return
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(w.fd, 0, &spec, nil); err != nil {
		time.Sleep(d)
		return
	}
	_, _ = w.file.Read(w.buf[:]) // parks until the timer expires
}
