package cli

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cloudperf/cloudperf/client/results"
)

func runMain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func readLog(t *testing.T, path string) []results.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var recs []results.Record
	if err := results.ReadLog(f, func(r results.Record) error { recs = append(recs, r); return nil }); err != nil {
		t.Fatalf("log %s does not parse: %v", path, err)
	}
	return recs
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{nil, "no target"},
		{[]string{"--local", "--url", "http://x/"}, "only one of"},
		{[]string{"--local", "--rate", "0"}, "--rate"},
		{[]string{"--local", "--rate", "fast"}, "--rate"},
		{[]string{"--local", "--duration", "-1s"}, "--duration"},
		{[]string{"--local", "--duration", "soon"}, "--duration"},
		{[]string{"--local", "--timeout", "0s"}, "--timeout"},
		{[]string{"--local", "--mode", "turbo"}, "--mode"},
		{[]string{"--local", "--format", "xml"}, "--format"},
		{[]string{"--local", "--stages", "30s"}, "--stages"},
		{[]string{"--local", "--stages", "30s:10", "--rate", "5"}, "--stages replaces"},
		{[]string{"--local", "--requests", "-1"}, "--requests"},
		{[]string{"--local", "--max-p99", "fast"}, "--max-p99"},
		{[]string{"--local", "--max-error-rate", "200"}, "--max-error-rate"},
		{[]string{"--local", "--threshold", "p42<1s"}, "--threshold"},
		{[]string{"--local", "--header", "nocolon"}, "--header"},
		{[]string{"--local", "--path", "nope"}, "--path"},
		{[]string{"--url", "http://x/", "--path", "/a"}, "--path"},
		{[]string{"--project-dir", "/tmp", "--local"}, "--project-dir"},
		{[]string{"--local", "--bogus"}, "--bogus"},
		{[]string{"--local", "extra"}, "unexpected argument"},
		{[]string{"--url", "ftp://x/", "--out", ""}, "ftp://x/"},
		{[]string{"--url", "localhost:5000", "--out", ""}, "localhost:5000"},
		{[]string{"--url", "http://x/\n"}, "--url"},
		{[]string{"--local", "--max-in-flight", "-1"}, "--max-in-flight"},
		{[]string{"--local", "--max-in-flight", "lots"}, "--max-in-flight"},
		{[]string{"--local", "--max-in-flight", "0"}, "--max-in-flight"},
		{[]string{"--local", "--tick", "-1ms"}, "--tick"},
		{[]string{"--local", "--tick", "often"}, "--tick"},
		{[]string{"--local", "--conn-max-age", "-1s"}, "--conn-max-age"},
		{[]string{"--local", "--warmup", "-1s"}, "--warmup"},
		{[]string{"--local", "--warmup", "2000h"}, "--warmup"},
		{[]string{"--local", "--duration", "2000h"}, "--duration"},
		{[]string{"--local", "--timeout", "-1s"}, "--timeout"},
		{[]string{"--local", "--requests", "many"}, "--requests"},
		{[]string{"--local", "--keepalive=maybe"}, "--keepalive"},
		{[]string{"--local", "--rate"}, "--rate"},
		{[]string{"--local", "--header"}, "--header"},
		{[]string{"--local", "--header", "Bad Name: x"}, "--header"},
		{[]string{"--local", "--header", "X-Ok: a\r\nX-Injected: b"}, "--header"},
		{[]string{"--local", "--method", ""}, "--method"},
		{[]string{"--local", "--method", "GET POST"}, "--method"},
		{[]string{"--local", "--method", "GET\n"}, "--method"},
		{[]string{"--local", "--engine", "curl"}, "--engine"},
		{[]string{"--local", "--report"}, "--report"},
		{[]string{"--local", "--out", "run.html", "--report", "./run.html"}, "--report"},
		{[]string{"--local", "--path", "/\x00"}, "--path"},
		{[]string{"--local", "--bo\ngus"}, `--bo\ngus`},
		{[]string{"--local", "--stages", "1s:x\n"}, "--stages"},
		{[]string{"--local", "--threshold", "p99<1s\n"}, "--threshold"},
		{[]string{"--local", "--out", "run.json"}, "name it run.jsonl"},
		{[]string{"--local", "--out", "x/run.JSON"}, "--out x/run.JSON"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runMain(t, tt.args...)
		if code != ExitUsage {
			t.Errorf("%q: exit %d, want %d", tt.args, code, ExitUsage)
		}
		if stdout != "" {
			t.Errorf("%q: wrote to stdout: %q", tt.args, stdout)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "client: ") || !strings.Contains(stderr, tt.want) {
			t.Errorf("%q: stderr %q, want one line naming %q", tt.args, stderr, tt.want)
		}
	}
}

