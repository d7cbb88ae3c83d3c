package hello

import (
	"context"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// burnCPU spins until this thread has used d of CPU time
// (CLOCK_THREAD_CPUTIME_ID), not until d of wall time has passed: under a
// CFS quota, or sharing a core, 2 ms of work is still 2 ms of CPU, which is
// what metrics-server reports and the HPA acts on. The goroutine is locked to
// its thread so the thread's clock is its own.
func burnCPU(ctx context.Context, d time.Duration) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	start, ok := threadCPU()
	if !ok {
		burnWall(ctx, d)
		return
	}
	x := uint64(1)
	for {
		// A few µs of arithmetic between clock reads keeps their cost small.
		x = spin(x, 2000)
		now, _ := threadCPU()
		if now-start >= d || ctx.Err() != nil {
			keep(x)
			return
		}
	}
}

func threadCPU() (time.Duration, bool) {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
