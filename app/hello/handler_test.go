package hello

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/app/metrics"
)

// newHTTPTest serves a new Server's handler on a loopback httptest server,
// with Prometheus' metrics as the image has them unless cfg has others.
func newHTTPTest(t *testing.T, cfg Config) (*Server, *httptest.Server) {
	t.Helper()
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New()
	}
	s := New(cfg)
	ts := httptest.NewServer(s.Handler())
	t.Cleanup(ts.Close)
	return s, ts
}

// do sends one request and returns the response with its body read.
func do(t *testing.T, method, url string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp, body
}

var nineDigitUTC = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$`)

// checkReply checks a GET / response: headers, JSON shape, timestamp and host.
func checkReply(t *testing.T, resp *http.Response, body []byte, wantHost string) Reply {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200; body %q", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(body)) {
		t.Errorf("Content-Length %q, body has %d bytes", cl, len(body))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", cc)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var reply Reply
	if err := dec.Decode(&reply); err != nil {
		t.Fatalf("body %q does not decode into Reply: %v", body, err)
	}
	if dec.More() {
		t.Errorf("body %q has more than one JSON value", body)
	}
	if reply.Message != "Hello" {
		t.Errorf("message %q, want Hello", reply.Message)
	}
	if reply.Host != wantHost {
		t.Errorf("host %q, want %q", reply.Host, wantHost)
	}
	if !nineDigitUTC.MatchString(reply.Timestamp) {
		t.Errorf("timestamp %q is not RFC 3339 UTC with 9 fraction digits", reply.Timestamp)
	}
	ts, err := time.Parse(time.RFC3339Nano, reply.Timestamp)
	if err != nil {
		t.Fatalf("timestamp %q: %v", reply.Timestamp, err)
	}
	if ts.Location() != time.UTC {
		t.Errorf("timestamp %q is not UTC", reply.Timestamp)
	}
	if d := time.Since(ts); d < -time.Second || d > time.Second {
		t.Errorf("timestamp %q is %v away from now", reply.Timestamp, d)
	}
	return reply
}

func TestHelloJSON(t *testing.T) {
	for _, host := range []string{
		"app-7d9f8b6c5-x2x4z",
		`we"ird\host</script>&`, // must be JSON-escaped
		"hôte-ünïcode",
		"h",
	} {
		t.Run(host, func(t *testing.T) {
			_, ts := newHTTPTest(t, Config{Hostname: host})
			resp, body := do(t, http.MethodGet, ts.URL+"/", nil)
			checkReply(t, resp, body, host)
			if resp.ContentLength != int64(len(body)) {
				t.Errorf("client saw ContentLength %d, body has %d bytes", resp.ContentLength, len(body))
			}
			if !bytes.HasSuffix(body, []byte("}\n")) {
				t.Errorf("body %q does not end in a newline", body)
			}
		})
	}
}

// TestHelloTimestampLayout pins the clock: the fraction keeps all nine digits
// (RFC3339Nano would drop trailing zeros) and any zone is rendered as UTC.
func TestHelloTimestampLayout(t *testing.T) {
	tests := []struct {
		now  time.Time
		want string
	}{
		{time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), "2025-01-02T03:04:05.000000000Z"},
		{time.Date(2025, 1, 2, 3, 4, 5, 120, time.UTC), "2025-01-02T03:04:05.000000120Z"},
		{time.Date(2025, 12, 31, 23, 59, 59, 999999999, time.UTC), "2025-12-31T23:59:59.999999999Z"},
		{time.Date(2025, 6, 1, 2, 0, 0, 5e8, time.FixedZone("CEST", 2*3600)), "2025-06-01T00:00:00.500000000Z"},
		{time.Date(2025, 6, 1, 2, 0, 0, 0, time.FixedZone("X", -(9*3600+30*60))), "2025-06-01T11:30:00.000000000Z"},
	}
	s := New(Config{Hostname: "h"})
	var size int
	for _, tt := range tests {
		s.hello.now = func() time.Time { return tt.now }
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		var reply Reply
		if err := json.Unmarshal(rec.Body.Bytes(), &reply); err != nil {
			t.Fatalf("%s: %v", rec.Body, err)
		}
		if reply.Timestamp != tt.want {
			t.Errorf("now %v: timestamp %q, want %q", tt.now, reply.Timestamp, tt.want)
		}
		if size != 0 && rec.Body.Len() != size {
			t.Errorf("now %v: body is %d bytes, earlier ones %d: every reply should have the same size", tt.now, rec.Body.Len(), size)
		}
		size = rec.Body.Len()
	}
}

