package cli

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/plan"
	"github.com/cloudperf/cloudperf/client/results"
)

var mergeStart = time.Date(2026, 11, 27, 17, 35, 1, 0, time.UTC)

// testSummary is a generator's run of n requests, the i-th taking i+1 ms
// (plus extra), as `client --format json` prints it.
func testSummary(t *testing.T, start time.Time, n int, extra time.Duration, host string) results.Summary {
	t.Helper()
	sched, err := plan.NewSchedule([]plan.Stage{{Duration: 2 * time.Second, From: 10, To: 10}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := results.NewMetrics(sched, time.Second)
	for i := 0; i < n; i++ {
		at := time.Duration(i) * 100 * time.Millisecond
		m.Add(results.Result{
			Seq: int64(i), Intended: at, Sent: at + 50*time.Microsecond,
			Done:   at + time.Duration(i+1)*time.Millisecond + extra,
			Status: 200, Class: results.ClassOK, Host: host, Bytes: 80,
		})
	}
	return m.Summarize(results.RunInfo{Target: "http://cloudperf.default.svc.cluster.local:5000/", Start: start, Mode: plan.ModeAuto})
}

func summaryJSON(t *testing.T, s results.Summary) string {
	t.Helper()
	var b bytes.Buffer
	if err := writeSummary(&b, "json", s); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// mergedJSON runs client merge --format json and decodes its output.
func mergedJSON(t *testing.T, args ...string) results.Summary {
	t.Helper()
	code, stdout, stderr := runMain(t, append([]string{"merge", "--format", "json"}, args...)...)
	if code != ExitOK {
		t.Fatalf("merge %q: exit %d: %s", args, code, stderr)
	}
	var s results.Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatalf("merge --format json is not a summary: %v\n%s", err, stdout)
	}
	return s
}

func TestMergeFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := testSummary(t, mergeStart, 20, 0, "pod-a")
	b := testSummary(t, mergeStart.Add(30*time.Millisecond), 10, 5*time.Millisecond, "pod-b")
	fa := writeFile(t, dir, "a.json", summaryJSON(t, a))
	fb := writeFile(t, dir, "b.json", summaryJSON(t, b))

	code, stdout, stderr := runMain(t, "merge", fa, fb)
	if code != ExitOK || stderr != "" {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	for _, want := range []string{"Merged     2 runs, started within 30.0ms", "Requests   30 sent, 30 ok", "pod-a 20 (66.7%), pod-b 10 (33.3%)"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("text summary lacks %q:\n%s", want, stdout)
		}
	}

	got := mergedJSON(t, fa, fb)
	want, err := results.Merge([]results.Summary{a, b})
	if err != nil {
		t.Fatal(err)
	}
	if got.Requests != 30 || got.Latency != roundTripped(t, want).Latency || got.Merged.Runs != 2 || got.LagHistogram == "" {
		t.Errorf("merged %+v\nwant %+v", got, want)
	}
	// The p99 of the union, not an average of the two p99s.
	if got.Latency.P99.D() < 15*time.Millisecond {
		t.Errorf("merged p99 %v", got.Latency.P99.D())
	}
}

func roundTripped(t *testing.T, s results.Summary) results.Summary {
	t.Helper()
	var out results.Summary
	if err := json.Unmarshal([]byte(summaryJSON(t, s)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestMergeKubectlLogs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	runs := []results.Summary{
		testSummary(t, mergeStart, 5, 0, "pod-a"),
		testSummary(t, mergeStart.Add(time.Millisecond), 6, 0, "pod-b"),
		testSummary(t, mergeStart.Add(2*time.Millisecond), 7, 0, "pod-c"),
	}

	// kubectl logs -l job-name=... --tail=-1: the pods one after another,
	// stderr lines and a non-summary JSON line around them.
	var plain strings.Builder
	plain.WriteString("Defaulted container \"loadgen\" out of: loadgen\n")
	for i, s := range runs {
		if i == 1 {
			plain.WriteString("client: note: something on stderr\n{\"level\":\"info\",\"msg\":\"not a summary\"}\n")
		}
		plain.WriteString(summaryJSON(t, s))
	}
	plain.WriteString("client: threshold broken: p99<=1ms (actual 3.000ms)\n")
	if got := mergedJSON(t, writeFile(t, dir, "plain.log", plain.String())); got.Requests != 18 || got.Merged.Runs != 3 {
		t.Errorf("plain logs: %d requests from %d runs, want 18 from 3", got.Requests, got.Merged.Runs)
	}

	// --prefix with the pods' lines interleaved, and --timestamps.
	var lines [3][]string
	for i, s := range runs {
		for _, l := range strings.SplitAfter(summaryJSON(t, s), "\n") {
			if l != "" {
				lines[i] = append(lines[i], "[pod/job-"+string(rune('a'+i))+"-x1/loadgen] 2026-11-27T17:35:09.123456789Z "+l)
			}
		}
	}
	var mixed strings.Builder
	for k := 0; k < len(lines[2]); k++ {
		for i := range lines {
			if k < len(lines[i]) {
				mixed.WriteString(lines[i][k])
			}
		}
	}
	if got := mergedJSON(t, writeFile(t, dir, "prefixed.log", mixed.String())); got.Requests != 18 || got.Merged.Runs != 3 {
		t.Errorf("prefixed logs: %d requests from %d runs, want 18 from 3", got.Requests, got.Merged.Runs)
	}

	// A compact summary on one line, with CRLF line ends.
	compact, err := json.Marshal(runs[0])
	if err != nil {
		t.Fatal(err)
	}
	crlf := "junk\r\n" + string(compact) + "\r\nmore junk\r\n"
	other := writeFile(t, dir, "others.log", summaryJSON(t, runs[1]))
	if got := mergedJSON(t, writeFile(t, dir, "crlf.log", crlf), other); got.Requests != 11 {
		t.Errorf("crlf: %d requests, want 11", got.Requests)
	}
}

func TestMergeFolder(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, dir, "pod-0.json", summaryJSON(t, testSummary(t, mergeStart, 4, 0, "a")))
	writeFile(t, dir, "pod-1.json", "kubectl noise\n"+summaryJSON(t, testSummary(t, mergeStart.Add(time.Second), 3, 0, "b")))
	writeFile(t, dir, "notes.txt", "not read\n")
	if err := os.Mkdir(filepath.Join(dir, "sub.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	got := mergedJSON(t, dir, "--max-p99", "1h")
	if got.Requests != 7 || got.Merged.Runs != 2 || got.Merged.StartSpread.D() != time.Second {
		t.Errorf("folder: %+v", got.Merged)
	}
	// The second run started a second later: its intervals land one later.
	if len(got.Timeline) != 2 || got.Timeline[0].Completed != 4 || got.Timeline[1].Completed != 3 {
		t.Errorf("timeline %+v", got.Timeline)
	}
	if len(got.Thresholds) != 1 || !got.Thresholds[0].OK {
		t.Errorf("thresholds %+v", got.Thresholds)
	}
}

func TestMergeThresholdsAndReport(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a := writeFile(t, dir, "a.json", summaryJSON(t, testSummary(t, mergeStart, 10, 0, "a")))
	b := writeFile(t, dir, "b.json", summaryJSON(t, testSummary(t, mergeStart, 10, 20*time.Millisecond, "b")))
	html := filepath.Join(dir, "merged.html")

	// Flags after the inputs too.
	code, stdout, stderr := runMain(t, "merge", a, "--report", html, b, "--max-p99", "5ms", "--threshold", "service_p50<1h")
	if code != ExitFailed || !strings.Contains(stderr, "threshold broken: p99<=5ms") || strings.Count(stderr, "\n") != 1 {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "Threshold  p99<=5ms: BROKEN") || !strings.Contains(stdout, "Threshold  service_p50<1h: ok") {
		t.Errorf("thresholds not in the summary:\n%s", stdout)
	}
	page, err := os.ReadFile(html)
	if err != nil || !bytes.Contains(page, []byte("<html")) {
		t.Fatalf("report: %v", err)
	}

	// The report is not replaced without --force.
	code, stdout, stderr = runMain(t, "merge", "--report", html, a, b)
	if code != ExitUsage || stdout != "" || !strings.Contains(stderr, "--force") {
		t.Errorf("existing report: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr = runMain(t, "merge", "--report", html, "--force", a, b); code != ExitOK {
		t.Errorf("--force: exit %d: %s", code, stderr)
	}
}

func TestMergeUnusableInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := summaryJSON(t, testSummary(t, mergeStart, 3, 0, "a"))
	goodFile := writeFile(t, dir, "good.json", good)
	other := writeFile(t, dir, "other.json", summaryJSON(t, testSummary(t, mergeStart.Add(time.Second), 3, 0, "b")))
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	broken := testSummary(t, mergeStart.Add(2*time.Second), 3, 0, "c")
	broken.LatencyHistogram = "garbage!"
	twoStages := testSummary(t, mergeStart.Add(3*time.Second), 3, 0, "d")
	twoStages.Stages = append(twoStages.Stages, twoStages.Stages[0])

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no input", nil, "no input"},
		{"bad format", []string{"--format", "xml", goodFile}, "--format"},
		{"unknown flag", []string{"--rate", "5", goodFile}, "--rate"},
		{"missing file", []string{filepath.Join(dir, "nope.json")}, "nope.json: no such file"},
		{"folder without json", []string{empty}, "a folder without *.json"},
		{"no summary", []string{writeFile(t, dir, "text.log", "hello\nworld\n")}, "text.log: no summary found"},
		{"other JSON", []string{writeFile(t, dir, "other.log", `{"a": 1}`+"\n")}, "other.log: no summary found"},
		{"truncated", []string{writeFile(t, dir, "cut.log", "x\n"+good[:len(good)/2])}, "cut.log: no summary found: line 2: a JSON object cut short"},
		{"given twice", []string{goodFile, dir + "/./good.json"}, "is the same run as"},
		{"twice in one file", []string{writeFile(t, dir, "dup.log", good+good)}, "dup.log, summary 2 (line"},
		{"undecodable histogram", []string{goodFile, writeFile(t, dir, "broken.json", summaryJSON(t, broken))}, "broken.json: latency_histogram: cannot be decoded"},
		{"other plan", []string{goodFile, other, writeFile(t, dir, "stages.json", summaryJSON(t, twoStages))}, "stages.json: it has 2 stages"},
		{"empty name", []string{""}, "empty input name"},
	}
	for _, tt := range tests {
		code, stdout, stderr := runMain(t, append([]string{"merge"}, tt.args...)...)
		if code != ExitUsage || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q", tt.name, code, stdout)
		}
		if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "client: ") || !strings.Contains(stderr, tt.want) {
			t.Errorf("%s: stderr %q, want one line with %q", tt.name, stderr, tt.want)
		}
	}
}

func TestMergeDifferentTargetsIsANote(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	b := testSummary(t, mergeStart, 3, 0, "b")
	b.Target = "http://10.0.0.7:31234/"
	code, stdout, stderr := runMain(t, "merge",
		writeFile(t, dir, "a.json", summaryJSON(t, testSummary(t, mergeStart, 3, 0, "a"))), writeFile(t, dir, "b.json", summaryJSON(t, b)))
	if code != ExitOK || !strings.Contains(stderr, "note: the runs loaded 2 different targets") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(stdout, "http://10.0.0.7:31234/, http://cloudperf.default.svc.cluster.local:5000/") {
		t.Errorf("target line:\n%s", stdout)
	}
}

func TestMergeNothingSucceeded(t *testing.T) {
	t.Parallel()
	sched, err := plan.NewSchedule([]plan.Stage{{Duration: time.Second, From: 10, To: 10}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := results.NewMetrics(sched, time.Second)
	m.Add(results.Result{Done: time.Millisecond, Class: results.ClassRefused})
	s := m.Summarize(results.RunInfo{Target: "http://x/", Start: mergeStart, Mode: plan.ModeAuto})
	code, _, stderr := runMain(t, "merge", writeFile(t, t.TempDir(), "a.json", summaryJSON(t, s)))
	if code != ExitUnreachable || !strings.Contains(stderr, "refused") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestMergeHelp(t *testing.T) {
	code, stdout, stderr := runMain(t, "merge", "--help")
	if code != ExitOK || stderr != "" || !strings.Contains(stdout, "client merge [flags] FILE... | DIR") || !strings.Contains(stdout, "--max-p99") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	if _, main, _ := runMain(t, "--help"); !strings.Contains(main, "client merge --help") {
		t.Error("client --help does not mention client merge")
	}
}

func TestReadSummariesStdin(t *testing.T) {
	t.Parallel()
	a := testSummary(t, mergeStart, 3, 0, "a")
	in := strings.NewReader("noise\n" + summaryJSON(t, a))
	got, err := readSummaries([]string{"-"}, in)
	if err != nil || len(got) != 1 || got[0].where != "stdin" || got[0].summary.Requests != 3 {
		t.Fatalf("%+v, %v", got, err)
	}
}

// realRuns runs the client twice, at once or one after the other, and
// writes each JSON summary to a file among other lines.
func realRuns(t *testing.T, together bool) (files []string, requests int64) {
	dir := t.TempDir()
	outs := make([]string, 2)
	var wg sync.WaitGroup
	for i := range outs {
		run := func() {
			code, stdout, stderr := runMain(t, "--local", "--rate", "50", "--requests", "50", "--format", "json", "--out", "", "--quiet", "--no-observe")
			if code != ExitOK {
				t.Errorf("run %d: exit %d: %s", i, code, stderr)
			}
			outs[i] = stdout
		}
		if together {
			wg.Go(run)
		} else {
			run()
		}
	}
	wg.Wait()
	for i, out := range outs {
		var s results.Summary
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			t.Fatal(err)
		}
		requests += s.Requests
		files = append(files, writeFile(t, dir, "run"+strconv.Itoa(i)+".log", "stderr line\n"+out))
	}
	return files, requests
}

// Two real runs of the client at once, merged: what a Job's pods print merges.
func TestMergeRealRuns(t *testing.T) {
	t.Parallel()
	files, want := realRuns(t, true)
	got := mergedJSON(t, files...)
	if got.Requests != want || got.OK != want || got.Merged.Runs != 2 || !reflect.DeepEqual(got.Hosts, []results.Count{{Key: "local", Count: want}}) {
		t.Errorf("merged %d requests (%d ok) from %+v, hosts %v; want %d", got.Requests, got.OK, got.Merged, got.Hosts, want)
	}
	if got.TargetRate != 100 {
		t.Errorf("target rate %v, want the sum 100", got.TargetRate)
	}
}

// Runs made one after the other did not load the target together: merging
// them says so, and their rate is over the union of their spans, not summed.
func TestMergeRunsThatDidNotOverlap(t *testing.T) {
	t.Parallel()
	files, want := realRuns(t, false)
	code, stdout, stderr := runMain(t, append([]string{"merge", "--format", "json"}, files...)...)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got results.Summary
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Requests != want || !got.Merged.Disjoint || got.TargetRate > 55 || got.AchievedRate > 55 {
		t.Errorf("merged %d requests, disjoint %v, target %.1f/s, achieved %.1f/s: want %d at about 50/s, not summed",
			got.Requests, got.Merged.Disjoint, got.TargetRate, got.AchievedRate, want)
	}
	if strings.Count(stderr, "client: note: the runs did not overlap in time") != 1 || !strings.Contains(stderr, "not summed") {
		t.Errorf("stderr %q", stderr)
	}
	code, stdout, _ = runMain(t, append([]string{"merge"}, files...)...)
	if code != ExitOK || !strings.Contains(stdout, "rates over the union of their spans (the runs did not overlap in time)") {
		t.Errorf("text summary:\n%s", stdout)
	}
}
