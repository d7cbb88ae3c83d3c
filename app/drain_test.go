package main

import (
	"bytes"
	"context"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/load"
	"github.com/cloudperf/cloudperf/client/plan"
	"github.com/cloudperf/cloudperf/client/results"
)

// Under a 300/s open-loop load, SIGTERM loses nothing: every request the app
// accepted is answered — the client sees no error before the listener closes,
// through the drain delay's Connection: close and reconnects — and from then
// on its connections are refused (or, for one the kernel had queued but the
// app never accepted, reset). The app exits 0. Both client engines.
func TestSIGTERMUnderLoad(t *testing.T) {
	for _, engine := range []string{"fasthttp", "net/http"} {
		t.Run(strings.ReplaceAll(engine, "/", ""), func(t *testing.T) {
			t.Parallel()
			p := start(t, "-drain-delay", "1s", "-grace-period", "5s")
			opts := load.HTTPOptions{URL: p.url + "/", Timeout: 5 * time.Second, KeepAlive: true, MaxConns: 1500}
			var hitter interface {
				load.Hitter
				Close()
			}
			var err error
			if engine == "net/http" {
				hitter, err = load.NewHTTPHitter(opts)
			} else {
				hitter, err = load.NewFastHitter(opts)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer hitter.Close()
			// Long enough to span the drain and the exit however slow the
			// machine; the run is stopped a second after the app exits.
			schedule, err := plan.NewSchedule([]plan.Stage{{Duration: time.Minute, From: 300, To: 300}}, 0)
			if err != nil {
				t.Fatal(err)
			}
			var log bytes.Buffer
			type outcome struct {
				sum results.Summary
				err error
			}
			ran := make(chan outcome, 1)
			ctx, stop := context.WithCancel(context.Background())
			defer stop()
			go func() {
				sum, err := load.Run(ctx, load.Config{
					Target: opts.URL, Hitter: hitter, Schedule: schedule, Mode: plan.ModeAsync, MaxInFlight: 1500,
					Log: &log, LogFormat: results.LogJSONL, LogName: "memory",
				})
				ran <- outcome{sum, err}
			}()

			// SIGTERM once the app has answered 300 requests, about 1 s in.
			deadline := time.Now().Add(30 * time.Second)
			for served(p) < 300 {
				if time.Now().After(deadline) {
					t.Fatal("the app never answered 300 requests")
				}
				time.Sleep(20 * time.Millisecond)
			}
			signalled := time.Now()
			if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			if code := p.waitExit(t, 30*time.Second); code != 0 {
				t.Errorf("exit %d after SIGTERM under load, want 0", code)
			}
			exited := time.Now()
			time.AfterFunc(time.Second, stop) // a second of refused requests, then the run ends
			checkShutdownLogs(t, p)
			closed := p.logTime(t, "shutdown: listener closed, finishing in-flight requests")

			var o outcome
			select {
			case o = <-ran:
			case <-time.After(60 * time.Second):
				t.Fatal("the load run did not end")
			}
			if o.err != nil {
				t.Fatal(o.err)
			}
			var recs []results.Record
			if err := results.ReadLog(&log, func(r results.Record) error { recs = append(recs, r); return nil }); err != nil {
				t.Fatal(err)
			}
			if int64(len(recs)) != o.sum.Requests {
				t.Errorf("%d log lines, %d requests", len(recs), o.sum.Requests)
			}

			classes := map[string]int{}
			var drained int // sent after SIGTERM, answered before the listener closed
			for _, r := range recs {
				classes[r.Class]++
				done := r.Intended + r.LatencyUS
				switch {
				case r.Class != "ok" && done < closed.UnixMicro():
					t.Errorf("seq %d ended %s %v before the listener closed", r.Seq, r.Class,
						time.Duration(closed.UnixMicro()-done)*time.Microsecond)
				case r.Class != "ok" && r.Class != "refused" && r.Class != "reset":
					t.Errorf("seq %d ended %s", r.Seq, r.Class)
				case r.Class != "refused" && r.Sent > exited.Add(500*time.Millisecond).UnixMicro():
					t.Errorf("seq %d, sent after the app exited, ended %s: want refused", r.Seq, r.Class)
				case r.Class == "ok" && r.Sent > signalled.UnixMicro():
					drained++
				}
			}
			t.Logf("%d requests: %v; %d answered after SIGTERM; listener closed %v after it",
				len(recs), classes, drained, closed.Sub(signalled).Round(time.Millisecond))
			if drained == 0 || classes["refused"] == 0 {
				t.Errorf("classes %v, %d ok after SIGTERM: the run should span the drain and the exit", classes, drained)
			}
		})
	}
}

// served is how many GET / the app has answered with 200 (0 if it cannot tell).
func served(p *process) int {
	code, body, err := p.get("/metrics")
	if err != nil || code != http.StatusOK {
		return 0
	}
	for _, line := range strings.Split(string(body), "\n") {
		if strings.HasPrefix(line, "cloudperf_http_requests_total{") &&
			strings.Contains(line, `code="200"`) && strings.Contains(line, `handler="root"`) {
			n, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			return int(n)
		}
	}
	return 0
}

// logTime is when the app logged msg.
func (p *process) logTime(t *testing.T, msg string) time.Time {
	t.Helper()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.logs {
		if l["msg"] == msg {
			s, _ := l["time"].(string)
			at, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Fatalf("log line %v: time: %v", l, err)
			}
			return at
		}
	}
	t.Fatalf("the app never logged %q", msg)
	return time.Time{}
}
