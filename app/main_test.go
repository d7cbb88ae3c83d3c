package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/app/hello"
)

// These tests run the real app binary, built once with go build, as Kubernetes
// would: a process told to stop with SIGTERM.

var (
	binDir   string
	binOnce  sync.Once
	binPath  string
	binError error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "cloudperf-app-test")
	if err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// appBinary builds ./app (this package) once per test run.
func appBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the app binary")
	}
	binOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			binError = err
			return
		}
		binPath = filepath.Join(binDir, "app")
		cmd := exec.Command(goTool, "build", "-o", binPath, ".")
		if out, err := cmd.CombinedOutput(); err != nil {
			binError = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if binError != nil {
		t.Fatal(binError)
	}
	return binPath
}

// process is a running app binary.
type process struct {
	cmd    *exec.Cmd
	url    string
	mu     sync.Mutex
	logs   []map[string]any // stderr, one JSON log line each
	exited chan struct{}    // closed when the process has exited
	err    error            // cmd.Wait's result, once exited
}

// start runs the binary on a loopback port the kernel picks (-addr
// 127.0.0.1:0, read back from the "serving" log line, so no other process can
// take the port in between) and waits until /healthz answers.
func start(t *testing.T, args ...string) *process {
	t.Helper()
	return startWith(t, nil, args...)
}

// startWith is start with setup changing the command before it starts.
func startWith(t *testing.T, setup func(*exec.Cmd), args ...string) *process {
	t.Helper()
	cmd := exec.Command(appBinary(t), append([]string{"-addr", "127.0.0.1:0", "-log-format", "json"}, args...)...)
	cmd.Env = []string{} // no PORT, DRAIN_DELAY... from the test's environment
	if setup != nil {
		setup(cmd)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	addr := make(chan string, 1)
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line map[string]any
			if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
				line = map[string]any{"msg": "NOT JSON: " + sc.Text()}
			}
			p.mu.Lock()
			p.logs = append(p.logs, line)
			p.mu.Unlock()
			if a, ok := line["addr"].(string); ok && line["msg"] == "serving" {
				addr <- a
			}
		}
	}()
	go func() {
		<-scanned // Wait closes the pipe: read it all first
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("app stderr:\n%s", p.logText())
		}
	})

	select {
	case a := <-addr:
		p.url = "http://" + a
	case <-p.exited:
		t.Fatalf("app exited before serving: %v", p.err)
	case <-time.After(30 * time.Second):
		t.Fatal("app did not log that it is serving")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, _, err := p.get("/healthz")
		if err == nil && code == http.StatusOK {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("/healthz never answered 200 (last: %d %v)", code, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (p *process) get(path string) (int, []byte, error) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Timeout: 20 * time.Second, Transport: tr}).Get(p.url + path)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// waitExit waits up to limit for the process to exit and returns its code.
func (p *process) waitExit(t *testing.T, limit time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
	case <-time.After(limit):
		t.Fatalf("app still running %v after the signal", limit)
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		return exit.ExitCode()
	}
	if p.err != nil {
		t.Fatalf("app: %v", p.err)
	}
	return 0
}

func (p *process) messages() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var msgs []string
	for _, l := range p.logs {
		msg, _ := l["msg"].(string)
		msgs = append(msgs, msg)
	}
	return msgs
}

func (p *process) logText() string { return strings.Join(p.messages(), "\n") }

// checkShutdownLogs checks the drain happened in order: readiness, listener, done.
func checkShutdownLogs(t *testing.T, p *process) {
	t.Helper()
	want := []string{"serving", "shutdown: readiness now 503", "shutdown: listener closed, finishing in-flight requests", "shutdown: done"}
	got := p.messages()
	i := 0
	for _, m := range got {
		if i < len(want) && m == want[i] {
			i++
		}
	}
	if i != len(want) {
		t.Errorf("logs %q, want in order %q", got, want)
	}
}

func TestSIGTERMFinishesInFlightRequest(t *testing.T) {
	const grace = 5 * time.Second
	p := start(t, "-drain-delay", "200ms", "-grace-period", grace.String())

	type result struct {
		code int
		body []byte
		err  error
	}
	res := make(chan result, 1)
	go func() {
		code, body, err := p.get("/?delay=1s")
		res <- result{code, body, err}
	}()
	// Signal only once the request is being served.
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, body, err := p.get("/metrics")
		if err == nil && strings.Contains(string(body), "\ncloudperf_http_requests_in_flight 1\n") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the delayed request never showed as in flight (%v)", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()

	var r result
	select {
	case r = <-res:
	case <-time.After(grace + 10*time.Second):
		t.Fatal("the in-flight request never completed")
	}
	if r.err != nil || r.code != http.StatusOK {
		t.Fatalf("in-flight request: %d %q %v, want 200", r.code, r.body, r.err)
	}
	var reply hello.Reply
	if err := json.Unmarshal(r.body, &reply); err != nil || reply.Message != "Hello" || reply.Host == "" || reply.Timestamp == "" {
		t.Errorf("in-flight request body %q (%v): want a full reply", r.body, err)
	}
	// Generous: the request needed well under a second of the grace period.
	if code := p.waitExit(t, grace+5*time.Second); code != 0 {
		t.Errorf("exit %d after SIGTERM, want 0", code)
	}
	t.Logf("exited %v after SIGTERM", time.Since(signalled).Round(time.Millisecond))
	checkShutdownLogs(t, p)
}

func TestSignalIdleExitsZero(t *testing.T) {
	for name, sig := range map[string]syscall.Signal{"SIGTERM": syscall.SIGTERM, "SIGINT": syscall.SIGINT} {
		t.Run(name, func(t *testing.T) {
			p := start(t, "-drain-delay", "100ms", "-grace-period", "5s")
			if err := p.cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if code := p.waitExit(t, 15*time.Second); code != 0 {
				t.Errorf("exit %d after %v, want 0", code, sig)
			}
			checkShutdownLogs(t, p)
		})
	}
}

// A second signal does not wait for the drain: the process dies at once.
func TestSecondSignalExitsAtOnce(t *testing.T) {
	p := start(t, "-drain-delay", "30s", "-grace-period", "30s")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	// Wait until the first signal has been handled.
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, _, err := p.get("/readyz")
		if err == nil && code == http.StatusServiceUnavailable {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz never turned 503 (last: %d %v)", code, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Main restores the default action just after the first signal, in a
	// goroutine that may not have run yet: repeat the signal until it lands.
	go func() {
		for {
			select {
			case <-p.exited:
				return
			case <-time.After(100 * time.Millisecond):
				p.cmd.Process.Signal(syscall.SIGTERM)
			}
		}
	}()
	// Generous, and far below the 30s drain delay.
	if code := p.waitExit(t, 10*time.Second); code == 0 {
		t.Error("exit 0 after a second SIGTERM: want killed by the signal")
	}
}

func TestBinaryBadUsageExitsTwo(t *testing.T) {
	cmd := exec.Command(appBinary(t), "-log-format", "yaml")
	cmd.Env = []string{}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("app -log-format yaml: %v, want exit 2", err)
	}
	if s := stderr.String(); strings.Count(s, "\n") != 1 || !strings.Contains(s, "yaml") {
		t.Errorf("stderr %q, want one line naming yaml", s)
	}
}
