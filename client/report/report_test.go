package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/plan"
	"github.com/cloudperf/cloudperf/client/results"
)

const testTarget = "http://web.demo.svc.cluster.local:8080/work?ms=5&kb=1"

// testSummary is a realistic ~65 s run built with the client's own schedule and metrics: a
// 5 s warm-up, 20 s at 60/s, a ramp to 180/s and 20 s there; the service slows
// down from 28 s to 40 s (a latency bump with some 503s and timeouts) until a
// scale-out from 3 to 6 pods takes effect.
func testSummary(t testing.TB, hosts ...string) results.Summary {
	t.Helper()
	sched, err := plan.NewSchedule([]plan.Stage{
		{Duration: 5 * time.Second, From: 20, To: 20, Warmup: true},
		{Duration: 20 * time.Second, From: 60, To: 60},
		{Duration: 20 * time.Second, From: 60, To: 180},
		{Duration: 20 * time.Second, From: 180, To: 180},
	}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) == 0 {
		hosts = []string{"web-7d9f8c6b5-4xk2p", "web-7d9f8c6b5-9qzlm", "web-7d9f8c6b5-bw7tn",
			"web-7d9f8c6b5-h5c8r", "web-7d9f8c6b5-mj2vd", "web-7d9f8c6b5-x4n9s"}
	}
	rng := rand.New(rand.NewPCG(6, 42))
	m := results.NewMetrics(sched, time.Second)
	var rs []results.Result
	for seq := int64(0); ; seq++ {
		at, stage, ok := sched.At(seq)
		if !ok {
			break
		}
		sec := at.Seconds()
		// The slow-down: a bump centred at 34 s, gone once six pods are ready.
		bump := 0.0
		if sec > 28 && sec < 42 {
			bump = math.Sin(math.Pi * (sec - 28) / 14)
		}
		lag := time.Duration(50+rng.IntN(250)) * time.Microsecond
		lag += time.Duration(bump * bump * 120 * float64(time.Millisecond) * rng.Float64())
		service := time.Duration((4 + 3*rng.ExpFloat64() + bump*260*rng.Float64()) * float64(time.Millisecond))
		r := results.Result{Seq: seq, Stage: stage, Warmup: sched.Warmup(seq), Intended: at, Sent: at + lag,
			Status: 200, Class: results.ClassOK, Bytes: 1024}
		pods := 3
		if sec > 40 {
			pods = len(hosts)
		}
		r.Host = hosts[rng.IntN(min(pods, len(hosts)))]
		switch p := rng.Float64(); {
		case bump > 0.5 && p < 0.04*bump:
			r.Class, r.Status, r.Host, r.Bytes = results.ClassHTTP, 503, "", 0
		case bump > 0.8 && p < 0.05:
			r.Class, r.Status, r.Host, r.Bytes = results.ClassTimeout, 0, "", 0
			service = 2 * time.Second
		}
		r.Done = r.Sent + service
		rs = append(rs, r)
	}
	// Deliver in completion order, as the attack does.
	sortByDone(rs)
	for _, r := range rs {
		m.Add(r)
	}
	s := m.Summarize(results.RunInfo{
		Target: testTarget,
		Start:  time.Date(2025, 3, 14, 15, 9, 26, 0, time.UTC),
		Mode:   plan.ModeAuto,
		Stats:  results.DispatchStats{Dispatched: int64(len(rs)), PeakWorkers: 64, Capped: 0},
		Log:    "cloudperf-20250314-150926.jsonl",
	})
	for _, expr := range []string{"p99<=250ms", "error_rate<1%", "rate>=100"} {
		th, err := results.ParseThreshold(expr)
		if err != nil {
			t.Fatal(err)
		}
		s.Thresholds = append(s.Thresholds, th.Check(s))
	}
	return s
}

func sortByDone(rs []results.Result) {
	// insertion sort: the slice is nearly ordered already
	for i := 1; i < len(rs); i++ {
		for j := i; j > 0 && rs[j].Done < rs[j-1].Done; j-- {
			rs[j], rs[j-1] = rs[j-1], rs[j]
		}
	}
}

