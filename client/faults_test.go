package main

// The fault suite: the real client binary against servers on 127.0.0.1 that
// fail in each way the README names — killed, stalled, answering 503, resetting
// connections, too slow, not resolving, not HTTP, TLS with a self-signed
// certificate. Whatever the fault, the run completes, the per-request log has
// exactly one line per request sent, the summary's counts equal the log's, and
// the exit code is the documented one. Every scenario runs with both engines.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log"
	"maps"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/cli"
	"github.com/cloudperf/cloudperf/client/results"
)

var engines = []string{"fasthttp", "net/http"}

// clientProc is a running client binary writing a JSON summary and a JSONL log.
type clientProc struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	log            string
	done           chan struct{}
	err            error
}

// clientRun is a finished run: exit code, output, summary and log read back.
type clientRun struct {
	code           int
	stdout, stderr string
	sum            results.Summary
	recs           []results.Record
}

func startClient(t *testing.T, args ...string) *clientProc {
	t.Helper()
	p := &clientProc{log: filepath.Join(t.TempDir(), "run.jsonl"), done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute) // a hung client is killed
	t.Cleanup(cancel)
	p.cmd = exec.CommandContext(ctx, binary(t, "client"), append([]string{"--format", "json", "--quiet", "--out", p.log}, args...)...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.err = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(func() { cancel(); <-p.done })
	return p
}

// wait waits for the client to exit and reads its summary and log.
func (p *clientProc) wait(t *testing.T) *clientRun {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(90 * time.Second): // each run plans a few seconds
		t.Fatal("the client did not finish")
	}
	r := &clientRun{stdout: p.stdout.String(), stderr: p.stderr.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(p.err, &exit):
		r.code = exit.ExitCode()
	case p.err != nil:
		t.Fatalf("client: %v", p.err)
	}
	if err := json.Unmarshal(p.stdout.Bytes(), &r.sum); err != nil {
		t.Fatalf("exit %d, the summary is not JSON: %v\nstdout: %s\nstderr: %s", r.code, err, r.stdout, r.stderr)
	}
	r.recs = readLogFile(t, p.log)
	return r
}

func runClient(t *testing.T, args ...string) *clientRun {
	t.Helper()
	return startClient(t, args...).wait(t)
}

func readLogFile(t *testing.T, path string) []results.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []results.Record
	if err := results.ReadLog(f, func(r results.Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatalf("the log does not read back: %v", err)
	}
	return recs
}

// classes counts the measured (not warm-up) log lines by class.
func (r *clientRun) classes() map[string]int64 {
	n := map[string]int64{}
	for _, rec := range r.recs {
		if !rec.Warmup {
			n[rec.Class]++
		}
	}
	return n
}

// checkAccounting: one log line per request sent, no seq twice, and the
// summary's counts equal the log's, class by class.
func (r *clientRun) checkAccounting(t *testing.T) {
	t.Helper()
	n := int64(len(r.recs))
	if n != r.sum.Requests+r.sum.Warmup {
		t.Errorf("the log has %d lines; the summary counts %d requests + %d warm-up", n, r.sum.Requests, r.sum.Warmup)
	}
	seen := make(map[int64]bool, n)
	for _, rec := range r.recs {
		if rec.Seq < 0 || rec.Seq >= n || seen[rec.Seq] {
			t.Errorf("seq %d is repeated or outside 0..%d", rec.Seq, n-1)
		}
		seen[rec.Seq] = true
	}
	want := map[string]int64{}
	if r.sum.OK > 0 {
		want["ok"] = r.sum.OK
	}
	var errs int64
	for _, e := range r.sum.Errors {
		want[e.Key] = e.Count
		errs += e.Count
	}
	if got := r.classes(); !maps.Equal(got, want) {
		t.Errorf("the log counts %v, the summary %v", got, want)
	}
	if r.sum.Failed != errs || r.sum.OK+r.sum.Failed != r.sum.Requests {
		t.Errorf("summary: %d requests, %d ok, %d failed, %d by class", r.sum.Requests, r.sum.OK, r.sum.Failed, errs)
	}
}

// checkExit checks the exit code, and that stderr is empty on success or one
// line containing want otherwise.
func (r *clientRun) checkExit(t *testing.T, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit %d, want %d; stderr: %s", r.code, code, r.stderr)
	}
	switch {
	case code == 0 && r.stderr != "":
		t.Errorf("stderr on success: %q", r.stderr)
	case code != 0 && (strings.Count(r.stderr, "\n") != 1 || !strings.Contains(r.stderr, want)):
		t.Errorf("stderr %q: want one line containing %q", r.stderr, want)
	}
}

// onlyClasses fails unless every measured request ended in one of classes.
func (r *clientRun) onlyClasses(t *testing.T, classes ...string) {
	t.Helper()
	for c, n := range r.classes() {
		if !slices.Contains(classes, c) {
			t.Errorf("%d requests ended %s; want only %v", n, c, classes)
		}
	}
}

