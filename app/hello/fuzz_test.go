package hello

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/app/metrics"
)

// fuzzWorkCap keeps a fuzzed ?delay= or ?cpu= from slowing the fuzzer down.
const fuzzWorkCap = 2 * time.Millisecond

// wantStatus is what the handler answers req, from its routes: the probes
// and metrics always 200, / 200 to GET and HEAD with work that parses, and
// the errors in the order root checks them.
func wantStatus(req *http.Request) int {
	switch req.URL.Path {
	case "/healthz", "/readyz", "/metrics":
		return http.StatusOK
	case "/":
	default:
		return http.StatusNotFound
	}
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		return http.StatusMethodNotAllowed
	}
	if _, err := parseWork(req.URL.RawQuery, Work{}); err != nil {
		return http.StatusBadRequest
	}
	return http.StatusOK
}

// FuzzHandler: whatever the method, path, query and headers, the handler does
// not panic, answers the status wantStatus expects (an error as a JSON
// document), and a 200 from / is the reply with its three keys.
func FuzzHandler(f *testing.F) {
	for _, seed := range []struct{ method, target, name, value string }{
		{"GET", "/", "Accept", "application/json"},
		{"HEAD", "/", "", ""},
		{"GET", "/?delay=1ms&cpu=1ms", "X-Test", "1"},
		{"GET", "/?delay=soon", "", ""},
		{"GET", "/?cpu=-1s", "", ""},
		{"GET", "/?%zz", "", ""},
		{"POST", "/", "Content-Type", "text/plain"},
		{"DELETE", "/healthz", "", ""},
		{"GET", "/readyz", "", ""},
		{"GET", "/nope", "", ""},
		{"GET", "//x/../y", "", ""},
		{"OPTIONS", "/", "Origin", "http://x"},
		{"GET", "/?delay=1h", "", ""},
		{"HEAD", "/?cpu=x", "", ""},
		{"get", "/", "", ""},
		{"PUT", "/metrics", "", ""},
	} {
		f.Add(seed.method, seed.target, seed.name, seed.value)
	}
	s := New(Config{Hostname: "fuzz-pod", Metrics: metrics.New()})
	f.Fuzz(func(t *testing.T, method, target, name, value string) {
		if !strings.HasPrefix(target, "/") {
			target = "/" + target
		}
		req, err := http.NewRequest(method, "http://cloudperf.test"+target, nil)
		if err != nil {
			return // not a request a server could be sent
		}
		if name != "" {
			req.Header.Add(name, value)
		}
		if w, err := parseWork(req.URL.RawQuery, Work{}); err == nil && (w.Delay > fuzzWorkCap || w.CPU > fuzzWorkCap) {
			return
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)

		code, body := rec.Code, rec.Body.Bytes()
		if want := wantStatus(req); code != want {
			t.Fatalf("%s %q: status %d %q, want %d", req.Method, target, code, body, want)
		}
		if code != http.StatusOK {
			var doc struct{ Error string }
			if err := json.Unmarshal(body, &doc); err != nil || doc.Error == "" {
				t.Fatalf("%s %q: %d body %q is not a JSON error: %v", req.Method, target, code, body, err)
			}
			return
		}
		if req.URL.Path != "/" {
			return
		}
		// A HEAD's reply is written as a GET's: net/http, not the handler,
		// drops its body (reply_test.go), so the recorder holds it.
		var reply map[string]any
		if err := json.Unmarshal(body, &reply); err != nil {
			t.Fatalf("%s %q: 200 body %q is not JSON: %v", method, target, body, err)
		}
		if len(reply) != 3 || reply["message"] != "Hello" || reply["host"] != "fuzz-pod" || reply["timestamp"] == nil {
			t.Fatalf("%s %q: 200 body %q: want message, timestamp and host", method, target, body)
		}
	})
}

// FuzzParseWork: any query parses to work within the limits, or to an error
// and the default.
func FuzzParseWork(f *testing.F) {
	for _, q := range []string{"", "delay=20ms", "cpu=2ms", "delay=20ms&cpu=2ms", "delay=-1s", "cpu=2s", "delay=x", "%zz", "delay=1ms&delay=1h", "cpu=9223372036854775807ns"} {
		f.Add(q)
	}
	def := Work{Delay: time.Millisecond}
	f.Fuzz(func(t *testing.T, raw string) {
		w, err := parseWork(raw, def)
		if err != nil {
			if w != def {
				t.Fatalf("parseWork(%q): error %v with work %+v, want the default", raw, err, w)
			}
			if strings.ContainsAny(err.Error(), "\r\n") {
				t.Fatalf("parseWork(%q): error %q is not one line", raw, err)
			}
			return
		}
		if w.Delay < 0 || w.Delay > MaxDelay || w.CPU < 0 || w.CPU > MaxCPU {
			t.Fatalf("parseWork(%q) = %+v: outside the limits", raw, w)
		}
	})
}
