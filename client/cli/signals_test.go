package cli

import (
	"bytes"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for concurrent writes and reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// hookWriter calls first before its first write.
type hookWriter struct {
	syncBuffer
	once  sync.Once
	first func()
}

func (h *hookWriter) Write(p []byte) (int, error) {
	h.once.Do(h.first)
	return h.syncBuffer.Write(p)
}

// fakeSignals replaces the process's signals with a channel the test sends on.
func fakeSignals(t *testing.T) (send func(os.Signal)) {
	var mu sync.Mutex
	var c chan<- os.Signal
	notify, stop := notifySignals, stopSignals
	notifySignals = func(ch chan<- os.Signal) { mu.Lock(); c = ch; mu.Unlock() }
	stopSignals = func(chan<- os.Signal) {}
	t.Cleanup(func() { notifySignals, stopSignals = notify, stop })
	return func(s os.Signal) {
		mu.Lock()
		defer mu.Unlock()
		select {
		case c <- s:
		default: // a full channel drops it, as signal.Notify does
		}
	}
}

// watchers lists the goroutines still watching for signals.
func watchers() string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "cli.watchInterrupts") || strings.Contains(g, "cli.Main.func") {
			out = append(out, g)
		}
	}
	return strings.Join(out, "\n\n")
}

// A SIGINT that lands as the run ends — while the summary is written — is
// no data race (go test -race), does not cut the summary short, and leaves
// no goroutine behind once Main has returned.
func TestSignalAsTheRunEnds(t *testing.T) {
	send := fakeSignals(t)
	stdout := &hookWriter{first: func() {
		send(os.Interrupt)
		time.Sleep(100 * time.Millisecond) // time for a watcher, if any, to take it
	}}
	var stderr syncBuffer
	code := Main([]string{"--local", "--rate", "50", "--requests", "3", "--out", ""}, stdout, &stderr)
	if code != ExitOK || !strings.Contains(stdout.String(), "completed") || !strings.Contains(stdout.String(), "Requests   3 sent") {
		t.Errorf("exit %d, stdout:\n%s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	for deadline := time.Now().Add(5 * time.Second); watchers() != "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if w := watchers(); w != "" {
		t.Errorf("a signal watcher outlived Main:\n%s", w)
	}
	before := stderr.String()
	time.Sleep(100 * time.Millisecond)
	if after := stderr.String(); after != before || strings.Contains(after, "stopped sending") {
		t.Errorf("stderr %q after the run", after)
	}
}

// A SIGINT mid-run stops sending and exits 130 with the summary of what was
// measured; the watcher is gone when Main returns.
func TestSignalMidRun(t *testing.T) {
	send := fakeSignals(t)
	url, hits := countingServer(t)
	go func() {
		for hits.Load() < 5 {
			time.Sleep(10 * time.Millisecond)
		}
		send(os.Interrupt)
	}()
	var stdout, stderr syncBuffer
	code := Main([]string{"--url", url, "--rate", "50", "--duration", "1m", "--out", ""}, &stdout, &stderr)
	if code != ExitInterrupted || !strings.Contains(stdout.String(), "interrupted") || !strings.Contains(stderr.String(), "stopped sending") {
		t.Errorf("exit %d, stdout:\n%s\nstderr: %s", code, stdout.String(), stderr.String())
	}
	if w := watchers(); w != "" {
		t.Errorf("a signal watcher outlived Main:\n%s", w)
	}
}