func TestHead(t *testing.T) {
	_, ts := newHTTPTest(t, Config{Hostname: "pod"})
	get, getBody := do(t, http.MethodGet, ts.URL+"/", nil)
	head, headBody := do(t, http.MethodHead, ts.URL+"/", nil)
	if head.StatusCode != http.StatusOK {
		t.Fatalf("HEAD status %d, want 200", head.StatusCode)
	}
	if len(headBody) != 0 {
		t.Errorf("HEAD body %q, want none", headBody)
	}
	for _, h := range []string{"Content-Type", "Content-Length", "Cache-Control"} {
		if g, h2 := get.Header.Get(h), head.Header.Get(h); g != h2 || g == "" {
			t.Errorf("%s: GET %q, HEAD %q", h, g, h2)
		}
	}
	if head.Header.Get("Content-Length") != strconv.Itoa(len(getBody)) {
		t.Errorf("HEAD Content-Length %q, GET body %d bytes", head.Header.Get("Content-Length"), len(getBody))
	}
}

func TestErrorResponses(t *testing.T) {
	tests := []struct {
		method, target string
		want           int
		wantErr        string // substring of the JSON error
	}{
		{http.MethodPost, "/", 405, "POST not allowed"},
		{http.MethodPut, "/", 405, "PUT not allowed"},
		{http.MethodDelete, "/", 405, "DELETE not allowed"},
		{http.MethodPatch, "/", 405, "PATCH not allowed"},
		{http.MethodOptions, "/", 405, "OPTIONS not allowed"},
		{http.MethodGet, "/nope", 404, "not found: /nope"},
		{http.MethodGet, "/healthz/extra", 404, "not found"},
		{http.MethodGet, "/favicon.ico", 404, "not found"},
		{http.MethodPost, "/nope", 404, "not found"},
		{http.MethodHead, "/nope", 404, ""},
		{http.MethodGet, "/?delay=abc", 400, `bad delay: "abc"`},
		{http.MethodGet, "/?delay=5", 400, "bad delay"},
		{http.MethodGet, "/?cpu=xyz", 400, `bad cpu: "xyz"`},
		{http.MethodGet, "/?delay=-1ms", 400, "delay -1ms outside"},
		{http.MethodGet, "/?delay=11s", 400, "delay 11s outside"},
		{http.MethodGet, "/?cpu=1001ms", 400, "cpu 1.001s outside"},
		{http.MethodGet, "/?cpu=-5ms", 400, "cpu -5ms outside"},
		{http.MethodGet, "/?delay=%zz", 400, "bad query"},
		{http.MethodHead, "/?delay=abc", 400, ""},
		// Good work parameters and unknown ones are fine.
		{http.MethodGet, "/?delay=1ms&cpu=1ms", 200, ""},
		{http.MethodGet, "/?delay=0s&cpu=0", 200, ""},
		{http.MethodGet, "/?utm=1", 200, ""},
	}
	_, ts := newHTTPTest(t, Config{Hostname: "h"})
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.target, func(t *testing.T) {
			resp, body := do(t, tt.method, ts.URL+tt.target, nil)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d; body %q", resp.StatusCode, tt.want, body)
			}
			if tt.want == 200 {
				checkReply(t, resp, body, "h")
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q, want application/json", ct)
			}
			allow := resp.Header.Get("Allow")
			if tt.want == 405 && allow != "GET, HEAD" {
				t.Errorf("Allow %q, want %q", allow, "GET, HEAD")
			}
			if tt.want != 405 && allow != "" {
				t.Errorf("Allow %q on a %d", allow, tt.want)
			}
			if tt.method == http.MethodHead {
				if len(body) != 0 {
					t.Errorf("HEAD body %q", body)
				}
				return
			}
			var e struct {
				Error string `json:"error"`
			}
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&e); err != nil {
				t.Fatalf("body %q is not a JSON error: %v", body, err)
			}
			if !strings.Contains(e.Error, tt.wantErr) {
				t.Errorf("error %q, want it to mention %q", e.Error, tt.wantErr)
			}
		})
	}
}