// check is what most fault cases assert: the log and the summary agree, the
// exit code and its one line, and the classes the requests ended in.
func (r *clientRun) check(t *testing.T, code int, says string, classes ...string) {
	t.Helper()
	r.logf(t)
	r.checkAccounting(t)
	r.checkExit(t, code, says)
	r.onlyClasses(t, classes...)
}

func (r *clientRun) logf(t *testing.T) {
	t.Helper()
	t.Logf("exit %d, %d requests, classes %v", r.code, r.sum.Requests, r.classes())
}

// appProc is the real app binary on a loopback port.
type appProc struct {
	cmd    *exec.Cmd
	url    string
	exited chan struct{}
}

func startApp(t *testing.T, args ...string) *appProc {
	t.Helper()
	cmd := exec.Command(binary(t, "app"), append([]string{"-addr", "127.0.0.1:0", "-log-format", "json"}, args...)...)
	cmd.Env = []string{}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &appProc{cmd: cmd, exited: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
				addr <- line.Addr
			}
		}
		_ = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT) // in case a test stopped it
		_ = cmd.Process.Kill()
		<-p.exited
	})
	select {
	case a := <-addr:
		p.url = "http://" + a + "/"
	case <-p.exited:
		t.Fatal("the app exited before serving")
	case <-time.After(30 * time.Second):
		t.Fatal("the app did not log that it is serving")
	}
	return p
}

// waitServed polls /metrics until the app has answered n requests to / with 200.
func (p *appProc) waitServed(t *testing.T, n int) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		if served(client, p.url+"metrics") >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the app never answered %d requests", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func served(client *http.Client, url string) int {
	resp, err := client.Get(url)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "cloudperf_http_requests_total{") &&
			strings.Contains(line, `code="200"`) && strings.Contains(line, `handler="root"`) {
			n, _ := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
			return int(n)
		}
	}
	return 0
}

// rawServer hands every connection accepted on loopback to serve.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				serve(c)
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

// readHead reads a request's header block.
func readHead(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		line, err := br.ReadString('\n')
		if err != nil || line == "\r\n" {
			return
		}
	}
}

func quiet(srv *httptest.Server) *httptest.Server {
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	return srv
}