// testCluster is what the kube watcher would see: three pods at 20% CPU, the
// HPA asking for six at 30 s as CPU reaches 90%, the pods ready by 41 s.
func testCluster() *results.ClusterTimeline {
	c := &results.ClusterTimeline{Namespace: "demo", Deployment: "web", HPA: "web"}
	ms := func(s float64) results.Millis { return results.Millis(s * float64(time.Second)) }
	for at := 0.0; at <= 66; at += 2 {
		s := results.ClusterSample{At: ms(at), Desired: 3, Current: 3, Ready: 3, Available: 3, Pods: 3, HPADesired: 3, CPUTarget: 60}
		switch {
		case at < 26:
			s.CPUUtilization = int32(20 + 45*at/26)
		case at < 36:
			s.CPUUtilization = int32(65 + 25*(at-26)/10)
		default:
			s.CPUUtilization = int32(90 - 35*math.Min(1, (at-36)/12))
		}
		if at >= 30 {
			s.HPADesired, s.Desired, s.Current, s.Pods = 6, 6, 6, 6
		}
		switch {
		case at >= 41:
			s.Ready = 6
		case at >= 38:
			s.Ready = 5
		case at >= 36:
			s.Ready = 4
		}
		s.Available = s.Ready
		c.Samples = append(c.Samples, s)
	}
	c.Events = []results.ClusterEvent{
		{At: ms(29.6), Kind: "hpa", Message: "New size: 6; reason: cpu resource utilization (percentage of request) above target"},
		{At: ms(29.8), Kind: "scale", Message: "deployment web scaled from 3 to 6 replicas"},
		{At: ms(35.2), Kind: "pod-ready", Message: "pod web-7d9f8c6b5-h5c8r ready"},
		{At: ms(37.9), Kind: "pod-ready", Message: "pod web-7d9f8c6b5-mj2vd ready"},
		{At: ms(40.4), Kind: "pod-ready", Message: "pod web-7d9f8c6b5-x4n9s ready"},
	}
	return c
}

