package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/load"
)

// buildClient compiles the real binary once per test run.
func buildClient(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "client")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
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
			var err error
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatal("the client did not stop after the signal")
			}
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 130 {
				t.Fatalf("exit: %v, want 130\nstderr: %s", err, stderr.String())
			}
			var sum load.Summary
			if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil {
				t.Fatalf("summary: %v\n%s", err, stdout.String())
			}
			if !sum.Interrupted || sum.Requests < 100 || sum.Failed != 0 {
				t.Errorf("summary: interrupted %v, %d requests, %d failed", sum.Interrupted, sum.Requests, sum.Failed)
			}
			f, err := os.Open(logPath)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			var n int64
			if err := load.ReadLog(f, func(load.Record) error { n++; return nil }); err != nil {
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