func writeHello(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"message":"Hello","timestamp":"2026-01-01T00:00:00.000000000Z","host":"fault-test"}`+"\n")
}

func micros(t time.Time) int64 { return t.UnixMicro() }

func TestFaults(t *testing.T) {
	binary(t, "client") // build before the parallel subtests start their clocks
	for _, engine := range engines {
		t.Run(strings.ReplaceAll(engine, "/", ""), func(t *testing.T) {
			t.Parallel()
			faultScenarios(t, engine)
		})
	}
}

func faultScenarios(t *testing.T, engine string) {
	eng := []string{"--engine", engine}

	// kill -9 mid-run: what was answered is ok, a request the server had
	// read when it died is reset, and every request from then on is refused —
	// including those sent on kept-alive connections it left behind, which
	// go again on a new connection.
	t.Run("killed", func(t *testing.T) {
		t.Parallel()
		app := startApp(t)
		c := startClient(t, append(eng, "--url", app.url, "--rate", "200", "--duration", "3s")...)
		app.waitServed(t, 100)
		before := time.Now()
		if err := app.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		<-app.exited
		after := time.Now()
		r := c.wait(t)
		r.check(t, cli.ExitOK, "", "ok", "refused", "reset")
		// When the server was gone, on the client's own clock: the end of
		// the first connection refused. A request sent after it was
		// written to a dead server (its send time is taken before the
		// write), so it is refused, never reset.
		gone := int64(math.MaxInt64)
		for _, rec := range r.recs {
			if rec.Class == "refused" {
				gone = min(gone, rec.Intended+rec.LatencyUS)
			}
		}
		var refusedLater int
		for _, rec := range r.recs {
			done := rec.Intended + rec.LatencyUS
			switch {
			case done < micros(before) && rec.Class != "ok":
				t.Errorf("seq %d ended %s before the kill", rec.Seq, rec.Class)
			case rec.Class == "reset" && rec.Sent > gone:
				t.Errorf("seq %d, sent %v after a connection was refused, was reset: want refused",
					rec.Seq, time.Duration(rec.Sent-gone)*time.Microsecond)
			case rec.Sent > micros(after.Add(500*time.Millisecond)) && rec.Class != "refused":
				t.Errorf("seq %d, sent %v after the kill, ended %s; want refused",
					rec.Seq, time.Duration(rec.Sent-micros(after))*time.Microsecond, rec.Class)
			case rec.Sent > micros(after.Add(500*time.Millisecond)):
				refusedLater++
			}
		}
		if refusedLater == 0 {
			t.Error("no request was sent well after the kill: the run ended too early to show anything")
		}
	})

	// SIGSTOP for a second: nothing fails (the kernel queues the
	// connections), and the stall shows in the corrected latency.
	t.Run("stalled", func(t *testing.T) {
		t.Parallel()
		app := startApp(t)
		c := startClient(t, append(eng, "--url", app.url, "--rate", "200", "--duration", "3s")...)
		app.waitServed(t, 100)
		if err := app.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		stopped := time.Now()
		time.Sleep(time.Second)
		resumed := time.Now()
		if err := app.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		r := c.wait(t)
		r.check(t, cli.ExitOK, "", "ok")
		// The requests sent while the server was stopped (100 ms inside
		// each end of the stall, for the signals to take effect) were all
		// answered once it resumed, so after the last of them was sent:
		// on the client's own clock, no answer came during the stall.
		var during []results.Record
		for _, rec := range r.recs {
			if rec.Sent > micros(stopped.Add(100*time.Millisecond)) && rec.Sent < micros(resumed.Add(-100*time.Millisecond)) {
				during = append(during, rec)
			}
		}
		stalled := len(during)
		var lastSent results.Record
		for _, rec := range during {
			if rec.Sent > lastSent.Sent {
				lastSent = rec
			}
		}
		for _, rec := range during {
			if done := rec.Intended + rec.LatencyUS; done < lastSent.Sent {
				t.Errorf("seq %d, sent during the stall, was answered %v before seq %d was sent, also during it",
					rec.Seq, time.Duration(lastSent.Sent-done)*time.Microsecond, lastSent.Seq)
			}
		}
		t.Logf("%d requests sent during the stall; corrected max %v, service max %v",
			stalled, r.sum.Latency.Max.D(), r.sum.ServiceTime.Max.D())
		if stalled == 0 || r.sum.Latency.Max.D() < 500*time.Millisecond {
			t.Errorf("%d requests sent during the 1 s stall, corrected max %v: the stall does not show",
				stalled, r.sum.Latency.Max.D())
		}
	})

	// A 503 storm for the first 800 ms, then 200s: both are counted, and
	// --max-error-rate turns the storm into exit 1.
	t.Run("5xx storm", func(t *testing.T) {
		t.Parallel()
		var first atomic.Int64
		srv := quiet(httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			first.CompareAndSwap(0, time.Now().UnixNano())
			if time.Since(time.Unix(0, first.Load())) < 800*time.Millisecond {
				http.Error(w, "storm", http.StatusServiceUnavailable)
				return
			}
			writeHello(w)
		})))
		defer srv.Close()
		r := runClient(t, append(eng, "--url", srv.URL, "--rate", "200", "--requests", "400", "--max-error-rate", "1")...)
		r.check(t, cli.ExitFailed, "threshold broken: error_rate<=1", "ok", "http_503")
		if c := r.classes(); c["ok"] == 0 || c["http_503"] == 0 {
			t.Errorf("classes %v: want both ok and http_503", c)
		}
	})

	// Every connection is reset (RST) once the request has arrived.
	t.Run("reset", func(t *testing.T) {
		t.Parallel()
		url := rawServer(t, func(c net.Conn) {
			readHead(c)
			_ = c.(*net.TCPConn).SetLinger(0)
		})
		r := runClient(t, append(eng, "--url", url, "--rate", "50", "--requests", "50")...)
		r.check(t, cli.ExitUnreachable, "(50 of 50: reset)", "reset")
	})

	// The server takes 1 s; the client waits 200 ms.
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		srv := quiet(httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-time.After(time.Second):
				writeHello(w)
			case <-r.Context().Done():
			}
		})))
		defer srv.Close()
		r := runClient(t, append(eng, "--url", srv.URL, "--rate", "20", "--requests", "20", "--mode", "async",
			"--max-in-flight", "50", "--timeout", "200ms")...)
		r.check(t, cli.ExitUnreachable, "No response within --timeout", "timeout")
	})

	t.Run("dns", func(t *testing.T) {
		t.Parallel()
		r := runClient(t, append(eng, "--url", "http://does-not-exist.invalid/", "--rate", "20", "--requests", "10", "--timeout", "3s")...)
		r.check(t, cli.ExitUnreachable, "The host does not resolve", "dns")
	})

	// An SSH server: it speaks first, then rejects the HTTP request as a bad
	// identification string.
	t.Run("not HTTP", func(t *testing.T) {
		t.Parallel()
		url := rawServer(t, func(c net.Conn) {
			_, _ = io.WriteString(c, "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n")
			readHead(c)
			_, _ = io.WriteString(c, "Invalid SSH identification string.\r\n")
		})
		r := runClient(t, append(eng, "--url", url, "--rate", "20", "--requests", "10")...)
		r.check(t, cli.ExitUnreachable, "does not speak HTTP", "protocol")
	})

	// A self-signed certificate fails verification unless --insecure.
	t.Run("TLS", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { writeHello(w) }))
		quiet(srv).StartTLS()
		defer srv.Close()
		r := runClient(t, append(eng, "--url", srv.URL, "--rate", "20", "--requests", "10")...)
		r.check(t, cli.ExitUnreachable, "add --insecure", "tls")

		r = runClient(t, append(eng, "--url", srv.URL, "--rate", "20", "--requests", "10", "--insecure")...)
		r.check(t, cli.ExitOK, "", "ok")
		if r.sum.OK != 10 || len(r.sum.Hosts) != 1 || r.sum.Hosts[0].Key != "fault-test" {
			t.Errorf("--insecure: %d ok, hosts %v", r.sum.OK, r.sum.Hosts)
		}
	})
}
