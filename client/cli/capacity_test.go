package cli

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCapacityUsage(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"capacity", "--local"}, "no threshold to hold"},
		{[]string{"capacity", "--max-p99", "1s"}, "no target"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--rate", "100"}, "--rate is not used"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--duration", "1m"}, "--duration is not used"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--out", "x.csv"}, "--out is not used"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--mode", "sync"}, "--mode sync"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--start-rate", "100", "--max-rate", "50"}, "--max-rate"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--precision", "90"}, "--precision"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--step", "10ms"}, "--step"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--repeats", "-1"}, "--repeats"},
		{[]string{"capacity", "--local", "--max-p99", "1s", "--growth", "fast"}, "--growth"},
	} {
		code, stdout, stderr := runMain(t, tc.args...)
		if code != ExitUsage || !strings.Contains(stderr, tc.want) || stdout != "" || strings.Count(stderr, "\n") != 1 {
			t.Errorf("%v: exit %d, stderr %q, want %q", tc.args, code, stderr, tc.want)
		}
	}
	code, stdout, _ := runMain(t, "capacity", "--help")
	if code != ExitOK || !strings.Contains(stdout, "--max-rate R") || strings.Contains(stdout, "  --duration ") || !strings.Contains(stdout, "(default 2s)") {
		t.Errorf("help: exit %d\n%s", code, stdout)
	}
}

// TestCapacityTargetDown: nothing listens, so the first step has no
// success: exit 3 with the usual hint, after one step.
func TestCapacityTargetDown(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	begin := time.Now()
	code, stdout, stderr := runMain(t, "capacity", "--url", url, "--max-p99", "100ms", "--step", "1s", "--warmup", "0s", "--quiet")
	if code != ExitUnreachable || !strings.Contains(stderr, "Nothing listens there") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "unknown: no request succeeded at 50.0/s") {
		t.Errorf("stdout:\n%s", stdout)
	}
	if d := time.Since(begin); d > 20*time.Second {
		t.Errorf("took %v", d)
	}
}
