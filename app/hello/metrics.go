package hello

import "net/http"

// Metrics counts and times what the server answers and serves the figures
// at /metrics. The app binary passes Prometheus' (package app/metrics);
// without one (the client's embedded service) requests go uncounted and
// /metrics is an unknown path.
type Metrics interface {
	// Instrument wraps a route's handler, which returns the status it wrote.
	Instrument(route string, h func(http.ResponseWriter, *http.Request) int) http.Handler
	// Handler serves the figures.
	Handler() http.Handler
}

// uncounted is the server's Metrics when it is given none.
type uncounted struct{}

func (uncounted) Instrument(_ string, h func(http.ResponseWriter, *http.Request) int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h(w, r) })
}

func (uncounted) Handler() http.Handler { return nil }
