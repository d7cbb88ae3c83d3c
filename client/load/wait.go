package load

import (
	"context"
	"time"
)

// coarse is how close to a deadline the Go timer may take the dispatcher:
// runtime timers round sub-millisecond waits up to a millisecond when idle,
// so the last stretch uses the precise sleep of the platform.
const coarse = 2 * time.Millisecond

// until blocks until deadline; false if ctx ended first.
func (w *waiter) until(ctx context.Context, deadline time.Time) bool {
	for {
		d := time.Until(deadline)
		if d <= 0 {
			return ctx.Err() == nil
		}
		if d > coarse {
			w.timer.Reset(d - coarse/2)
			select {
			case <-w.timer.C:
			case <-ctx.Done():
				return false
			}
			continue
		}
		w.sleep(d)
	}
}
