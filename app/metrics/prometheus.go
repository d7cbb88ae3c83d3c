// Package metrics is the service's Prometheus instrumentation: request
// counts, durations and requests in flight by route, with the Go and process
// collectors, served at /metrics. The app binary passes it to hello.Main; the
// client's embedded service runs without it and so links no Prometheus.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Prometheus is one server's registry. It is not the global registry, so
// several servers (tests, several in one process) never collide.
type Prometheus struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

// New is a registry with the service's metrics and the Go and process collectors.
func New() *Prometheus {
	m := &Prometheus{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "cloudperf_http_requests_total",
			Help: "HTTP requests answered, by handler and status code.",
		}, []string{"handler", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "cloudperf_http_request_duration_seconds",
			Help:    "Time from routing a request to its handler returning, by handler.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"handler"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "cloudperf_http_requests_in_flight",
			Help: "Requests being served right now.",
		}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.inFlight,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Instrument counts and times a handler that reports its own status code, so
// the hot path needs no wrapping ResponseWriter and allocates nothing.
func (m *Prometheus) Instrument(route string, h func(http.ResponseWriter, *http.Request) int) http.Handler {
	duration := m.duration.WithLabelValues(route)
	ok := m.requests.WithLabelValues(route, "200")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		code := h(w, r)
		m.inFlight.Dec()
		duration.Observe(time.Since(start).Seconds())
		if code == http.StatusOK {
			ok.Inc()
		} else {
			m.requests.WithLabelValues(route, strconv.Itoa(code)).Inc()
		}
	})
}

// Handler serves the registry in Prometheus' text format.
func (m *Prometheus) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
