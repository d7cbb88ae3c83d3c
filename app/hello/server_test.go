package hello

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/app/metrics"
)

// serving is a Server running Serve on a loopback listener.
type serving struct {
	s    *Server
	addr string // host:port
	url  string // http://host:port
	stop context.CancelFunc
	done chan error // Serve's result
}

func startServe(t *testing.T, cfg Config) *serving {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.New() // as the image runs; waitInFlight reads them
	}
	ctx, cancel := context.WithCancel(context.Background())
	sv := &serving{s: New(cfg), addr: ln.Addr().String(), url: "http://" + ln.Addr().String(), stop: cancel, done: make(chan error, 1)}
	go func() { sv.done <- sv.s.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-sv.done:
		case <-time.After(sv.s.cfg.DrainDelay + sv.s.cfg.GracePeriod + 10*time.Second):
			t.Error("Serve did not return after its context was cancelled")
		}
	})
	return sv
}

// wait returns Serve's result, failing the test if it takes longer than limit.
func (sv *serving) wait(t *testing.T, limit time.Duration) error {
	t.Helper()
	select {
	case err := <-sv.done:
		sv.done <- err // for the cleanup
		return err
	case <-time.After(limit):
		t.Fatalf("Serve still running %v after shutdown began", limit)
		return nil
	}
}

// get is a GET on a fresh connection, from a client that would keep it alive;
// closing reports whether the server said Connection: close.
func get(url string) (code int, body string, closing bool, err error) {
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: 10 * time.Second, Transport: tr}
	resp, err := client.Get(url)
	if err != nil {
		return 0, "", false, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), resp.Close, err
}