func TestHelp(t *testing.T) {
	code, stdout, _ := runMain(t, "--help")
	if code != 0 || !strings.Contains(stdout, "--from-stack") || !strings.Contains(stdout, "Exit codes") {
		t.Fatalf("--help: exit %d\n%s", code, stdout)
	}
}

func TestLocalRun(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "run.csv")
	code, stdout, stderr := runMain(t, "--local", "--rate", "200", "--requests", "200", "--out", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"Requests   200 sent, 200 ok", "corrected", "service", "Hosts      local 200", "Log        " + out} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	if recs := readLog(t, out); len(recs) != 200 {
		t.Errorf("log has %d records", len(recs))
	}
}

func TestRequestLimitAndJSON(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "run.jsonl")
	code, stdout, stderr := runMain(t, "--local", "--rate", "500", "--requests", "30", "--format", "json", "--out", out)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var s results.Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("--format json is not JSON: %v\n%s", err, stdout)
	}
	if s.Requests != 30 || s.OK != 30 || s.Mode != "async" || s.Log != out {
		t.Errorf("summary: %+v", s)
	}
	if recs := readLog(t, out); len(recs) != 30 {
		t.Errorf("log has %d records", len(recs))
	}
}

func TestThresholdBroken(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runMain(t, "--local", "--rate", "20", "--requests", "6", "--out", "",
		"--max-p99", "1ns", "--max-error-rate", "1", "--threshold", "rate>=1")
	if code != ExitFailed {
		t.Fatalf("exit %d, want %d", code, ExitFailed)
	}
	if !strings.Contains(stderr, "threshold broken: p99<=1ns") || strings.Contains(stderr, "error_rate") {
		t.Errorf("stderr should name only the broken threshold: %q", stderr)
	}
	if !strings.Contains(stdout, "Threshold  p99<=1ns: BROKEN") || !strings.Contains(stdout, "Threshold  error_rate<=1: ok") {
		t.Errorf("summary:\n%s", stdout)
	}
}

func TestUnreachable(t *testing.T) {
	t.Parallel()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	url := "http://" + ln.Addr().String() + "/"
	ln.Close()
	out := filepath.Join(t.TempDir(), "run.csv")
	code, stdout, stderr := runMain(t, "--url", url, "--rate", "20", "--requests", "6", "--out", out)
	if code != ExitUnreachable {
		t.Fatalf("exit %d, want %d", code, ExitUnreachable)
	}
	if !strings.Contains(stderr, "Nothing listens there") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("stderr: %q", stderr)
	}
	recs := readLog(t, out)
	if len(recs) != 6 || recs[0].Class != "refused" || !strings.Contains(stdout, "refused 6") {
		t.Errorf("%d records, summary:\n%s", len(recs), stdout)
	}
}

func TestOutNeverOverwrittenSilently(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "run.csv")
	if err := os.WriteFile(out, []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runMain(t, "--local", "--rate", "10", "--requests", "2", "--out", out)
	if code != ExitUsage || !strings.Contains(stderr, "--force") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != "precious" {
		t.Fatal("the existing log was changed")
	}
	if code, _, stderr := runMain(t, "--local", "--rate", "10", "--requests", "2", "--out", out, "--force"); code != ExitOK {
		t.Fatalf("with --force: exit %d, %s", code, stderr)
	}
	if recs := readLog(t, out); len(recs) != 2 {
		t.Errorf("overwritten log has %d records", len(recs))
	}
}

func TestDefaultLogName(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	if code, _, stderr := runMain(t, "--local", "--rate", "10", "--requests", "2"); code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	logs, _ := filepath.Glob(filepath.Join(dir, "cloudperf-*.csv"))
	if len(logs) != 1 {
		t.Fatalf("default log not written: %v", logs)
	}
}

