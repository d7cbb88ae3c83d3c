package load

import (
	"context"
	"testing"
	"time"
)

// The waiter never wakes before its deadline, short or long, and can be used
// again and again (each wait consumes its timer's expiry).
func TestWaiterWakesAtDeadline(t *testing.T) {
	w := newWaiter()
	defer w.release()
	start := time.Now()
	var late time.Duration
	for i, d := range []time.Duration{0, 50 * time.Microsecond, 300 * time.Microsecond, time.Millisecond, 3 * time.Millisecond} {
		for j := 0; j < 20; j++ {
			deadline := time.Now().Add(d)
			if !w.until(context.Background(), deadline) {
				t.Fatalf("wait %d (%v) reported a cancelled context", i, d)
			}
			now := time.Now()
			if now.Before(deadline) {
				t.Fatalf("woke %v before a %v deadline", deadline.Sub(now), d)
			}
			late = max(late, now.Sub(deadline))
		}
	}
	t.Logf("100 waits in %v, latest wake-up %v after its deadline", time.Since(start), late)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if w.until(ctx, time.Now().Add(time.Hour)) {
		t.Error("a cancelled wait reported the deadline reached")
	}
}
