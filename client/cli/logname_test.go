package cli

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Runs in the same second never collide over the default log: each gets a
// name of its own, and nothing that was there is touched.
func TestDefaultLogNeverCollides(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	// Every name the runs below could pick by the second is taken already.
	now := time.Now()
	taken := map[string]bool{}
	for d := -time.Second; d <= 10*time.Second; d += time.Second {
		name := "cloudperf-" + now.Add(d).UTC().Format("20060102-150405") + ".csv"
		if err := os.WriteFile(name, []byte("precious"), 0o644); err != nil {
			t.Fatal(err)
		}
		taken[name] = true
	}
	for i := range 2 {
		if code, _, stderr := runMain(t, "--local", "--rate", "10", "--requests", "2"); code != ExitOK {
			t.Fatalf("run %d: exit %d: %s", i+1, code, stderr)
		}
	}
	logs, _ := filepath.Glob("cloudperf-*.csv")
	var fresh []string
	for _, l := range logs {
		b, _ := os.ReadFile(l)
		if taken[l] {
			if string(b) != "precious" {
				t.Errorf("%s was overwritten", l)
			}
			continue
		}
		fresh = append(fresh, l)
		if recs := readLog(t, l); len(recs) != 2 {
			t.Errorf("%s has %d records, want 2", l, len(recs))
		}
	}
	if len(fresh) != 2 {
		t.Errorf("new logs %v, want 2", fresh)
	}
}

// The default logs are litter to git: .gitignore ignores them.
func TestDefaultLogIsIgnoredByGit(t *testing.T) {
	f, err := os.Open(filepath.Join("..", "..", ".gitignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var patterns []string
	for sc := bufio.NewScanner(f); sc.Scan(); {
		if p := strings.TrimSpace(sc.Text()); p != "" && !strings.HasPrefix(p, "#") && !strings.Contains(strings.TrimSuffix(p, "/"), "/") {
			patterns = append(patterns, p)
		}
	}
	for _, name := range []string{"cloudperf-20261127-200025.csv", "cloudperf-20261127-200025-2.csv"} {
		ignored := false
		for _, p := range patterns {
			if ok, _ := filepath.Match(p, name); ok {
				ignored = true
			}
		}
		if !ignored {
			t.Errorf(".gitignore (%v) does not ignore %s", patterns, name)
		}
	}
}

// --out - writes the log to stdout, and the summary to stderr.
func TestLogToStdout(t *testing.T) {
	t.Chdir(t.TempDir())
	code, stdout, stderr := runMain(t, "--local", "--rate", "20", "--requests", "5", "--out", "-")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 6 || !strings.HasPrefix(lines[0], "seq,stage,") {
		t.Errorf("stdout is not the CSV log of 5 requests:\n%s", stdout)
	}
	if !strings.Contains(stderr, "Requests   5 sent, 5 ok") || !strings.Contains(stderr, "Log        stdout") {
		t.Errorf("stderr is not the summary:\n%s", stderr)
	}
	if left, _ := filepath.Glob("*"); len(left) != 0 {
		t.Errorf("files written: %v", left)
	}
}

// --out /dev/null (or any device or pipe) is written to as it is: it exists,
// but replacing it is not what --force guards against.
func TestLogToDevNull(t *testing.T) {
	if _, err := os.Stat(os.DevNull); err != nil {
		t.Skip("no", os.DevNull)
	}
	t.Parallel()
	code, stdout, stderr := runMain(t, "--local", "--rate", "20", "--requests", "5", "--out", os.DevNull)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "Requests   5 sent, 5 ok") || !strings.Contains(stdout, "Log        "+os.DevNull) {
		t.Errorf("summary:\n%s", stdout)
	}
	if fi, err := os.Stat(os.DevNull); err != nil || fi.Mode().IsRegular() {
		t.Errorf("%s is no longer a device: %v", os.DevNull, err)
	}
}

// --max-in-flight does nothing to a sync run: the client says so, once, and
// runs; an async run takes it silently.
func TestMaxInFlightInSyncModeIsNoted(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		note bool
	}{
		{[]string{"--rate", "20"}, true},
		{[]string{"--rate", "200", "--mode", "sync"}, true},
		{[]string{"--rate", "20", "--mode", "async"}, false},
		{[]string{"--rate", "200"}, false},
		{[]string{"--stages", "1s:20,1s:200"}, false}, // the second stage is async
	} {
		args := append([]string{"--local", "--requests", "3", "--out", "", "--max-in-flight", "4"}, tc.args...)
		code, _, stderr := runMain(t, args...)
		if code != ExitOK {
			t.Fatalf("%q: exit %d: %s", args, code, stderr)
		}
		if got := strings.Count(stderr, "client: note: --max-in-flight applies to async dispatch only"); got != map[bool]int{true: 1, false: 0}[tc.note] {
			t.Errorf("%q: stderr %q, want the note %v", args, stderr, tc.note)
		}
	}
}
