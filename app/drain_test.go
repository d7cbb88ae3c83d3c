package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Under a 300/s open-loop load, SIGTERM loses nothing: every request the app
// accepted is answered — the client sees no error before the listener closes,
// through the drain delay's Connection: close and reconnects — and from then
// on its connections are refused (or, for one the kernel had queued but the
// app never accepted, reset). The app exits 0. The load is an ordinary
// net/http client that keeps connections alive, as a user's would.
func TestSIGTERMUnderLoad(t *testing.T) {
	p := start(t, "-drain-delay", "1s", "-grace-period", "5s")
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	ran := make(chan []attempt, 1)
	// Until stopped: long enough to span the drain and the exit however slow
	// the machine; the load is stopped a second after the app exits.
	go func() { ran <- openLoop(ctx, p.url+"/", 300) }()

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
	time.AfterFunc(time.Second, stop) // a second of refused requests, then the load ends
	checkShutdownLogs(t, p)
	closed := p.logTime(t, "shutdown: listener closed, finishing in-flight requests")

	var attempts []attempt
	select {
	case attempts = <-ran:
	case <-time.After(60 * time.Second):
		t.Fatal("the load did not end")
	}
	classes := map[string]int{}
	var drained int // sent after SIGTERM, answered before the listener closed
	for _, a := range attempts {
		classes[a.class]++
		switch {
		case a.class != "ok" && a.done.Before(closed):
			t.Errorf("request %d ended %s %v before the listener closed", a.seq, a.class, closed.Sub(a.done))
		case a.class != "ok" && a.class != "refused" && a.class != "reset":
			t.Errorf("request %d ended %s", a.seq, a.class)
		case a.class != "refused" && a.sent.After(exited.Add(500*time.Millisecond)):
			t.Errorf("request %d, sent after the app exited, ended %s: want refused", a.seq, a.class)
		case a.class == "ok" && a.sent.After(signalled):
			drained++
		}
	}
	t.Logf("%d requests: %v; %d answered after SIGTERM; listener closed %v after it",
		len(attempts), classes, drained, closed.Sub(signalled).Round(time.Millisecond))
	if drained == 0 || classes["refused"] == 0 {
		t.Errorf("classes %v, %d ok after SIGTERM: the load should span the drain and the exit", classes, drained)
	}
}

// attempt is one request of the test's load: when it was sent, when it
// ended and how.
type attempt struct {
	seq        int
	sent, done time.Time
	class      string // ok, refused, reset, or what else happened
}

// openLoop sends GET url rate times a second, each on time whatever is still
// out, until ctx is done; then it waits for those in flight and returns
// every request.
func openLoop(ctx context.Context, url string, rate int) []attempt {
	tr := &http.Transport{MaxIdleConnsPerHost: 100}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: 5 * time.Second, Transport: tr}
	var (
		mu       sync.Mutex
		attempts []attempt
		inFlight sync.WaitGroup
	)
	begin := time.Now()
	for seq := 0; ctx.Err() == nil; seq++ {
		time.Sleep(time.Until(begin.Add(time.Duration(seq) * time.Second / time.Duration(rate))))
		inFlight.Go(func() {
			a := attempt{seq: seq, sent: time.Now()}
			resp, err := client.Get(url)
			if err == nil {
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			a.done = time.Now()
			a.class = classify(resp, err)
			mu.Lock()
			attempts = append(attempts, a)
			mu.Unlock()
		})
	}
	inFlight.Wait()
	return attempts
}

// classify names how a request ended.
func classify(resp *http.Response, err error) string {
	switch {
	case err == nil && resp.StatusCode == http.StatusOK:
		return "ok"
	case err == nil:
		return "status " + resp.Status
	case errors.Is(err, syscall.ECONNREFUSED):
		return "refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		strings.Contains(err.Error(), "server closed idle connection"):
		return "reset"
	}
	return err.Error()
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