func TestWorkDelay(t *testing.T) {
	tests := []struct {
		name    string
		def     Work
		target  string
		atLeast time.Duration
	}{
		{"query delay", Work{}, "/?delay=100ms", 100 * time.Millisecond},
		{"default delay", Work{Delay: 100 * time.Millisecond}, "/", 100 * time.Millisecond},
		{"query cpu", Work{}, "/?cpu=50ms", 50 * time.Millisecond},
		{"query overrides default", Work{Delay: 10 * time.Millisecond}, "/?delay=150ms", 150 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, ts := newHTTPTest(t, Config{Hostname: "h", Work: tt.def})
			start := time.Now()
			resp, body := do(t, http.MethodGet, ts.URL+tt.target, nil)
			checkReply(t, resp, body, "h")
			if d := time.Since(start); d < tt.atLeast {
				t.Errorf("answered after %v, want at least %v", d, tt.atLeast)
			}
		})
	}
}

func TestHealthz(t *testing.T) {
	_, ts := newHTTPTest(t, Config{})
	for _, path := range []string{"/healthz", "/readyz"} {
		resp, body := do(t, http.MethodGet, ts.URL+path, nil)
		if resp.StatusCode != http.StatusOK || string(body) != "ok\n" {
			t.Errorf("%s: %d %q, want 200 \"ok\\n\"", path, resp.StatusCode, body)
		}
		if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, cc)
		}
	}
}

// metricValue finds one series, e.g. `name{a="b"}`, in the text exposition.
func metricValue(t *testing.T, exposition []byte, series string) (float64, bool) {
	t.Helper()
	sc := bufio.NewScanner(bytes.NewReader(exposition))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: value %q: %v", series, v, err)
			}
			return f, true
		}
	}
	return 0, false
}

func TestMetrics(t *testing.T) {
	_, ts := newHTTPTest(t, Config{Hostname: "h"})
	requests := []struct {
		method, target string
		n              int
	}{
		{http.MethodGet, "/", 3},
		{http.MethodHead, "/", 1},
		{http.MethodPost, "/", 2},
		{http.MethodGet, "/nope", 1},
		{http.MethodGet, "/?delay=bad", 1},
		{http.MethodGet, "/healthz", 2},
		{http.MethodGet, "/readyz", 1},
	}
	for _, r := range requests {
		for range r.n {
			do(t, r.method, ts.URL+r.target, nil)
		}
	}
	resp, body := do(t, http.MethodGet, ts.URL+"/metrics", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("/metrics Content-Type %q", ct)
	}
	want := map[string]float64{
		`cloudperf_http_requests_total{code="200",handler="root"}`:      4,
		`cloudperf_http_requests_total{code="405",handler="root"}`:      2,
		`cloudperf_http_requests_total{code="404",handler="root"}`:      1,
		`cloudperf_http_requests_total{code="400",handler="root"}`:      1,
		`cloudperf_http_requests_total{code="200",handler="healthz"}`:   2,
		`cloudperf_http_requests_total{code="200",handler="readyz"}`:    1,
		`cloudperf_http_request_duration_seconds_count{handler="root"}`: 8,
		`cloudperf_http_requests_in_flight`:                             0,
	}
	for series, w := range want {
		got, ok := metricValue(t, body, series)
		if !ok {
			t.Errorf("/metrics has no %s", series)
		} else if got != w {
			t.Errorf("%s = %v, want %v", series, got, w)
		}
	}
	for _, family := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if !bytes.Contains(body, []byte("\n"+family+" ")) {
			t.Errorf("/metrics has no %s", family)
		}
	}
}

// Without metrics (the client's embedded service) every route but /metrics
// answers as before, and /metrics is an unknown path: a JSON 404.
func TestWithoutMetrics(t *testing.T) {
	ts := httptest.NewServer(New(Config{Hostname: "local"}).Handler())
	defer ts.Close()
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/", http.StatusOK, `"message":"Hello"`},
		{"/healthz", http.StatusOK, "ok"},
		{"/readyz", http.StatusOK, "ok"},
		{"/metrics", http.StatusNotFound, `"error"`},
	} {
		resp, body := do(t, http.MethodGet, ts.URL+tc.path, nil)
		if resp.StatusCode != tc.code || !strings.Contains(string(body), tc.body) {
			t.Errorf("GET %s: %d %q, want %d and %s", tc.path, resp.StatusCode, body, tc.code, tc.body)
		}
	}
}