func render(t testing.TB, s results.Summary) string {
	t.Helper()
	var b bytes.Buffer
	if err := WriteHTML(&b, s); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

var dataBlob = regexp.MustCompile(`(?s)<script type="application/json" id="data">(.*?)</script>`)

func extractData(t testing.TB, html string) []byte {
	t.Helper()
	m := dataBlob.FindAllStringSubmatch(html, -1)
	if len(m) != 1 {
		t.Fatalf("want one data blob, found %d", len(m))
	}
	return []byte(m[0][1])
}

// external finds what would make a browser fetch from the network.
var external = regexp.MustCompile(`(?i)(\b(src|href|action|formaction|poster|srcset|data|background|manifest)\s*=\s*["']?\s*(https?:|wss?:|ftp:)?//)|url\(\s*["']?\s*(https?:|wss?:)?//|@import|<link\b|<iframe\b|<img\b|<object\b|<embed\b|\bfetch\(|XMLHttpRequest|new\s+WebSocket|sendBeacon|importScripts|\bimport\(`)

func TestSelfContained(t *testing.T) {
	s := testSummary(t)
	s.Cluster = testCluster()
	html := render(t, s)
	if m := external.FindString(html); m != "" {
		i := strings.Index(html, m)
		t.Errorf("the page refers to something outside itself: %q in …%s…", m, html[max(0, i-80):min(len(html), i+80)])
	}
	// Every URL left in the page is text: the target (a value, never a link)
	// and the banner comment of the vendored uPlot.
	rest := strings.ReplaceAll(html, testTarget, "")
	rest = strings.ReplaceAll(rest, strings.ReplaceAll(testTarget, "&", "&amp;"), "")
	rest = strings.ReplaceAll(rest, strings.ReplaceAll(testTarget, "&", `\u0026`), "")
	rest = strings.Replace(rest, "/*! https://github.com/leeoniya/uPlot (v"+UPlotVersion+") */", "", 1)
	for _, scheme := range []string{"http://", "https://", "//cdn", "ws://", "wss://"} {
		if i := strings.Index(rest, scheme); i >= 0 {
			t.Errorf("unexpected %q in the page: …%s…", scheme, rest[max(0, i-80):min(len(rest), i+80)])
		}
	}
	for _, id := range []string{"chart-latency", "chart-throughput", "chart-cluster", "chart-percentiles", "pods"} {
		if !strings.Contains(html, `id="`+id+`"`) {
			t.Errorf("no element #%s", id)
		}
	}
	if !strings.Contains(html, "uPlot=function") || !strings.Contains(html, ".uplot") {
		t.Error("uPlot is not inlined")
	}
	t.Logf("report of a %s run with cluster: %d bytes", results.FormatDuration(s.Elapsed.D()), len(html))
}

func TestDataRoundTrip(t *testing.T) {
	s := testSummary(t)
	s.Cluster = testCluster()
	html := render(t, s)
	blob := extractData(t, html)
	var got Data
	if err := json.Unmarshal(blob, &got); err != nil {
		t.Fatalf("data blob: %v", err)
	}
	want, err := NewData(s)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(got)
	b, _ := json.Marshal(want)
	if !bytes.Equal(a, b) {
		t.Errorf("the data blob does not round-trip:\n got %.400s\nwant %.400s", a, b)
	}
	// What the charts need is there, and the per-interval histograms are not.
	if len(got.Summary.Timeline) != len(s.Timeline) || len(got.Summary.Timeline) < 60 {
		t.Fatalf("timeline: %d intervals, want %d", len(got.Summary.Timeline), len(s.Timeline))
	}
	for i, iv := range got.Summary.Timeline {
		if iv.Histogram != "" {
			t.Fatalf("interval %d ships its histogram", i)
		}
	}
	if s.Timeline[10].Histogram == "" {
		t.Error("NewData must not change the caller's summary")
	}
	if bytes.Contains(blob, []byte(`"histogram"`)) {
		t.Error("per-interval histograms are in the page")
	}
	if got.Summary.Cluster == nil || len(got.Summary.Cluster.Samples) != len(s.Cluster.Samples) {
		t.Error("cluster samples lost")
	}
	if got.IntervalSeconds != 1 {
		t.Errorf("interval %v s, want 1", got.IntervalSeconds)
	}
	if got.Summary.Requests != s.Requests || got.Summary.Hosts[0] != s.Hosts[0] {
		t.Error("summary figures lost")
	}
}

func TestPercentiles(t *testing.T) {
	s := testSummary(t)
	d, err := NewData(s)
	if err != nil {
		t.Fatal(err)
	}
	p := d.Percentiles
	n := len(p.Percentile)
	if n < 30 || len(p.OneIn) != n || len(p.Corrected) != n || len(p.Service) != n {
		t.Fatalf("percentile curve: %d points (%d, %d, %d)", n, len(p.OneIn), len(p.Corrected), len(p.Service))
	}
	if p.Count != s.Latency.Count || p.Percentile[0] != 0 || p.OneIn[0] != 1 || p.Percentile[n-1] != 100 || p.OneIn[n-1] != float64(p.Count) {
		t.Errorf("ends: count %d, first (%v, %v), last (%v, %v)", p.Count, p.Percentile[0], p.OneIn[0], p.Percentile[n-1], p.OneIn[n-1])
	}
	for i := 1; i < n; i++ {
		if p.Percentile[i] <= p.Percentile[i-1] || p.Corrected[i] < p.Corrected[i-1] || p.Service[i] < p.Service[i-1] {
			t.Fatalf("not monotonic at %d: %v %v %v", i, p.Percentile[i], p.Corrected[i], p.Service[i])
		}
		if p.Corrected[i] < p.Service[i] {
			t.Errorf("corrected %v below service %v at p%v", p.Corrected[i], p.Service[i], p.Percentile[i])
		}
	}
	// The curve agrees with the summary's own percentiles.
	at := func(q float64) float64 {
		for i, pq := range p.Percentile {
			if math.Abs(pq-q) < 1e-9 {
				return p.Corrected[i]
			}
		}
		t.Fatalf("p%v not sampled", q)
		return 0
	}
	for _, c := range []struct {
		q    float64
		want results.Millis
	}{{0, s.Latency.Min}, {90, s.Latency.P90}, {99, s.Latency.P99}, {99.9, s.Latency.P999}, {100, s.Latency.Max}} {
		if got, want := at(c.q), float64(c.want)/1e6; math.Abs(got-want) > want*1e-3 {
			t.Errorf("p%v: curve %v ms, summary %v ms", c.q, got, want)
		}
	}

	empty, err := NewData(results.Summary{})
	if err != nil || len(empty.Percentiles.Percentile) != 0 {
		t.Errorf("empty summary: %v, %+v", err, empty.Percentiles)
	}
	if _, err := NewData(results.Summary{LatencyHistogram: "not a histogram"}); err == nil {
		t.Error("a corrupt histogram was accepted")
	}
}

func TestClusterPanels(t *testing.T) {
	base := testSummary(t)
	for _, c := range []struct {
		name    string
		cluster *results.ClusterTimeline
		want    []string
		notWant []string
	}{
		{"none", nil, []string{`class="chart empty" id="chart-cluster"`, "No cluster observed:", "did not watch a Kubernetes deployment"}, []string{"cluster events"}},
		{"unavailable", &results.ClusterTimeline{Namespace: "demo", Deployment: "web", Unavailable: "no kubeconfig: set KUBECONFIG or --kubeconfig"},
			[]string{`class="chart empty" id="chart-cluster"`, "No cluster observed:", "no kubeconfig: set KUBECONFIG or --kubeconfig", "demo/web"}, nil},
		{"observed", testCluster(), []string{`<div class="chart timed" id="chart-cluster">`, "5 cluster events", "scaled from 3 to 6 replicas", "demo/web", "Replicas", "3 → 6"}, []string{"No cluster observed"}},
		{"partly", func() *results.ClusterTimeline {
			c := testCluster()
			c.Unavailable = "no permission to list pods"
			return c
		}(),
			[]string{`<div class="chart timed" id="chart-cluster">`, "Partly observed: no permission to list pods"}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			s := base
			s.Cluster = c.cluster
			html := render(t, s)
			for _, w := range c.want {
				if !strings.Contains(html, w) {
					t.Errorf("missing %q", w)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(html, w) {
					t.Errorf("unexpected %q", w)
				}
			}
		})
	}
}

const hostile = `</script><script>alert(1)</script>`

func TestHostileNamesEscaped(t *testing.T) {
	s := testSummary(t, hostile, `pod-"quoted"&<b>bold</b>`)
	s.Target = `http://x/?q=</title><script>alert(2)</script>`
	s.Log = `</script><img src=x onerror=alert(3)>.jsonl`
	s.Errors = append(s.Errors, results.Count{Key: `<script>alert(4)</script>`, Count: 1})
	s.Cluster = testCluster()
	s.Cluster.Events = append(s.Cluster.Events, results.ClusterEvent{At: 1, Kind: `"><script>alert(5)</script>`, Message: hostile})
	html := render(t, s)
	for _, bad := range []string{"<script>alert", "<img src=x", "<b>bold</b>", "</title><script>"} {
		if strings.Contains(html, bad) {
			i := strings.Index(html, bad)
			t.Errorf("%q is not escaped: …%s…", bad, html[max(0, i-80):min(len(html), i+80)])
		}
	}
	// Exactly the page's own three scripts, each closed once.
	if n := strings.Count(strings.ToLower(html), "<script"); n != 3 {
		t.Errorf("%d <script> elements, want 3", n)
	}
	if n := strings.Count(strings.ToLower(html), "</script"); n != 3 {
		t.Errorf("%d </script> tags, want 3", n)
	}
	// The names survive as text and as data.
	if !strings.Contains(html, "&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Error("the hostile host is not shown as text")
	}
	var d Data
	if err := json.Unmarshal(extractData(t, html), &d); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, h := range d.Summary.Hosts {
		found = found || h.Key == hostile
	}
	if !found {
		t.Errorf("the hostile host did not round-trip through the data: %v", d.Summary.Hosts)
	}
}

func TestEmptyAndInterruptedRuns(t *testing.T) {
	// A summary with nothing in it still renders.
	html := render(t, results.Summary{Target: "http://127.0.0.1:1/", Mode: "sync", Interrupted: true})
	for _, w := range []string{"interrupted", "No errors.", "No response named its host", "No thresholds were set", "No cluster observed"} {
		if !strings.Contains(html, w) {
			t.Errorf("missing %q", w)
		}
	}
	// Many pods: the bars stop at maxHosts and count the rest.
	var hosts []results.Count
	for i := range maxHosts + 7 {
		hosts = append(hosts, results.Count{Key: "pod-" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Count: int64(1000 - i)})
	}
	html = render(t, results.Summary{Hosts: hosts, Requests: 60000})
	if n := strings.Count(html, `<li class="pod">`); n != maxHosts {
		t.Errorf("%d pods listed, want %d", n, maxHosts)
	}
	if !strings.Contains(html, "and 7 more") {
		t.Error("the pods left out are not counted")
	}
}

// uplotBanner is the first line of uPlot's minified build.
var uplotBanner = regexp.MustCompile(`^/\*! https://github\.com/leeoniya/uPlot \(v(\d+\.\d+\.\d+)\) \*/\n`)

// The vendored uPlot is the version UPlotVersion names, and every page that
// inlines it carries it once with its MIT licence, in full.
func TestUPlotVendoredWithItsLicence(t *testing.T) {
	m := uplotBanner.FindStringSubmatch(uplotJS)
	if m == nil {
		t.Fatalf("assets/uPlot.iife.min.js does not start with uPlot's banner: %.80q", uplotJS)
	}
	if m[1] != UPlotVersion {
		t.Errorf("the vendored uPlot is %s, UPlotVersion says %s", m[1], UPlotVersion)
	}
	if !strings.HasPrefix(uplotLicense, "The MIT License (MIT)\n\nCopyright (c) ") || !strings.Contains(uplotLicense, " Leon Sorokin\n") ||
		!strings.Contains(uplotLicense, "The above copyright notice and this permission notice shall be included") {
		t.Errorf("assets/uPlot.LICENSE is not uPlot's MIT licence:\n%s", uplotLicense)
	}
	base, next, c := compareRuns(t)
	var compare, capacity bytes.Buffer
	if err := WriteCompareHTML(&compare, base, next, c); err != nil {
		t.Fatal(err)
	}
	if err := WriteCapacityHTML(&capacity, capacityResult(t)); err != nil {
		t.Fatal(err)
	}
	licence := template.HTMLEscapeString(uplotLicense)
	for name, page := range map[string]string{"run": render(t, testSummary(t)), "compare": compare.String(), "capacity": capacity.String()} {
		if n := strings.Count(page, m[0]); n != 1 {
			t.Errorf("%s page: uPlot %s inlined %d times, want once", name, UPlotVersion, n)
		}
		if !strings.Contains(page, licence) {
			t.Errorf("%s page: uPlot's licence is not there in full", name)
		}
	}
}

func TestAssetsInlineSafely(t *testing.T) {
	for name, l := range map[string]*layout{"run": runLayout, "compare": compareLayout, "capacity": capacityLayout} {
		if _, err := l.template(); err != nil {
			t.Errorf("%s page: %v", name, err)
		}
	}
	for _, text := range []string{"x</script>", "a</STYLE >", "<!-- note"} {
		bad := newLayout("bad", "{{.}}", asset{"bad.js", text})
		err := renderPage(io.Discard, bad, nil)
		if err == nil || !strings.Contains(err.Error(), "asset bad.js cannot be inlined") {
			t.Errorf("asset %q: got %v, want it refused", text, err)
		}
	}
}

// Writing the report of a run to a file, and reading its title and verdict
// back.
func ExampleWriteHTML() {
	sched, _ := plan.NewSchedule([]plan.Stage{{Duration: 10 * time.Second, From: 5, To: 5}}, 0)
	m := results.NewMetrics(sched, time.Second)
	for seq := int64(0); ; seq++ {
		at, stage, ok := sched.At(seq)
		if !ok {
			break
		}
		m.Add(results.Result{Seq: seq, Stage: stage, Intended: at, Sent: at, Done: at + 12*time.Millisecond,
			Status: 200, Class: results.ClassOK, Host: "web-1"})
	}
	start := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	s := m.Summarize(results.RunInfo{Target: "http://127.0.0.1:8080/", Start: start, Mode: plan.ModeAuto})

	f, err := os.CreateTemp("", "cloudperf-*.html")
	if err != nil {
		panic(err)
	}
	defer os.Remove(f.Name())
	if err := WriteHTML(f, s); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}

	page, err := os.ReadFile(f.Name())
	if err != nil {
		panic(err)
	}
	title := regexp.MustCompile(`<title>(.*?)</title>`).FindSubmatch(page)
	verdict := regexp.MustCompile(`id="verdict" title="(.*?)"`).FindSubmatch(page)
	fmt.Printf("%s\nverdict: %s\n", title[1], verdict[1])
	// Output:
	// cloudperf · http://127.0.0.1:8080/ · 2026-12-01 09:30:00 UTC
	// verdict: kept up: 5.0/s of 5.0/s sent
}

// The masthead's badge says who kept up, with the verdict's line as its
// title and in the Run table.
func TestVerdictBadge(t *testing.T) {
	behind := results.Summary{Target: "http://127.0.0.1:1/", Mode: "async", TargetRate: 200, AchievedRate: 49, Capped: 522}
	behind.Verdict = results.Judge(behind)
	kept := results.Summary{Target: "http://127.0.0.1:1/", Mode: "async", TargetRate: 200, AchievedRate: 200}
	for _, tc := range []struct {
		s           results.Summary
		class, text string
	}{
		{behind, "warn", "target fell behind"},
		{kept, "good", "kept up"}, // no verdict in the summary (an older client's): judged here
	} {
		html := render(t, tc.s)
		line := results.Judge(tc.s).Line
		want := `<span class="badge ` + tc.class + `" id="verdict" title="` + line + `">` + tc.text + `</span>`
		if !strings.Contains(html, want) {
			t.Errorf("no %s in the page", want)
		}
		if !strings.Contains(html, "<dt>Verdict</dt><dd>"+line+"</dd>") {
			t.Errorf("the Run table lacks the verdict %q", line)
		}
	}
}
