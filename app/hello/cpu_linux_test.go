package hello

import (
	"context"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
)

func processCPU(t *testing.T) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Two requests that each ask for 40 ms of CPU, sharing one core (one P):
// each must get its 40 ms of CPU time, not 40 ms of wall time half spent
// waiting for the core, or an HPA would see half the work the config promises.
func TestCPUWorkIsThreadCPUTime(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	const each, n = 40 * time.Millisecond, 2
	before := processCPU(t)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() { Work{CPU: each}.do(context.Background()) })
	}
	wg.Wait()
	used := processCPU(t) - before
	if want := n * each * 95 / 100; used < want {
		t.Errorf("%d requests of cpu=%v used %v of CPU, want at least %v", n, each, used, want)
	}
}

func TestCPUWorkStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	before := processCPU(t)
	Work{CPU: time.Second}.do(ctx)
	if used := processCPU(t) - before; used > 200*time.Millisecond {
		t.Errorf("a cancelled request burnt %v", used)
	}
}
