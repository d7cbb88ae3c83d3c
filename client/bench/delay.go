package main

import (
	"net/http"
	"time"

	"github.com/cloudperf/cloudperf/app/bench/kit"
)

// serveAfterDelay answers every request with the fixed JSON after the
// duration in its ?delay= (none: at once). Requests then stay in flight as
// long as asked, which is how the cost section grows the client's
// connections and the latency section checks its clock.
func serveAfterDelay(addr string) error {
	body := []byte(kit.FixedAnswer("delay") + "\n")
	return http.ListenAndServe(addr, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if d, err := time.ParseDuration(r.URL.Query().Get("delay")); err == nil && d > 0 {
			time.Sleep(d)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
}
