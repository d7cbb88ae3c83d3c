package load

import (
	"bufio"
	"context"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/results"
)

func newHitter(t *testing.T, url string, timeout time.Duration) *HTTPHitter {
	t.Helper()
	h, err := NewHTTPHitter(HTTPOptions{URL: url, Timeout: timeout, KeepAlive: true, MaxConns: 4})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// rawServer accepts connections on loopback and hands each to serve.
func rawServer(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return "http://" + ln.Addr().String() + "/"
}

const helloBody = `{"message":"Hello","timestamp":"2026-01-01T00:00:00.000000000Z","host":"pod-a"}`

func quietTLSServer(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return srv
}

func TestHTTPHitterClasses(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(helloBody))
	}))
	defer ok.Close()
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer failing.Close()
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(2 * time.Second):
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	big := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(strings.Repeat("x", 100_000)))
	}))
	defer big.Close()
	tlsSrv := quietTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer tlsSrv.Close()

	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	refusedURL := "http://" + closed.Addr().String() + "/"
	closed.Close()

	resetURL := rawServer(t, func(c net.Conn) {
		_, _ = bufio.NewReader(c).ReadString('\n')
		c.(*net.TCPConn).SetLinger(0) // close with RST
		c.Close()
	})
	garbageURL := rawServer(t, func(c net.Conn) {
		_, _ = bufio.NewReader(c).ReadString('\n')
		_, _ = c.Write([]byte("SSH-2.0-OpenSSH_9.2\r\n\r\n"))
		c.Close()
	})

	tests := []struct {
		name   string
		url    string
		class  results.Class
		status int
		host   string
		bytes  int64
	}{
		{"ok", ok.URL, results.ClassOK, 200, "pod-a", int64(len(helloBody))},
		{"500", failing.URL, results.ClassHTTP, 500, "", 5},
		{"timeout", slow.URL, results.ClassTimeout, 0, "", 0},
		{"refused", refusedURL, results.ClassRefused, 0, "", 0},
		{"reset", resetURL, results.ClassReset, 0, "", 0},
		{"not HTTP", garbageURL, results.ClassProtocol, 0, "", 0},
		{"dns", "http://does-not-exist.invalid/", results.ClassDNS, 0, "", 0},
		{"self-signed TLS", tlsSrv.URL, results.ClassTLS, 0, "", 0},
		{"large body counted", big.URL, results.ClassOK, 200, "", 100_000},
	}
	for _, kind := range hitterKinds {
		for _, tt := range tests {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				timeout := 10 * time.Second // a TLS handshake under -race on a busy machine can take a few hundred ms
				if tt.class == results.ClassTimeout {
					timeout = 300 * time.Millisecond
				}
				r := kind.new(t, HTTPOptions{URL: tt.url, Timeout: timeout, KeepAlive: true, MaxConns: 4}).Hit(context.Background())
				if r.Class != tt.class || r.Status != tt.status || r.Host != tt.host {
					t.Errorf("Hit = %+v (%v), want class %v status %d host %q", r, r.Class, tt.class, tt.status, tt.host)
				}
				if tt.bytes > 0 && r.Bytes != tt.bytes {
					t.Errorf("Bytes = %d, want %d", r.Bytes, tt.bytes)
				}
			})
		}
	}
}

// hitterKinds are the Hitter implementations every behaviour is checked on.
var hitterKinds = []struct {
	name string
	new  func(t *testing.T, o HTTPOptions) Hitter
}{
	{"nethttp", func(t *testing.T, o HTTPOptions) Hitter {
		h, err := NewHTTPHitter(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(h.Close)
		return h
	}},
	{"fasthttp", func(t *testing.T, o HTTPOptions) Hitter {
		h, err := NewFastHitter(o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(h.Close)
		return h
	}},
}

func TestHTTPHitterInsecureAcceptsSelfSigned(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	for _, kind := range hitterKinds {
		h := kind.new(t, HTTPOptions{URL: srv.URL, Timeout: time.Second, Insecure: true})
		if r := h.Hit(context.Background()); r.Class != results.ClassOK {
			t.Fatalf("%s with Insecure: %+v", kind.name, r)
		}
	}
}

func TestHTTPHitterCanceled(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	if r := newHitter(t, srv.URL, 5*time.Second).Hit(ctx); r.Class != results.ClassCanceled {
		t.Fatalf("canceled request: %+v", r)
	}
}

func TestParseTargetURL(t *testing.T) {
	for _, bad := range []string{"", "127.0.0.1:5000", "ftp://x/", "http://", "http:///x", "://"} {
		if _, err := ParseTargetURL(bad); err == nil {
			t.Errorf("ParseTargetURL(%q) accepted", bad)
		}
	}
	u, err := ParseTargetURL("http://127.0.0.1:5000")
	if err != nil || u.Path != "/" {
		t.Errorf("ParseTargetURL adds the root path: %v %v", u, err)
	}
}

func TestHostInterning(t *testing.T) {
	var hi hostInterner
	a := hi.fromBody([]byte(`{"host":"pod-1"}`))
	b := hi.fromBody([]byte(`{"x":1,"host":"pod-1","y":2}`))
	if a != "pod-1" || b != "pod-1" {
		t.Fatalf("got %q %q", a, b)
	}
	for _, body := range []string{``, `{"host":`, `{"host":"unterminated`, `{"hostname":"x"}`} {
		if got := hi.fromBody([]byte(body)); got != "" {
			t.Errorf("fromBody(%q) = %q", body, got)
		}
	}
}

// A host already seen is returned without a new string.
func TestZeroAllocHostInterning(t *testing.T) {
	var hi hostInterner
	hi.fromBody([]byte(`{"host":"pod-1"}`))
	if n := testing.AllocsPerRun(100, func() { hi.fromBody([]byte(`{"host":"pod-1"}`)) }); n != 0 {
		t.Errorf("a known host allocates %v times", n)
	}
}

// A connection older than MaxConnAge is replaced, so a scaled-out Service's
// new pods get new connections; over plain HTTP and TLS, with both engines.
func TestMaxConnAge(t *testing.T) {
	var mu sync.Mutex
	remotes := map[string]bool{}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		remotes[r.RemoteAddr] = true
		mu.Unlock()
	})
	plain, secure := httptest.NewServer(handler), httptest.NewTLSServer(handler)
	defer plain.Close()
	defer secure.Close()
	for _, srv := range []*httptest.Server{plain, secure} {
		for _, kind := range hitterKinds {
			for _, tc := range []struct {
				age  time.Duration
				many bool
			}{{0, false}, {50 * time.Millisecond, true}} {
				mu.Lock()
				clear(remotes)
				mu.Unlock()
				h := kind.new(t, HTTPOptions{URL: srv.URL, Timeout: time.Second, KeepAlive: true, MaxConns: 1, MaxConnAge: tc.age, Insecure: true})
				for i := 0; i < 20; i++ {
					if r := h.Hit(context.Background()); r.Class != results.ClassOK {
						t.Fatalf("%s %s: hit: %+v", srv.URL, kind.name, r)
					}
					time.Sleep(10 * time.Millisecond)
				}
				mu.Lock()
				n := len(remotes)
				mu.Unlock()
				if (n > 1) != tc.many {
					t.Errorf("%s %s, MaxConnAge %v: %d connections over 200 ms", srv.URL, kind.name, tc.age, n)
				}
				if tc.many && n > 10 {
					t.Errorf("%s %s, MaxConnAge %v: %d connections over 200 ms: retired too early", srv.URL, kind.name, tc.age, n)
				}
			}
		}
	}
}
