package hello

import (
	"context"
	"fmt"
	"net/url"
	"sync/atomic"
	"time"
)

// Work is what one GET / costs beyond writing the reply: a wait (an I/O-bound
// service) and CPU burnt (a CPU-bound one, which is what makes an HPA scale).
// The server's default applies to every request; ?delay=20ms&cpu=2ms overrides it.
type Work struct {
	Delay time.Duration
	CPU   time.Duration
}

// Limits keep one request from holding a connection or a core for long.
const (
	MaxDelay = 10 * time.Second
	MaxCPU   = time.Second
)

func (w Work) validate() error {
	if w.Delay < 0 || w.Delay > MaxDelay {
		return fmt.Errorf("delay %v outside 0..%v", w.Delay, MaxDelay)
	}
	if w.CPU < 0 || w.CPU > MaxCPU {
		return fmt.Errorf("cpu %v outside 0..%v", w.CPU, MaxCPU)
	}
	return nil
}

// parseWork reads delay= and cpu= from a raw query, starting from def.
func parseWork(rawQuery string, def Work) (Work, error) {
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return def, fmt.Errorf("bad query: %v", err)
	}
	w := def
	// In a fixed order, so that a query with two bad values always names the same one.
	for _, f := range []struct {
		key string
		dst *time.Duration
	}{{"delay", &w.Delay}, {"cpu", &w.CPU}} {
		if v := q.Get(f.key); v != "" {
			if *f.dst, err = time.ParseDuration(v); err != nil {
				return def, fmt.Errorf("bad %s: %q is not a duration like 20ms", f.key, v)
			}
		}
	}
	if err := w.validate(); err != nil {
		return def, err
	}
	return w, nil
}

// do spends the work; a cancelled request stops waiting or burning at once.
func (w Work) do(ctx context.Context) {
	if w.CPU > 0 {
		burnCPU(ctx, w.CPU)
	}
	if w.Delay > 0 {
		t := time.NewTimer(w.Delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
		}
	}
}

// burnWall spins until d of wall time has passed.
func burnWall(ctx context.Context, d time.Duration) {
	deadline := time.Now().Add(d)
	x := uint64(1)
	for time.Now().Before(deadline) && ctx.Err() == nil {
		x = spin(x, 2000)
	}
	keep(x)
}

// spin does n rounds of xorshift from a non-zero x (a few nanoseconds each).
func spin(x uint64, n int) uint64 {
	for i := 0; i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// spinSink makes spin's result observable, so the compiler keeps the loop;
// xorshift never reaches 0, so it is never written.
var spinSink atomic.Uint64

func keep(x uint64) {
	if x == 0 {
		spinSink.Store(x)
	}
}
