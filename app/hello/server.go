package hello

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"
)

// Config is everything the server can be told. DefaultConfig fills it in.
type Config struct {
	Addr     string // listen address for Run, e.g. ":5000"
	Hostname string // reported in every reply; the pod name on Kubernetes
	Work     Work   // default work per GET /

	// Limits so a slow or hostile client cannot hold a connection or memory.
	// ReadHeaderTimeout, IdleTimeout and MaxHeaderBytes must be more than 0:
	// net/http would take a 0 in the first two as "the read timeout" and in
	// the last as its own 1 MB default, so Validate refuses it (New gives a
	// zero one DefaultConfig's value, as it does ReadTimeout and WriteTimeout).
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int

	// Shutdown: readiness turns 503 at once, the listener stays open DrainDelay
	// longer (so Kubernetes removes the pod from the Service's endpoints), then
	// in-flight requests get GracePeriod to finish. Zero means none: no drain
	// delay, and requests still in flight when the listener closes are cut.
	DrainDelay  time.Duration
	GracePeriod time.Duration

	Logger *slog.Logger

	// Metrics counts requests and serves /metrics; nil: none (see Metrics).
	Metrics Metrics
}

// DefaultConfig is the configuration the image runs with.
func DefaultConfig() Config {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown"
	}
	return Config{
		Addr:              ":5000",
		Hostname:          host,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      MaxDelay + MaxCPU + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		DrainDelay:        2 * time.Second,
		GracePeriod:       10 * time.Second,
		Logger:            slog.New(slog.DiscardHandler),
	}
}

// Server serves the hello API, health, readiness and metrics.
type Server struct {
	cfg      Config
	hello    *helloWriter
	handler  http.Handler
	draining atomic.Bool
}

// New builds a server; zero fields of cfg take DefaultConfig's values, but
// for DrainDelay and GracePeriod, where zero means none.
func New(cfg Config) *Server {
	cfg = withDefaults(cfg)
	s := &Server{cfg: cfg, hello: newHelloWriter(cfg.Hostname, time.Now)}
	m := cfg.Metrics
	if m == nil {
		m = uncounted{}
	}
	// Four exact paths, everything else to root (a JSON 404): not
	// http.ServeMux, which answers a path it would clean ("//x", "/a/../")
	// with a redirect no client of this API wants.
	root := m.Instrument("root", s.root)
	healthz := m.Instrument("healthz", s.healthz)
	readyz := m.Instrument("readyz", s.readyz)
	metricsHandler := m.Handler()
	if metricsHandler == nil {
		metricsHandler = root
	}
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/healthz":
			healthz.ServeHTTP(w, r)
		case "/readyz":
			readyz.ServeHTTP(w, r)
		case "/metrics":
			metricsHandler.ServeHTTP(w, r)
		default:
			root.ServeHTTP(w, r)
		}
	})
	return s
}

func withDefaults(cfg Config) Config {
	d := DefaultConfig()
	set := func(dst *time.Duration, def time.Duration) {
		if *dst == 0 {
			*dst = def
		}
	}
	set(&cfg.ReadHeaderTimeout, d.ReadHeaderTimeout)
	set(&cfg.ReadTimeout, d.ReadTimeout)
	set(&cfg.WriteTimeout, d.WriteTimeout)
	set(&cfg.IdleTimeout, d.IdleTimeout)
	if cfg.MaxHeaderBytes == 0 {
		cfg.MaxHeaderBytes = d.MaxHeaderBytes
	}
	if cfg.Hostname == "" {
		cfg.Hostname = d.Hostname
	}
	if cfg.Addr == "" {
		cfg.Addr = d.Addr
	}
	if cfg.Logger == nil {
		cfg.Logger = d.Logger
	}
	return cfg
}

// Validate reports the first setting a server cannot run with, by its flag
// (ReadTimeout and WriteTimeout have none).
func (cfg Config) Validate() error {
	// A slice, not a map: with several bad settings, the same one is reported
	// every time.
	for _, s := range []struct {
		name     string
		d        time.Duration
		positive bool // net/http would not take 0 as zero
	}{
		{"-read-header-timeout", cfg.ReadHeaderTimeout, true}, {"ReadTimeout", cfg.ReadTimeout, false},
		{"WriteTimeout", cfg.WriteTimeout, false}, {"-idle-timeout", cfg.IdleTimeout, true},
		{"-drain-delay", cfg.DrainDelay, false}, {"-grace-period", cfg.GracePeriod, false},
	} {
		switch {
		case s.positive && s.d <= 0:
			return fmt.Errorf("%s must be more than 0 (got %v): net/http would use the read timeout instead", s.name, s.d)
		case s.d < 0:
			return fmt.Errorf("%s must not be negative (got %v)", s.name, s.d)
		}
	}
	if cfg.MaxHeaderBytes <= 0 {
		return fmt.Errorf("-max-header-bytes must be more than 0 (got %d): net/http would use its 1 MB default instead", cfg.MaxHeaderBytes)
	}
	return cfg.Work.validate()
}

// Handler is the server's routing, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.handler }

// Ready reports whether /readyz answers 200: until shutdown begins.
func (s *Server) Ready() bool { return !s.draining.Load() }

// Run listens on cfg.Addr and serves until ctx is done, then drains.
func Run(ctx context.Context, cfg Config) error {
	s := New(cfg)
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", s.cfg.Addr, err)
	}
	return s.Serve(ctx, ln)
}

// ErrGracePeriodExceeded means shutdown cut requests that had not finished.
var ErrGracePeriodExceeded = errors.New("grace period exceeded: open connections were closed")

// Serve answers on ln until ctx is done, then shuts down in order: readiness
// 503, DrainDelay with the listener still open, listener closed, in-flight
// requests given GracePeriod. It returns nil after a clean drain.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	log := s.cfg.Logger
	srv := &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: s.cfg.ReadHeaderTimeout,
		ReadTimeout:       s.cfg.ReadTimeout,
		WriteTimeout:      s.cfg.WriteTimeout,
		IdleTimeout:       s.cfg.IdleTimeout,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	log.Info("serving", "addr", ln.Addr().String(), "host", s.cfg.Hostname)

	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}

	s.draining.Store(true)
	srv.SetKeepAlivesEnabled(false) // clients reconnect, and so move to pods that stay
	log.Info("shutdown: readiness now 503", "drain_delay", s.cfg.DrainDelay)
	if s.cfg.DrainDelay > 0 {
		select {
		case <-time.After(s.cfg.DrainDelay):
		case err := <-served:
			return fmt.Errorf("serve: %w", err)
		}
	}

	log.Info("shutdown: listener closed, finishing in-flight requests", "grace_period", s.cfg.GracePeriod)
	graceCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.GracePeriod)
	defer cancel()
	if err := srv.Shutdown(graceCtx); err != nil {
		_ = srv.Close()
		log.Error("shutdown: grace period exceeded", "grace_period", s.cfg.GracePeriod)
		return ErrGracePeriodExceeded
	}
	log.Info("shutdown: done")
	return nil
}
