package hello

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metrics is one server's Prometheus registry. It is not the global registry,
// so several servers (tests, the client's --local mode) never collide.
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newMetrics() *metrics {
	m := &metrics{
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

// instrument counts and times a handler that reports its own status code, so
// the hot path needs no wrapping ResponseWriter and allocates nothing.
func (m *metrics) instrument(name string, h func(http.ResponseWriter, *http.Request) int) http.Handler {
	duration := m.duration.WithLabelValues(name)
	ok := m.requests.WithLabelValues(name, "200")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		m.inFlight.Inc()
		code := h(w, r)
		m.inFlight.Dec()
		duration.Observe(time.Since(start).Seconds())
		if code == http.StatusOK {
			ok.Inc()
		} else {
			m.requests.WithLabelValues(name, strconv.Itoa(code)).Inc()
		}
	})
}

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{})
}
