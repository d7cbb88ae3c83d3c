package hello

import (
	"context"
	"fmt"
	"net/url"
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
	for key, dst := range map[string]*time.Duration{"delay": &w.Delay, "cpu": &w.CPU} {
		if v := q.Get(key); v != "" {
			if *dst, err = time.ParseDuration(v); err != nil {
				return def, fmt.Errorf("bad %s: %q is not a duration like 20ms", key, v)
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
		deadline := time.Now().Add(w.CPU)
		for i := 0; time.Now().Before(deadline); i++ {
			if i%1024 == 0 && ctx.Err() != nil {
				return
			}
		}
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
