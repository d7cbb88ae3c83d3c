package report

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/cloudperf/cloudperf/client/results"
)

// chromiumPath is Debian's chromium package; CI installs it.
const chromiumPath = "/usr/bin/chromium"

// artifactDir is where the browser test leaves the report and its screenshot.
func artifactDir(t *testing.T) string {
	dir := os.Getenv("CLOUDPERF_ARTIFACTS")
	if dir == "" {
		return t.TempDir()
	}
	dir = filepath.Join(dir, "report")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browserLog collects what the page must not do: log errors, throw, open a
// dialog or reach for the network.
type browserLog struct {
	mu       sync.Mutex
	problems []string
	requests []string
}

func (b *browserLog) add(format string, args ...any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, fmt.Sprintf(format, args...))
}

func (b *browserLog) take() (problems, requests []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	problems, requests = b.problems, b.requests
	b.problems, b.requests = nil, nil
	return problems, requests
}

func local(url string) bool {
	return strings.HasPrefix(url, "file://") || strings.HasPrefix(url, "data:") || url == "about:blank"
}

// listen runs in the tab's event loop: it records and never runs commands.
func (b *browserLog) listen(ev any) {
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		var args []string
		for _, a := range ev.Args {
			switch {
			case len(a.Value) > 0:
				args = append(args, string(a.Value))
			default:
				args = append(args, a.Description)
			}
		}
		switch ev.Type {
		case runtime.ConsoleAPICalledTypeError, runtime.ConsoleAPICalledTypeAssert, runtime.ConsoleAPICalledTypeWarning:
			b.add("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		text := d.Text
		if d.Exception != nil {
			text += " " + d.Exception.Description
		}
		b.add("exception at %s:%d:%d: %s", d.URL, d.LineNumber+1, d.ColumnNumber+1, text)
	case *cdplog.EventEntryAdded:
		if e := ev.Entry; e.Level == cdplog.EntryLevelError || e.Level == cdplog.EntryLevelWarning {
			b.add("browser log %s (%s): %s %s", e.Level, e.Source, e.Text, e.URL)
		}
	case *network.EventRequestWillBeSent:
		b.mu.Lock()
		b.requests = append(b.requests, ev.Request.URL)
		b.mu.Unlock()
		if !local(ev.Request.URL) {
			b.add("network request to %s", ev.Request.URL)
		}
	case *page.EventJavascriptDialogOpening:
		b.add("a %s dialog opened: %q", ev.Type, ev.Message)
	}
}

// TestReportInChromium opens the report in headless Chromium, offline: the
// charts must draw with no error and no request leaves the page.
func TestReportInChromium(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no headless browser at %s (apt-get install -y chromium): %v", chromiumPath, err)
	}
	if testing.Short() {
		t.Skip("starts a browser")
	}
	dir := artifactDir(t)
	s := testSummary(t)
	s.Cluster = testCluster()
	s.Autoscaling = results.AnalyzeAutoscaling(s)
	reportPath := filepath.Join(dir, "report.html")
	writeReport(t, reportPath, s)

	hostileSummary := testSummary(t, "web-1", hostile)
	hostilePath := filepath.Join(dir, "report-hostile.html")
	writeReport(t, hostilePath, hostileSummary)

	ctx, blog := startChromium(t)

	open := func(path string) {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Navigate("file://"+path),
			chromedp.Poll[chromedp.Void](`document.body && document.body.getAttribute("data-ready") === "1"`,
				chromedp.WithPollingTimeout(60*time.Second)),
			chromedp.Sleep(300*time.Millisecond), // let late errors and requests show
		); err != nil {
			t.Fatalf("open %s: %v", path, err)
		}
	}
	check := func(name string) {
		t.Helper()
		problems, requests := blog.take()
		for _, p := range problems {
			t.Errorf("%s: %s", name, p)
		}
		for _, r := range requests {
			if !local(r) {
				t.Errorf("%s: requested %s", name, r)
			}
		}
		// The page's own account of what it loaded agrees.
		resources, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`performance.getEntriesByType("resource").map(e => e.name)`))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range resources {
			if !local(r) {
				t.Errorf("%s: loaded %s", name, r)
			}
		}
	}

	open(reportPath)
	canvases, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](`Object.fromEntries(
		["chart-latency", "chart-throughput", "chart-cluster", "chart-percentiles"].map(id =>
			[id, document.querySelectorAll("#" + id + " .uplot canvas").length]))`))
	if err != nil {
		t.Fatal(err)
	}
	for id, n := range canvases {
		if n == 0 {
			t.Errorf("#%s has no uPlot canvas", id)
		}
	}
	if len(canvases) != 4 {
		t.Errorf("canvases: %v", canvases)
	}
	// A chart that drew has pixels that are not the background.
	inked, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]int](`Object.fromEntries(
		["chart-latency", "chart-throughput", "chart-cluster", "chart-percentiles"].map(id => {
			const c = document.querySelector("#" + id + " canvas");
			const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
			let n = 0;
			for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
			return [id, n];
		}))`))
	if err != nil {
		t.Fatal(err)
	}
	for id, n := range inked {
		if n < 500 {
			t.Errorf("#%s: only %d pixels drawn", id, n)
		}
	}
	// The time charts share their time axis: their plots line up.
	plots, err := chromedp.Run(ctx, chromedp.Evaluate[[][2]float64](`
		["chart-latency", "chart-throughput", "chart-cluster"].map(id => {
			const r = document.querySelector("#" + id + " .u-over").getBoundingClientRect();
			return [r.left, r.width];
		})`))
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range plots[1:] {
		if math.Abs(p[0]-plots[0][0]) > 1.5 || math.Abs(p[1]-plots[0][1]) > 1.5 {
			t.Errorf("time chart %d plots over [%v +%v], the latency chart over [%v +%v]", i+2, p[0], p[1], plots[0][0], plots[0][1])
		}
	}
	pods, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#pods")))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range s.Hosts {
		if !strings.Contains(pods, h.Key) {
			t.Errorf("#pods does not list %s: %q", h.Key, pods)
		}
	}
	// The latency chart shows service time beside corrected latency, every
	// line of it solid (dashes are the scale events'), and a solid line
	// where each stage after the first begins (25 s and 45 s).
	series, err := chromedp.Run(ctx, chromedp.Evaluate[[][2]any](`
		document.querySelector("#chart-latency").uplot.series.slice(1).map(s => [s.label, !!(s.dash && s.dash.length)])`))
	if err != nil {
		t.Fatal(err)
	}
	labels := map[string]bool{}
	for _, sr := range series {
		labels[sr[0].(string)] = true
		if sr[1].(bool) {
			t.Errorf("latency series %q is dashed, like the scale-event markers", sr[0])
		}
	}
	for _, w := range []string{"p50", "p99", "max", "service p50", "service p99"} {
		if !labels[w] {
			t.Errorf("the latency chart has no %q series: %v", w, series)
		}
	}
	stageInk, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => {
		const u = document.querySelector("#chart-latency").uplot, b = u.bbox, src = u.ctx.canvas;
		const copy = document.createElement("canvas"); // read a copy: the chart's canvas was read already
		copy.width = src.width; copy.height = src.height;
		const g = copy.getContext("2d", { willReadFrequently: true });
		g.drawImage(src, 0, 0);
		const px = g.getImageData(0, b.top, src.width, b.height).data;
		return [25, 45, 15].map(t => {
			const x = Math.round(u.valToPos(t, "x", true));
			let n = 0;
			for (let y = 0; y < b.height; y++) {
				const i = 4 * (y * src.width + x);
				if (Math.abs(px[i] - 100) < 16 && Math.abs(px[i+1] - 116) < 16 && Math.abs(px[i+2] - 139) < 16 && px[i+3] > 150) n++;
			}
			return n / b.height;
		});
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if len(stageInk) != 3 || stageInk[0] < 0.5 || stageInk[1] < 0.5 || stageInk[2] > 0.2 {
		t.Errorf("share of the plot's height in the stage lines' grey at 25 s, 45 s (stage starts) and 15 s (none): %v", stageInk)
	}
	legend, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#chart-cluster .u-legend")))
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"ready replicas", "CPU utilisation", "CPU target"} {
		if !strings.Contains(legend, w) {
			t.Errorf("cluster legend lacks %q: %q", w, legend)
		}
	}
	check("report")

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // 100: PNG
	if err != nil {
		t.Fatal(err)
	}
	shotPath := filepath.Join(dir, "report.png")
	if err := os.WriteFile(shotPath, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("report: %s\nscreenshot: %s (%d bytes)", reportPath, shotPath, len(shot))

	// The hostile host name is shown as text and runs nothing; with no
	// cluster, the cluster panel says so.
	open(hostilePath)
	pods, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#pods")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(pods, hostile) {
		t.Errorf("#pods does not show the hostile name as text: %q", pods)
	}
	scripts, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.scripts.length`))
	if err != nil || scripts != 3 {
		t.Errorf("the page has %d scripts (%v), want its own 3", scripts, err)
	}
	cluster, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("#chart-cluster")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(cluster, "No cluster observed") {
		t.Errorf("#chart-cluster: %q", cluster)
	}
	check("hostile report")

	// With scripts off, the page still has every figure in its tables.
	if _, err := chromedp.Call(ctx, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+reportPath)); err != nil {
		t.Fatal(err)
	}
	ready, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS("body"), "data-ready"))
	if err != nil {
		t.Fatal(err)
	}
	if ready.Exists {
		t.Error("the page's script ran with scripts disabled")
	}
	for sel, want := range map[string][]string{
		"#summary":       {"Target", s.Target, "Achieved rate", "Log file", s.Log},
		"#latency-table": {"Corrected", "Service time", "p99.9", results.FormatDuration(s.Latency.P99.D())},
		"#thresholds":    {"p99<=250ms", "broken", "passed"},
		"#errors":        {"http_503", "timeout"},
		"#stages":        {"warm-up", "60 → 180/s"},
		"#pods":          {s.Hosts[0].Key},
		"#cluster":       {"5 cluster events", "Did autoscaling keep up?", "Scale-up decided"},
	} {
		text, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("without JavaScript, %s lacks %q", sel, w)
			}
		}
	}
	notice, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(notice, "The charts need JavaScript") {
		t.Error("without JavaScript, the page does not say that the charts need it")
	}
	shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	noJS := filepath.Join(dir, "report-nojs.png")
	if err := os.WriteFile(noJS, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("without JavaScript: %s", noJS)
	check("report without JavaScript")
}

// startChromium starts headless Chromium for a test, offline: requests to
// anything but local files fail (and are logged as problems), dialogs are
// dismissed. The browser stops when the test ends.
func startChromium(t *testing.T) (context.Context, *browserLog) {
	t.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("no-pings", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("mute-audio", true),
		chromedp.Flag("force-color-profile", "srgb"),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1366, 900),
	)
	t.Cleanup(cancelAlloc)
	blog := &browserLog{}
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithListener(blog.listen))
	t.Cleanup(cancel)
	// The first Do starts the browser on a context with no deadline (a
	// deadline there would bound the browser's life, not the action's).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start %s: %v", chromiumPath, err)
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, 3*time.Minute)
	t.Cleanup(cancelTimeout)

	// Hold every request: local ones go on, the rest fail as blocked.
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	dialogs := chromedp.Events(ctx, page.JavascriptDialogOpening)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			if local(ev.Request.URL) {
				_, _ = chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: ev.RequestID})
				continue
			}
			blog.add("blocked a request to %s", ev.Request.URL)
			_, _ = chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: ev.RequestID, ErrorReason: network.ErrorReasonBlockedByClient})
		}
	}()
	go func() {
		for _, err := range dialogs {
			if err != nil {
				return
			}
			_, _ = chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		}
	}()
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{{URLPattern: "*"}}}); err != nil {
		t.Fatalf("intercept requests: %v", err)
	}
	return ctx, blog
}

func writeReport(t *testing.T, path string, s results.Summary) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(f, s); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}
