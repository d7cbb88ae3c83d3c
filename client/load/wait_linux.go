package load

import (
	"os"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// waiter is the dispatcher's sleep on Linux. until (wait.go) waits on a Go
// timer while the deadline is more than coarse away, then calls sleep for
// the rest: sleep arms a timerfd with what is left and reads it through the
// runtime's poller, so the goroutine parks like any other (its P stays free
// for the workers, even at GOMAXPROCS=1) and wakes when the kernel's timer
// fires, not when Go's timers get round to it. Without a timerfd (one could
// not be made or armed) sleep is time.Sleep.
//
// Arming and reading the timer are raw system calls (neither blocks: the
// timerfd is non-blocking), because an ordinary system call after an idle
// moment wakes Go's sysmon thread, which then polls every 20 µs for a
// millisecond or more: once per tick.
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
