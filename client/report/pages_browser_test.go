package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// pageCheck is one page to open in the browser: the charts it must draw
// and texts it must show.
type pageCheck struct {
	path   string
	charts []string // element ids holding a uPlot chart
	texts  map[string][]string
}

// checkPagesInChromium opens each page in headless Chromium, offline: every
// chart must draw (ink on its canvas), with no error and no request leaving
// the page. A screenshot of each is left beside it.
func checkPagesInChromium(t *testing.T, pages ...pageCheck) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Skipf("no headless browser at %s (apt-get install -y chromium): %v", chromiumPath, err)
	}
	if testing.Short() {
		t.Skip("starts a browser")
	}
	ctx, blog := startChromium(t)

	for _, p := range pages {
		name := filepath.Base(p.path)
		if err := chromedp.Do(ctx,
			chromedp.Navigate("file://"+p.path),
			chromedp.Poll[chromedp.Void](`document.body && document.body.getAttribute("data-ready") === "1"`,
				chromedp.WithPollingTimeout(60*time.Second)),
			chromedp.Sleep(300*time.Millisecond),
		); err != nil {
			t.Fatalf("open %s: %v", p.path, err)
		}
		for _, id := range p.charts {
			inked, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(() => {
				const c = document.querySelector("#`+id+` .uplot canvas");
				if (!c) return -1;
				const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
				let n = 0;
				for (let i = 3; i < px.length; i += 4) if (px[i] > 0) n++;
				return n;
			})()`))
			switch {
			case err != nil:
				t.Fatal(err)
			case inked < 0:
				t.Errorf("%s: #%s has no uPlot canvas", name, id)
			case inked < 500:
				t.Errorf("%s: #%s: only %d pixels drawn", name, id, inked)
			}
		}
		for sel, want := range p.texts {
			text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
			if err != nil {
				t.Fatalf("%s: %s: %v", name, sel, err)
			}
			for _, w := range want {
				if !strings.Contains(text, w) {
					t.Errorf("%s: %s lacks %q: %q", name, sel, w, text)
				}
			}
		}
		problems, requests := blog.take()
		for _, pr := range problems {
			t.Errorf("%s: %s", name, pr)
		}
		for _, r := range requests {
			if !local(r) {
				t.Errorf("%s: requested %s", name, r)
			}
		}
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatal(err)
		}
		png := strings.TrimSuffix(p.path, ".html") + ".png"
		if err := os.WriteFile(png, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: screenshot %s", p.path, png)
	}
}
