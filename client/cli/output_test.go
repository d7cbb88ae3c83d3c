package cli

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/cloudperf/cloudperf/client/results"
)

// countingServer answers every request and counts them: a run refused before
// it starts must send nothing.
func countingServer(t *testing.T) (url string, hits *atomic.Int64) {
	t.Helper()
	hits = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = w.Write([]byte(`{"message":"Hello","timestamp":"2026-01-01T00:00:00.000000000Z","host":"h"}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL, hits
}

// An output that cannot be created refuses the run before a request is sent,
// in one line naming the flag and the reason, and leaves nothing behind. The
// tests run as root, for whom permission bits are no obstacle: a missing
// directory and a file where a directory should be are.
func TestOutputCannotBeCreated(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	log := filepath.Join(dir, "run.csv")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"log in a missing directory", []string{"--out", filepath.Join(dir, "missing", "run.csv")},
			"--out: cannot create " + filepath.Join(dir, "missing", "run.csv") + ": no such file or directory"},
		{"log under a file", []string{"--out", filepath.Join(file, "run.csv")},
			"--out: cannot create " + filepath.Join(file, "run.csv") + ": not a directory"},
		{"log is a directory", []string{"--out", dir}, "--out " + dir + " is a directory"},
		{"log is a directory, forced", []string{"--out", dir, "--force"}, "is a directory"},
		{"report in a missing directory", []string{"--out", log, "--report", filepath.Join(dir, "missing", "r.html")},
			"--report: cannot create " + filepath.Join(dir, "missing", "r.html") + ": no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url, hits := countingServer(t)
			code, stdout, stderr := runMain(t, append([]string{"--url", url, "--rate", "10", "--duration", "200ms"}, tt.args...)...)
			if code != ExitUsage || stdout != "" {
				t.Errorf("exit %d, stdout %q; want %d and nothing", code, stdout, ExitUsage)
			}
			if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tt.want) {
				t.Errorf("stderr %q: want one line containing %q", stderr, tt.want)
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("%d requests sent", n)
			}
			if _, err := os.Stat(log); !os.IsNotExist(err) {
				t.Errorf("a refused run left %s behind", log)
			}
		})
	}
}

// A full disk mid-run stops the run: one line says so, the summary of what
// was measured is still printed, and the exit code is 1.
func TestLogWriteErrorStopsTheRun(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	// 1000/s for 20 s: the log's first 64 KiB fill in about a second.
	code, stdout, stderr := runMain(t, "--local", "--rate", "1000", "--duration", "20s", "--out", "/dev/full", "--force", "--format", "json")
	if code != ExitFailed {
		t.Fatalf("exit %d, want %d; stderr %q", code, ExitFailed, stderr)
	}
	const want = "client: writing the log /dev/full: no space left on device; the run was stopped there, and the log keeps 0 requests"
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr %q: want one line starting %q", stderr, want)
	}
	var s results.Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("no summary after the log failed: %v\n%s", err, stdout)
	}
	if !s.Interrupted || s.Requests == 0 || s.Requests >= 20000 || s.Log != "/dev/full" {
		t.Errorf("summary: interrupted %v, %d requests of 20000, log %q: want a run stopped early", s.Interrupted, s.Requests, s.Log)
	}
	t.Logf("stopped after %d requests, %v", s.Requests, s.Elapsed.D())
}

// A log that fails only when flushed at the end: the run had completed, and
// the text summary is printed before the one-line error.
func TestLogWriteErrorAtTheEnd(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	code, stdout, stderr := runMain(t, "--local", "--rate", "100", "--duration", "200ms", "--out", "/dev/full", "--force")
	if code != ExitFailed {
		t.Fatalf("exit %d, want %d; stderr %q", code, ExitFailed, stderr)
	}
	const want = "client: writing the log /dev/full: no space left on device; the log keeps 0 of the 20 requests"
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, want) {
		t.Errorf("stderr %q: want one line starting %q", stderr, want)
	}
	if !strings.Contains(stdout, "Requests   ") || !strings.Contains(stdout, "completed") {
		t.Errorf("summary:\n%s", stdout)
	}
}

// A report that cannot be written after the run: the summary is printed, the
// log is complete, and the exit code is 1.
func TestReportWriteError(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full")
	}
	log := filepath.Join(t.TempDir(), "run.csv")
	code, stdout, stderr := runMain(t, "--local", "--rate", "100", "--requests", "20", "--out", log, "--report", "/dev/full", "--force")
	if code != ExitFailed {
		t.Fatalf("exit %d, want %d; stderr %q", code, ExitFailed, stderr)
	}
	if strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, "writing the report /dev/full") || !strings.Contains(stderr, "no space left on device") {
		t.Errorf("stderr %q", stderr)
	}
	if !strings.Contains(stdout, "Requests   20 sent") {
		t.Errorf("summary:\n%s", stdout)
	}
	if recs := readLog(t, log); len(recs) != 20 {
		t.Errorf("log has %d lines, want 20", len(recs))
	}
}

// Neither an existing log nor an existing report is replaced without --force,
// and a run refused for one writes neither.
func TestOutputsNeverOverwrittenSilently(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	log, html := filepath.Join(dir, "run.csv"), filepath.Join(dir, "run.html")
	for _, tt := range []struct {
		name     string
		existing string
		flag     string
	}{{"log", log, "--out"}, {"report", html, "--report"}} {
		t.Run(tt.name, func(t *testing.T) {
			if err := os.WriteFile(tt.existing, []byte("precious"), 0o644); err != nil {
				t.Fatal(err)
			}
			defer os.Remove(tt.existing)
			url, hits := countingServer(t)
			code, stdout, stderr := runMain(t, "--url", url, "--rate", "10", "--duration", "200ms", "--out", log, "--report", html)
			if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tt.flag+" "+tt.existing+" already exists: pass --force") {
				t.Errorf("exit %d, stderr %q", code, stderr)
			}
			if b, _ := os.ReadFile(tt.existing); string(b) != "precious" {
				t.Errorf("%s was changed", tt.existing)
			}
			for _, f := range []string{log, html} {
				if _, err := os.Stat(f); f != tt.existing && !os.IsNotExist(err) {
					t.Errorf("the refused run wrote %s", f)
				}
			}
			if n := hits.Load(); n != 0 {
				t.Errorf("%d requests sent", n)
			}
		})
	}
}
