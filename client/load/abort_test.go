package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/plan"
)

// A second Ctrl-C aborts the requests in flight, in both engines: Run is
// cancelled first (the first Ctrl-C), and Abort, closed after that, still
// ends requests that would otherwise wait a minute for their timeout.
func TestRunAbortAfterCancel(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"fasthttp", "net/http"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			var arrived atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				arrived.Add(1)
				select { // hangs until the client gives up, or the test ends
				case <-r.Context().Done():
				case <-release:
				}
			}))
			t.Cleanup(func() { close(release); srv.Close() })
			opts := HTTPOptions{URL: srv.URL, Timeout: time.Minute, KeepAlive: true, MaxConns: 16}
			var h interface {
				Hitter
				Close()
			}
			var err error
			if engine == "fasthttp" {
				h, err = NewFastHitter(opts)
			} else {
				h, err = NewHTTPHitter(opts)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer h.Close()
			s, err := plan.NewSchedule([]plan.Stage{{Duration: time.Minute, From: 50, To: 50}}, 0)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			abort := make(chan struct{})
			go func() {
				for arrived.Load() < 3 { // requests are hanging in the server
					time.Sleep(10 * time.Millisecond)
				}
				cancel()                           // the first Ctrl-C: stop sending
				time.Sleep(200 * time.Millisecond) // Run is waiting for the requests in flight
				close(abort)                       // the second: abort them
			}()
			start := time.Now()
			sum, err := Run(ctx, Config{Target: srv.URL, Hitter: h, Schedule: s, Mode: plan.ModeAsync, MaxInFlight: 16, Abort: abort})
			if err != nil {
				t.Fatal(err)
			}
			if took := time.Since(start); took > 20*time.Second {
				t.Errorf("Run took %v: the second Ctrl-C did not abort the requests in flight (timeout 1m)", took)
			}
			canceled := int64(0)
			for _, e := range sum.Errors {
				if e.Key == "canceled" {
					canceled = e.Count
				}
			}
			if !sum.Interrupted || canceled < 3 || canceled != sum.Requests {
				t.Errorf("interrupted %v, %d requests, errors %v: want every request in flight canceled", sum.Interrupted, sum.Requests, sum.Errors)
			}
		})
	}
}
