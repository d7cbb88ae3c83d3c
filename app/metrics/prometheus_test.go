package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Instrument counts each answer by the status the handler reports, times
// it, and Handler serves that with the Go and process collectors.
func TestInstrumentCountsByReportedStatus(t *testing.T) {
	m := New()
	teapot := m.Instrument("brew", func(w http.ResponseWriter, _ *http.Request) int {
		w.WriteHeader(http.StatusTeapot)
		return http.StatusTeapot
	})
	ok := m.Instrument("root", func(http.ResponseWriter, *http.Request) int { return http.StatusOK })
	for range 2 {
		teapot.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))
	}
	ok.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil))

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`cloudperf_http_requests_total{code="418",handler="brew"} 2`,
		`cloudperf_http_requests_total{code="200",handler="root"} 1`,
		`cloudperf_http_request_duration_seconds_count{handler="brew"} 2`,
		"cloudperf_http_requests_in_flight 0",
		"\ngo_goroutines ",
		"\nprocess_cpu_seconds_total ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics has no %q", want)
		}
	}
}
