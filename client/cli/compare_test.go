package cli

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/plan"
	"github.com/cloudperf/cloudperf/client/results"
)

// steadyRun is 30 s at 50/s with log-normal latencies around median, as
// client --format json prints it.
func steadyRun(t *testing.T, seed uint64, median time.Duration, host string) results.Summary {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 3))
	sched, err := plan.NewSchedule([]plan.Stage{{Duration: 30 * time.Second, From: 50, To: 50}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var rs []results.Result
	for seq := int64(0); ; seq++ {
		at, stage, ok := sched.At(seq)
		if !ok {
			break
		}
		lat := time.Duration(float64(median) * math.Exp(0.4*rng.NormFloat64()))
		rs = append(rs, results.Result{Seq: seq, Stage: stage, Intended: at, Sent: at + 40*time.Microsecond, Done: at + lat,
			Status: 200, Class: results.ClassOK, Host: host, Bytes: 80})
	}
	slices.SortStableFunc(rs, func(a, b results.Result) int { return int(a.Done - b.Done) })
	m := results.NewMetrics(sched, time.Second)
	for _, r := range rs {
		m.Add(r)
	}
	s := m.Summarize(results.RunInfo{Target: "http://127.0.0.1:5000/", Start: mergeStart.Add(time.Duration(seed) * time.Millisecond), Mode: plan.ModeAsync})
	s.Generator = host
	return s
}

func TestCompareCommand(t *testing.T) {
	dir := t.TempDir()
	base := writeFile(t, dir, "base.json", summaryJSON(t, steadyRun(t, 1, 10*time.Millisecond, "gen-a")))
	same := writeFile(t, dir, "same.json", summaryJSON(t, steadyRun(t, 2, 10*time.Millisecond, "gen-a")))
	slower := writeFile(t, dir, "slower.json", summaryJSON(t, steadyRun(t, 3, 14*time.Millisecond, "gen-a")))
	// Two generators' summaries in one kubectl log: merged before comparing.
	pods := writeFile(t, dir, "pods.log", "[pod/load-0-x/client] "+
		strings.ReplaceAll(summaryJSON(t, steadyRun(t, 4, 10*time.Millisecond, "load-0")), "\n", "\n[pod/load-0-x/client] ")+
		"\n"+summaryJSON(t, steadyRun(t, 5, 10*time.Millisecond, "load-1")))

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string
		stderr string
	}{
		{"the same service", []string{"compare", base, same}, ExitOK, []string{"Verdict    no regression", "within noise"}, ""},
		{"slower", []string{"compare", base, slower}, ExitFailed, []string{"REGRESSION", "p99"}, "regression beyond the tolerance: p50 +"},
		{"slower, flags after the inputs", []string{"compare", base, slower, "--tolerance", "60"}, ExitOK, []string{"worse, within tolerance", "Verdict    no regression"}, ""},
		{"merged pods against one run", []string{"compare", base, pods}, ExitOK, []string{"(2 generators merged)", "offered different rates (50.0/s; 100.0/s)"}, ""},
		{"one input", []string{"compare", base}, ExitUsage, nil, "want two inputs, BASE and NEW (got 1)"},
		{"three inputs", []string{"compare", base, same, slower}, ExitUsage, nil, "want two inputs"},
		{"stdin twice", []string{"compare", "-", "-"}, ExitUsage, nil, "only one input can be stdin"},
		{"negative tolerance", []string{"compare", "--tolerance", "-1", base, same}, ExitUsage, nil, "--tolerance"},
		{"bad format", []string{"compare", "--format", "xml", base, same}, ExitUsage, nil, "--format"},
		{"missing file", []string{"compare", base, filepath.Join(dir, "nope.json")}, ExitUsage, nil, "nope.json: no such file"},
		{"not a summary", []string{"compare", base, writeFile(t, dir, "junk.json", `{"hello": 1}`)}, ExitUsage, nil, "no summary found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runMain(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", code, tc.code, stdout, stderr)
			}
			for _, w := range tc.stdout {
				if !strings.Contains(stdout, w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout)
				}
			}
			if tc.stderr != "" && !strings.Contains(stderr, tc.stderr) {
				t.Errorf("stderr %q lacks %q", stderr, tc.stderr)
			}
			if strings.Count(stderr, "\n") > 1 {
				t.Errorf("stderr is more than one line: %q", stderr)
			}
		})
	}
}

func TestCompareJSONAndReport(t *testing.T) {
	dir := t.TempDir()
	base := writeFile(t, dir, "base.json", summaryJSON(t, steadyRun(t, 1, 10*time.Millisecond, "gen-a")))
	slower := writeFile(t, dir, "slower.json", summaryJSON(t, steadyRun(t, 3, 14*time.Millisecond, "gen-a")))
	html := filepath.Join(dir, "compare.html")
	code, stdout, stderr := runMain(t, "compare", "--format", "json", "--report", html, base, slower)
	if code != ExitFailed {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var c results.Comparison
	if err := json.Unmarshal([]byte(stdout), &c); err != nil {
		t.Fatalf("stdout is not a comparison: %v\n%s", err, stdout)
	}
	if c.Base.Name != base || c.New.Name != slower || !slices.Contains(c.Regressions, "p99") || c.TolerancePct != results.DefaultTolerance {
		t.Errorf("comparison %+v", c)
	}
	page, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"regression: p50", "chart-latency", "chart-percentiles", "base.json"} {
		if !strings.Contains(string(page), w) {
			t.Errorf("the report lacks %q", w)
		}
	}
	// An existing report is kept without --force.
	if code, _, stderr := runMain(t, "compare", "--report", html, base, slower); code != ExitUsage || !strings.Contains(stderr, "already exists") {
		t.Errorf("exit %d, %q", code, stderr)
	}
}