// waitInFlight polls /metrics until n requests are being served.
func waitInFlight(t *testing.T, baseURL string, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, body, _, err := get(baseURL + "/metrics")
		if err == nil && code == http.StatusOK {
			if v, ok := metricValue(t, []byte(body), "cloudperf_http_requests_in_flight"); ok && v == float64(n) {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("never saw %d request(s) in flight (last: %d %v)", n, code, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestReadyzTurns503WhenShutdownBegins(t *testing.T) {
	const drain = 2 * time.Second // the window in which readiness is polled
	sv := startServe(t, Config{Hostname: "h", DrainDelay: drain, GracePeriod: 5 * time.Second})

	code, body, closing, err := get(sv.url + "/readyz")
	if err != nil || code != http.StatusOK {
		t.Fatalf("before shutdown: /readyz %d %q %v, want 200", code, body, err)
	}
	if closing {
		t.Fatal("before shutdown: the server closes keep-alive connections")
	}
	if !sv.s.Ready() {
		t.Fatal("Ready() false before shutdown")
	}
	sv.stop()
	began := time.Now()

	// Readiness turns 503 while the listener is still open.
	for {
		code, body, _, err := get(sv.url + "/readyz")
		if err != nil {
			t.Fatalf("/readyz during the drain window (%v after shutdown began): %v", time.Since(began), err)
		}
		if code == http.StatusServiceUnavailable {
			if body != "shutting down\n" {
				t.Errorf("/readyz 503 body %q", body)
			}
			break
		}
		if code != http.StatusOK {
			t.Fatalf("/readyz %d %q", code, body)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if sv.s.Ready() {
		t.Error("Ready() true after shutdown began")
	}
	// The rest still answers during the drain, without keep-alive.
	for _, path := range []string{"/healthz", "/", "/readyz"} {
		code, _, closing, err := get(sv.url + path)
		if err != nil {
			t.Fatalf("%s during drain: %v", path, err)
		}
		want := http.StatusOK
		if path == "/readyz" {
			want = http.StatusServiceUnavailable
		}
		if code != want {
			t.Errorf("%s during drain: %d, want %d", path, code, want)
		}
		if !closing {
			t.Errorf("%s during drain: connection kept alive, want Connection: close", path)
		}
	}

	if err := sv.wait(t, drain+10*time.Second); err != nil {
		t.Fatalf("Serve: %v, want nil after a clean drain", err)
	}
	if time.Since(began) < drain {
		t.Errorf("Serve returned %v after shutdown began, before the %v drain delay", time.Since(began), drain)
	}
	if conn, err := net.DialTimeout("tcp", sv.addr, time.Second); err == nil {
		conn.Close()
		t.Error("listener still accepts connections after Serve returned")
	}
}

func TestServeFinishesInFlightRequest(t *testing.T) {
	sv := startServe(t, Config{Hostname: "h", DrainDelay: 100 * time.Millisecond, GracePeriod: 5 * time.Second})
	type result struct {
		code int
		body string
		err  error
	}
	res := make(chan result, 1)
	go func() {
		code, body, _, err := get(sv.url + "/?delay=700ms")
		res <- result{code, body, err}
	}()
	waitInFlight(t, sv.url, 1)
	sv.stop()

	r := <-res
	if r.err != nil || r.code != http.StatusOK {
		t.Fatalf("in-flight request: %d %q %v, want 200", r.code, r.body, r.err)
	}
	if !strings.HasPrefix(r.body, `{"message":"Hello","timestamp":"`) || !strings.HasSuffix(r.body, `","host":"h"}`+"\n") {
		t.Errorf("in-flight request body %q", r.body)
	}
	if err := sv.wait(t, 10*time.Second); err != nil {
		t.Fatalf("Serve: %v", err)
	}
}

// A request still running when the grace period ends is cut; a grace period
// of 0 cuts it as the listener closes (it is not replaced by the default).
func TestServeGracePeriodExceeded(t *testing.T) {
	for _, grace := range []time.Duration{100 * time.Millisecond, 0} {
		t.Run(grace.String(), func(t *testing.T) {
			sv := startServe(t, Config{Hostname: "h", GracePeriod: grace})
			res := make(chan error, 1)
			go func() {
				code, _, _, err := get(sv.url + "/?delay=10s")
				if err == nil {
					err = fmt.Errorf("status %d", code)
				}
				res <- err
			}()
			waitInFlight(t, sv.url, 1)
			sv.stop()
			if err := sv.wait(t, 5*time.Second); !errors.Is(err, ErrGracePeriodExceeded) {
				t.Fatalf("Serve: %v, want ErrGracePeriodExceeded", err)
			}
			select {
			case err := <-res:
				t.Logf("cut request: %v", err)
			case <-time.After(5 * time.Second):
				t.Error("the request cut by the grace period is still waiting")
			}
		})
	}
}

// With no connection open, no grace period is still a clean drain. (Not
// after a request on a kept-alive connection: net/http marks it idle just
// after the answer is written, and a zero grace period can see it active.)
func TestServeNoGracePeriodIdle(t *testing.T) {
	sv := startServe(t, Config{Hostname: "h"})
	sv.stop()
	if err := sv.wait(t, 5*time.Second); err != nil {
		t.Fatalf("Serve: %v, want a clean drain", err)
	}
}

func TestServeReturnsListenerError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	done := make(chan error, 1)
	go func() { done <- New(Config{}).Serve(context.Background(), ln) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Serve on a closed listener returned nil")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve on a closed listener did not return")
	}
}

func TestRunListenError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	err = Run(context.Background(), Config{Addr: ln.Addr().String()})
	if err == nil || !strings.Contains(err.Error(), "listen on "+ln.Addr().String()) {
		t.Fatalf("Run on a busy port: %v", err)
	}
}

// A client that sends part of its headers and then nothing is cut off after
// ReadHeaderTimeout instead of holding the connection.
func TestSlowHeadersAreCutOff(t *testing.T) {
	sv := startServe(t, Config{ReadHeaderTimeout: 200 * time.Millisecond})
	tests := []struct{ name, send string }{
		{"nothing", ""},
		{"request line", "GET / HTTP/1.1\r\n"},
		{"some headers", "GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: slowloris\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", sv.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tt.send); err != nil {
				t.Fatal(err)
			}
			const patience = 5 * time.Second // far beyond the 200ms timeout
			conn.SetReadDeadline(time.Now().Add(patience))
			got, err := io.ReadAll(conn) // until the server closes
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatalf("connection still open after %v", patience)
			}
			if len(got) > 0 {
				t.Errorf("server answered %q to an incomplete request", got)
			}
		})
	}
	// The same server answers a complete request on a raw connection.
	t.Run("control", func(t *testing.T) {
		conn, err := net.Dial("tcp", sv.addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

func TestOversizedHeaders(t *testing.T) {
	tests := []struct {
		name           string
		maxHeaderBytes int // 0: the default, 16 KiB
		headerSize     int
		want           int
	}{
		{"default limit, 8 KiB", 0, 8 << 10, http.StatusOK},
		{"default limit, 64 KiB", 0, 64 << 10, http.StatusRequestHeaderFieldsTooLarge},
		{"1 KiB limit, 512 B", 1024, 512, http.StatusOK},
		// net/http allows 4 KiB of slack over MaxHeaderBytes.
		{"1 KiB limit, 16 KiB", 1024, 16 << 10, http.StatusRequestHeaderFieldsTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sv := startServe(t, Config{MaxHeaderBytes: tt.maxHeaderBytes})
			conn, err := net.Dial("tcp", sv.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			conn.SetDeadline(time.Now().Add(10 * time.Second))
			req := "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: " + strings.Repeat("a", tt.headerSize) + "\r\n\r\n"
			// Write while reading: the server answers 431 before it has read
			// everything, and a blocked write must not keep us from the answer.
			go io.WriteString(conn, req)
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.want)
			}
		})
	}
}

func TestNewFillsDefaults(t *testing.T) {
	d := DefaultConfig()
	s := New(Config{DrainDelay: 0, ReadHeaderTimeout: time.Second})
	if s.cfg.ReadHeaderTimeout != time.Second {
		t.Errorf("ReadHeaderTimeout %v, want the 1s given", s.cfg.ReadHeaderTimeout)
	}
	if s.cfg.DrainDelay != 0 || s.cfg.GracePeriod != 0 {
		t.Errorf("DrainDelay %v, GracePeriod %v: zero means none, not the default", s.cfg.DrainDelay, s.cfg.GracePeriod)
	}
	for name, pair := range map[string][2]any{
		"ReadTimeout":    {s.cfg.ReadTimeout, d.ReadTimeout},
		"WriteTimeout":   {s.cfg.WriteTimeout, d.WriteTimeout},
		"IdleTimeout":    {s.cfg.IdleTimeout, d.IdleTimeout},
		"MaxHeaderBytes": {s.cfg.MaxHeaderBytes, d.MaxHeaderBytes},
		"Hostname":       {s.cfg.Hostname, d.Hostname},
		"Addr":           {s.cfg.Addr, d.Addr},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s = %v, want the default %v", name, pair[0], pair[1])
		}
	}
	if s.cfg.Logger == nil {
		t.Error("Logger nil")
	}
	if d.ReadHeaderTimeout <= 0 || d.ReadTimeout <= 0 || d.WriteTimeout <= MaxDelay+MaxCPU || d.IdleTimeout <= 0 || d.MaxHeaderBytes <= 0 {
		t.Errorf("DefaultConfig leaves a limit unset or too small for the longest request: %+v", d)
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Config)
		want   string // "" means valid
	}{
		{"default", func(*Config) {}, ""},
		{"max work", func(c *Config) { c.Work = Work{Delay: MaxDelay, CPU: MaxCPU} }, ""},
		{"negative drain", func(c *Config) { c.DrainDelay = -time.Second }, "drain-delay must not be negative"},
		{"negative grace", func(c *Config) { c.GracePeriod = -1 }, "grace-period"},
		{"negative header timeout", func(c *Config) { c.ReadHeaderTimeout = -1 }, "read-header-timeout"},
		{"negative max header", func(c *Config) { c.MaxHeaderBytes = -1 }, "max-header-bytes"},
		{"no drain delay", func(c *Config) { c.DrainDelay = 0 }, ""},
		{"no grace period", func(c *Config) { c.GracePeriod = 0 }, ""},
		{"zero header timeout", func(c *Config) { c.ReadHeaderTimeout = 0 }, "-read-header-timeout must be more than 0"},
		{"zero idle timeout", func(c *Config) { c.IdleTimeout = 0 }, "-idle-timeout must be more than 0"},
		{"zero max header", func(c *Config) { c.MaxHeaderBytes = 0 }, "-max-header-bytes must be more than 0"},
		{"negative write timeout", func(c *Config) { c.WriteTimeout = -1 }, "WriteTimeout must not be negative"},
		{"delay too long", func(c *Config) { c.Work.Delay = MaxDelay + 1 }, "delay"},
		{"cpu too long", func(c *Config) { c.Work.CPU = MaxCPU + 1 }, "cpu"},
		{"negative cpu", func(c *Config) { c.Work.CPU = -1 }, "cpu"},
		// Two bad settings: the first, in flag order, is reported, every time.
		{"two bad", func(c *Config) { c.ReadTimeout, c.GracePeriod = -1, -1 }, "ReadTimeout"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 20 { // the same answer every time
				cfg := DefaultConfig()
				tt.modify(&cfg)
				err := cfg.Validate()
				if tt.want == "" && err != nil {
					t.Fatalf("Validate: %v", err)
				}
				if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
					t.Fatalf("Validate: %v, want an error mentioning %q", err, tt.want)
				}
			}
		})
	}
}
