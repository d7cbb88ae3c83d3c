//go:build linux

package cluster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLastLines(t *testing.T) {
	for _, tc := range []struct {
		in   string
		n    int
		want string
	}{
		{"a\nb\nc\n", 2, "b\nc"},
		{"a\nb\nc", 5, "a\nb\nc"},
		{"", 3, ""},
		{"a\nb\n", 0, ""},
		{"only", 1, "only"},
	} {
		if got := lastLines([]byte(tc.in), tc.n); got != tc.want {
			t.Errorf("lastLines(%q, %d) = %q, want %q", tc.in, tc.n, got, tc.want)
		}
	}
}

// TestStopKillsGroup starts a shell that ignores SIGTERM and has a child:
// stop must SIGKILL the whole group after the grace period.
func TestStopKillsGroup(t *testing.T) {
	dir := t.TempDir()
	log := filepath.Join(dir, "sh.log")
	script := `trap "" TERM; sleep 300 & echo child $!; echo sh-$((6*7)); wait`
	p, err := startProcess("sh", "/bin/sh", []string{"-c", script}, nil, dir, log)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(tailFile(log, 5), "sh-42") { // not in the command line
		if time.Now().After(deadline) {
			t.Fatalf("shell not ready: %s", tailFile(log, 5))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !groupAlive(p.pid()) {
		t.Fatal("group not alive")
	}
	if ended, werr := p.exited(); ended {
		t.Fatalf("shell exited early: %v\n%s", werr, tailFile(log, 10))
	}
	t0 := time.Now()
	p.stop(300 * time.Millisecond)
	if d := time.Since(t0); d < 300*time.Millisecond || d > 5*time.Second {
		_, werr := p.exited()
		t.Errorf("stop took %s (%v)\n%s", d, werr, tailFile(log, 10))
	}
	if groupAlive(p.pid()) || pidAlive(p.pid()) {
		t.Error("process group still alive after stop")
	}
	if ended, _ := p.exited(); !ended {
		t.Error("not reaped")
	}
	p.stop(time.Second) // idempotent on a dead process
	if !strings.HasPrefix(tailFile(log, 10), "+ /bin/sh -c") {
		t.Errorf("log lacks the command line: %q", tailFile(log, 10))
	}
	if _, err := os.Stat(log); err != nil {
		t.Fatal(err)
	}
}