// Two servers in one process have separate registries.
func TestMetricsPerServer(t *testing.T) {
	_, a := newHTTPTest(t, Config{})
	_, b := newHTTPTest(t, Config{})
	do(t, http.MethodGet, a.URL+"/", nil)
	_, body := do(t, http.MethodGet, b.URL+"/metrics", nil)
	if v, _ := metricValue(t, body, `cloudperf_http_requests_total{code="200",handler="root"}`); v != 0 {
		t.Errorf("server b counted %v requests that server a answered", v)
	}
}

// nopWriter is the smallest ResponseWriter: it keeps one Header map, so what
// is measured is the handler's own allocation.
type nopWriter struct {
	header http.Header
	code   int
	n      int
}

func newNopWriter() *nopWriter { return &nopWriter{header: make(http.Header, 4)} }

func (w *nopWriter) Header() http.Header  { return w.header }
func (w *nopWriter) WriteHeader(code int) { w.code = code }
func (w *nopWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK // as net/http: a Write without WriteHeader sends 200
	}
	w.n += len(p)
	return len(p), nil
}

func TestZeroAllocHelloWriter(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	// Short and long host names: the body is under and over 100 bytes
	// (strconv.Itoa allocates from 100 on).
	for _, host := range []string{"h", "app-7d9f8b6c5-x2x4z", strings.Repeat("long-pod-name-", 8)} {
		hw := newHelloWriter(host, time.Now)
		w := newNopWriter()
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			r := httptest.NewRequest(method, "/", nil)
			hw.serve(w, r) // fill the pool
			allocs := testing.AllocsPerRun(1000, func() {
				w.n = 0
				if hw.serve(w, r) != http.StatusOK {
					t.Fatal("not 200")
				}
			})
			if allocs != 0 {
				t.Errorf("host %q, %s: helloWriter.serve allocates %v times per request, want 0", host, method, allocs)
			}
		}
		if w.code != http.StatusOK || w.n != hw.size {
			t.Errorf("last (HEAD) call wrote %d, %d bytes; want 200, %d (net/http drops a HEAD's body)", w.code, w.n, hw.size)
		}
	}
}

// The whole handler, through the mux and the metrics, is measured too: with
// the writer above it allocates nothing either (net/http's own response
// writer and request parsing are outside what the service controls).
func TestZeroAllocHandler(t *testing.T) {
	if raceEnabled {
		t.Skip("sync.Pool drops items at random under -race")
	}
	for _, tc := range []struct {
		name string
		m    Metrics
	}{{"Prometheus' metrics (the image)", metrics.New()}, {"no metrics (the client's --local)", nil}} {
		h := New(Config{Hostname: "app-7d9f8b6c5-x2x4z", Metrics: tc.m}).Handler()
		w := newNopWriter()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		h.ServeHTTP(w, r)
		allocs := testing.AllocsPerRun(1000, func() { h.ServeHTTP(w, r) })
		if allocs != 0 {
			t.Errorf("%s: GET / through Server.Handler allocates %v times per request, want 0", tc.name, allocs)
		}
		if w.code != http.StatusOK {
			t.Errorf("%s: status %d", tc.name, w.code)
		}
	}
}

func BenchmarkHello(b *testing.B) {
	h := New(Config{Hostname: "app-7d9f8b6c5-x2x4z", Metrics: metrics.New()}).Handler()
	w := newNopWriter()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		w.n = 0
		h.ServeHTTP(w, r)
	}
	b.SetBytes(int64(w.n))
	if w.code != http.StatusOK {
		b.Fatalf("status %d", w.code)
	}
}

func BenchmarkHelloParallel(b *testing.B) {
	h := New(Config{Hostname: "app-7d9f8b6c5-x2x4z", Metrics: metrics.New()}).Handler()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		w := newNopWriter()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		for pb.Next() {
			h.ServeHTTP(w, r)
		}
		if w.code != 0 && w.code != http.StatusOK { // 0: this goroutine got no iteration
			b.Errorf("status %d", w.code)
		}
	})
}

// BenchmarkHelloWriter is the reply alone, without routing and metrics.
func BenchmarkHelloWriter(b *testing.B) {
	hw := newHelloWriter("app-7d9f8b6c5-x2x4z", time.Now)
	w := newNopWriter()
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		hw.serve(w, r)
	}
}
