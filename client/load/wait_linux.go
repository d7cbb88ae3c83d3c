package load

import (
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// waiter sleeps precisely without holding an OS thread: the last stretch
// before a deadline is a timerfd read through the runtime's poller, so the
// dispatcher wakes within microseconds (Go's own timers can take a
// millisecond when the process is idle) and the goroutine parks like any
// other, leaving its P to the workers even at GOMAXPROCS=1.
//
// Setting and reading the timer are raw system calls (they never block: the
// timerfd is non-blocking), for the reason package rawtcp gives: after an
// idle moment, the first ordinary system call wakes Go's sysmon thread,
// which then polls every 20 µs for a millisecond or more — once per tick.
type waiter struct {
	timer *time.Timer
	fd    int
	file  *os.File        // the timerfd, registered with the poller
	raw   syscall.RawConn // file's, to read it
	buf   [8]byte
}

func newWaiter() *waiter {
	w := &waiter{timer: time.NewTimer(time.Hour), fd: -1}
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return w
	}
	file := os.NewFile(uintptr(fd), "timerfd")
	raw, err := file.SyscallConn()
	if err != nil {
		file.Close()
		return w
	}
	w.fd, w.file, w.raw = fd, file, raw
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
	if _, _, e := unix.RawSyscall6(unix.SYS_TIMERFD_SETTIME, uintptr(w.fd), 0, uintptr(unsafe.Pointer(&spec)), 0, 0, 0); e != 0 {
		time.Sleep(d)
		return
	}
	// Parks on the poller until the timer expires.
	_ = w.raw.Read(func(fd uintptr) bool {
		_, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&w.buf[0])), uintptr(len(w.buf)))
		return e != unix.EAGAIN
	})
}