func TestWarmupIsLoggedNotCounted(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "run.csv")
	code, stdout, stderr := runMain(t, "--local", "--rate", "40", "--requests", "20", "--warmup", "250ms", "--out", out, "--format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var s results.Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatal(err)
	}
	if s.Requests != 20 || s.Warmup != 10 || s.Latency.Count != 20 {
		t.Errorf("requests %d, warm-up %d, latency count %d; want 20, 10, 20", s.Requests, s.Warmup, s.Latency.Count)
	}
	warm := 0
	recs := readLog(t, out)
	for _, r := range recs {
		if r.Warmup {
			warm++
		}
	}
	if len(recs) != 30 || warm != 10 {
		t.Errorf("log: %d records, %d warm-up", len(recs), warm)
	}
}

func TestReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	html := filepath.Join(dir, "run.html")
	code, stdout, stderr := runMain(t, "--local", "--rate", "100", "--requests", "100", "--out", "", "--report", html)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	b, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(b, []byte("chart-latency")) || !strings.Contains(stdout, "Requests   100 sent") {
		t.Fatalf("report not written (%v), %d bytes", err, len(b))
	}
	// An existing report is not replaced without --force, and nothing else is written.
	code, _, stderr = runMain(t, "--local", "--rate", "10", "--duration", "200ms", "--out", filepath.Join(dir, "x.csv"), "--report", html)
	if code != ExitUsage || !strings.Contains(stderr, "--report") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "x.csv")); !os.IsNotExist(err) {
		t.Error("a run refused for its report left a log behind")
	}
}

// Without cluster access the client says so once and carries on.
func TestObserveWithoutCluster(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runMain(t, "--local", "--rate", "20", "--duration", "1s", "--out", "",
		"--deployment", "cloudperf", "--kubeconfig", filepath.Join(t.TempDir(), "missing"))
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Count(stderr, "no cluster observed") != 1 || !strings.Contains(stderr, "carrying on") {
		t.Errorf("stderr: %q", stderr)
	}
	if !strings.Contains(stdout, "Cluster    no cluster observed: kubeconfig") {
		t.Errorf("summary:\n%s", stdout)
	}
}

// A flag given twice, a URL given as an argument or without its scheme, and
// a threshold shorthand without a unit: each is one line saying what to do,
// in the user's own terms.
func TestUsageMistakesPeopleMake(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args     []string
		want     string
		mustNot  string
		exitCode int
	}{
		{[]string{"--url", "http://127.0.0.1:1/", "--url", "http://127.0.0.1:2/"}, "--url is given twice: give it once", "", ExitUsage},
		{[]string{"--local", "--rate", "10", "--rate", "20"}, "--rate is given twice", "", ExitUsage},
		{[]string{"--local", "--local"}, "--local is given twice", "", ExitUsage},
		{[]string{"merge", "--format", "json", "--format", "text", "x.json"}, "--format is given twice", "", ExitUsage},
		{[]string{"http://127.0.0.1:5000/"}, `unexpected argument "http://127.0.0.1:5000/": the target is a flag, as in client --url http://127.0.0.1:5000/`, "", ExitUsage},
		{[]string{"--rate", "10", "127.0.0.1:5000"}, "as in client --url http://127.0.0.1:5000", "", ExitUsage},
		{[]string{"--url", "127.0.0.1:5000/"}, `--url "127.0.0.1:5000/" has no scheme: did you mean --url http://127.0.0.1:5000/?`, "", ExitUsage},
		{[]string{"--url", "localhost:5000"}, "did you mean --url http://localhost:5000?", "", ExitUsage},
		{[]string{"--local", "--max-p99", "50"}, "--max-p99: want a duration with its unit, such as 250ms", "p99<=", ExitUsage},
		{[]string{"--local", "--max-error-rate", "200"}, "--max-error-rate: want a percentage from 0 to 100", "error_rate", ExitUsage},
		{[]string{"--local", "--min-rate", "fast"}, "--min-rate: want requests per second", "rate>=", ExitUsage},
	} {
		code, stdout, stderr := runMain(t, tc.args...)
		if code != tc.exitCode || stdout != "" || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) ||
			(tc.mustNot != "" && strings.Contains(stderr, tc.mustNot)) {
			t.Errorf("%q: exit %d, stderr %q; want %d and one line with %q", tc.args, code, stderr, tc.exitCode, tc.want)
		}
	}
	// Repeatable flags stay repeatable.
	if code, _, stderr := runMain(t, "--local", "--requests", "2", "--rate", "20", "--out", "", "--header", "X-A: 1", "--header", "X-B: 2",
		"--threshold", "p99<1m", "--threshold", "error_rate<=100"); code != ExitOK {
		t.Errorf("repeated --header and --threshold: exit %d: %s", code, stderr)
	}
}
