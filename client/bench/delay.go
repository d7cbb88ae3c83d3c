package main

import (
	"net/http"
	"runtime"
	"time"

	"github.com/cloudperf/cloudperf/app/bench/kit"
)

// serveAfterDelay answers every request with the fixed JSON after the
// duration in its ?delay= (none: at once). Requests then stay in flight as
// long as asked, which is how the cost section grows the client's
// connections and the latency section checks its clock.
//
// With ?spin= as well, it sleeps only until spin before the delay is up and
// spends the rest yielding in a loop: a Go timer on a busy core wakes a
// fraction of a millisecond late, which would read as the client's error.
func serveAfterDelay(addr string) error {
	return http.ListenAndServe(addr, afterDelay())
}

func afterDelay() http.Handler {
	body := []byte(kit.FixedAnswer("delay") + "\n")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		q := r.URL.Query()
		if d, err := time.ParseDuration(q.Get("delay")); err == nil && d > 0 {
			spin, _ := time.ParseDuration(q.Get("spin"))
			holdFor(start, d, min(max(spin, 0), d))
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
}

// holdFor returns d after start: by sleeping, and for the last spin of it
// by yielding until the time is up.
func holdFor(start time.Time, d, spin time.Duration) {
	time.Sleep(d - spin)
	for time.Since(start) < d {
		runtime.Gosched()
	}
}
