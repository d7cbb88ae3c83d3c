package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/results"
)

var (
	buildOnce sync.Once
	buildDir  string
	buildErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binary returns the real "client" or "app" binary, both compiled once per
// test run.
func binary(t *testing.T, name string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binaries")
	}
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "cloudperf-client-test"); buildErr != nil {
			return
		}
		cmd := exec.Command("go", "build", "-o", buildDir+string(filepath.Separator),
			"github.com/cloudperf/cloudperf/client", "github.com/cloudperf/cloudperf/app")
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return filepath.Join(buildDir, name)
}

// buildClient is the real client binary.
func buildClient(t *testing.T) string { return binary(t, "client") }

// interruptedSummary waits up to 20 s for an interrupted client to exit
// (killing it and failing with stuck otherwise), checks it exited 130 and
// returns the JSON summary it printed.
func interruptedSummary(t *testing.T, cmd *exec.Cmd, done <-chan error, stdout *bytes.Buffer, stderr fmt.Stringer, stuck string) results.Summary {
	t.Helper()
	var err error
	select {
	case err = <-done:
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("%s; stderr: %s", stuck, stderr.String())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("exit: %v, want 130\nstderr: %s", err, stderr.String())
	}
	var sum results.Summary
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
		t.Fatalf("summary: %v\n%s", err, stdout.String())
	}
	return sum
}

// A SIGINT mid-run stops sending, lets requests in flight finish, flushes the
// log and prints the summary of what was measured, then exits 130.
func TestInterruptFlushesAndSummarises(t *testing.T) {
	bin := buildClient(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			logPath := filepath.Join(t.TempDir(), "run.jsonl")
			cmd := exec.Command(bin, "--local", "--rate", "300", "--duration", "1m", "--out", logPath, "--format", "json")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(1500 * time.Millisecond)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			sum := interruptedSummary(t, cmd, done, &stdout, &stderr, "the client did not stop after the signal")
			if !sum.Interrupted || sum.Requests < 100 || sum.Failed != 0 {
				t.Errorf("summary: interrupted %v, %d requests, %d failed", sum.Interrupted, sum.Requests, sum.Failed)
			}
			f, err := os.Open(logPath)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var n int64
			if err := results.ReadLog(f, func(results.Record) error { n++; return nil }); err != nil {
				t.Fatalf("log does not parse after the interrupt: %v", err)
			}
			if n != sum.Requests {
				t.Errorf("log has %d lines, summary %d requests", n, sum.Requests)
			}
			if !strings.Contains(stderr.String(), "stopped sending") {
				t.Errorf("stderr: %q", stderr.String())
			}
		})
	}
}

// A second SIGINT aborts the requests in flight at once, with either
// engine: a target that never answers and a one-minute --timeout no longer
// leave kill -9 as the only way out. The summary is still printed, exit 130.
func TestSecondInterruptAborts(t *testing.T) {
	bin := buildClient(t)
	for _, engine := range []string{"fasthttp", "net/http"} {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			var arrived atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				arrived.Add(1)
				select { // never answers while the test runs
				case <-r.Context().Done():
				case <-release:
				}
			}))
			defer srv.Close()
			defer close(release)
			logPath := filepath.Join(t.TempDir(), "run.jsonl")
			cmd := exec.Command(bin, "--url", srv.URL, "--rate", "50", "--mode", "async", "--duration", "1m", "--timeout", "1m",
				"--engine", engine, "--out", logPath, "--format", "json")
			var stdout bytes.Buffer
			stderr := &lockedBuffer{}
			cmd.Stdout, cmd.Stderr = &stdout, stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			waitFor := func(what string, ok func() bool) {
				for deadline := time.Now().Add(20 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
					if time.Now().After(deadline) {
						_ = cmd.Process.Kill()
						t.Fatalf("waiting for %s; stderr: %s", what, stderr.String())
					}
				}
			}
			waitFor("requests in flight", func() bool { return arrived.Load() >= 3 })
			_ = cmd.Process.Signal(syscall.SIGINT)
			waitFor("the first interrupt", func() bool { return strings.Contains(stderr.String(), "stopped sending") })
			_ = cmd.Process.Signal(syscall.SIGINT)
			// The requests' timeout is a minute: only the abort ends them in time.
			sum := interruptedSummary(t, cmd, done, &stdout, stderr,
				"the second interrupt did not abort the requests in flight")
			if !sum.Interrupted || sum.Requests < 3 || len(sum.Errors) != 1 || sum.Errors[0].Key != "canceled" || sum.Errors[0].Count != sum.Requests {
				t.Errorf("summary: interrupted %v, %d requests, errors %v: want every request canceled", sum.Interrupted, sum.Requests, sum.Errors)
			}
		})
	}
}

// lockedBuffer is a bytes.Buffer a process writes while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
