package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/results"
)

// The JSON summary and the report record every setting that shaped the
// load, credentials redacted.
func TestSettingsAreRecorded(t *testing.T) {
	t.Parallel()
	url, _ := recordingServer(t)
	html := filepath.Join(t.TempDir(), "run.html")
	code, stdout, stderr := runMain(t, "--url", url, "--rate", "50", "--requests", "3", "--warmup", "100ms", "--engine", "net/http",
		"--mode", "async", "--max-in-flight", "7", "--timeout", "2s", "--tick", "1ms", "--conn-max-age", "0", "--insecure",
		"--header", "Authorization: Bearer s3cret", "--header", "X-Trace: on", "--body", "abc",
		"--format", "json", "--out", "", "--report", html)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var s results.Summary
	if err := json.Unmarshal([]byte(stdout), &s); err != nil {
		t.Fatal(err)
	}
	want := &results.Settings{Mode: "async", Engine: "net/http", Method: "POST", Headers: []string{"Authorization: (redacted)", "X-Trace: on"},
		BodyBytes: 3, Timeout: results.Millis(2 * time.Second), MaxInFlight: 7, Tick: results.Millis(time.Millisecond), KeepAlive: true,
		Insecure: true, Warmup: results.Millis(100 * time.Millisecond), RequestLimit: 3}
	if !reflect.DeepEqual(s.Settings, want) {
		t.Errorf("settings %+v\nwant     %+v", s.Settings, want)
	}
	if strings.Contains(stdout, "s3cret") {
		t.Error("the JSON summary shows a credential")
	}
	b, err := os.ReadFile(html)
	if err != nil {
		t.Fatal(err)
	}
	page := string(b)
	for _, w := range []string{"<dt>Request</dt><dd>POST with a 3-byte body; Authorization: (redacted); X-Trace: on</dd>",
		"<dt>Dispatch</dt><dd>mode async; in-flight cap 7; tick 1.00ms</dd>",
		"<dt>HTTP client</dt><dd>net/http; timeout 2.00s; kept alive; any TLS certificate accepted</dd>",
		"<dt>Limits</dt><dd>warm-up 100ms; at most 3 requests</dd>"} {
		if !strings.Contains(page, w) {
			t.Errorf("the report lacks %s", w)
		}
	}
	if strings.Contains(page, "s3cret") {
		t.Error("the report shows a credential")
	}
}
