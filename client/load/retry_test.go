package load

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/results"
)

// A kept-alive connection the server closed while it was idle (an idle
// timeout, a drain, a restart) is not a failure: the request goes again on a
// new connection, as net/http does. A new connection closed before answering
// is a failure, and is not retried.
func TestServerClosedConnections(t *testing.T) {
	// Borrow httptest's certificate for the TLS variants.
	certSrv := httptest.NewTLSServer(http.NotFoundHandler())
	tlsConfig := certSrv.TLS
	certSrv.Close()

	response := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(helloBody)) + "\r\n\r\n" + helloBody
	for _, useTLS := range []bool{false, true} {
		var answeredConns, silentConns atomic.Int64
		// Answers one request per connection, keeping it alive, then closes it.
		answerOnce := closingServer(t, useTLS, tlsConfig, func(c net.Conn) {
			answeredConns.Add(1)
			readHeader(c)
			_, _ = io.WriteString(c, response)
		})
		// Closes every connection once the request has arrived.
		silent := closingServer(t, useTLS, tlsConfig, func(c net.Conn) {
			silentConns.Add(1)
			readHeader(c)
		})
		for _, kind := range hitterKinds {
			name := kind.name
			if useTLS {
				name += "/tls"
			}
			t.Run(name, func(t *testing.T) {
				answeredConns.Store(0)
				h := kind.new(t, HTTPOptions{URL: answerOnce, Timeout: 5 * time.Second, KeepAlive: true, MaxConns: 1, Insecure: true})
				for i := range 3 {
					if r := h.Hit(context.Background()); r.Class != results.ClassOK {
						t.Fatalf("request %d after the server closed the idle connection: %+v (%v)", i, r, r.Class)
					}
					time.Sleep(20 * time.Millisecond) // the server's FIN arrives
				}
				if n := answeredConns.Load(); n != 3 {
					t.Errorf("%d connections for 3 requests", n)
				}

				// Several dead connections in the pool (a server that closes its
				// idle connections on shutdown): the request tries them all.
				h = kind.new(t, HTTPOptions{URL: answerOnce, Timeout: 5 * time.Second, KeepAlive: true, MaxConns: 8, Insecure: true})
				var wg sync.WaitGroup
				for range 8 {
					wg.Add(1)
					go func() { defer wg.Done(); h.Hit(context.Background()) }()
				}
				wg.Wait()
				time.Sleep(50 * time.Millisecond)
				if r := h.Hit(context.Background()); r.Class != results.ClassOK {
					t.Errorf("with the server's idle connections all closed: %+v (%v)", r, r.Class)
				}

				silentConns.Store(0)
				h = kind.new(t, HTTPOptions{URL: silent, Timeout: 5 * time.Second, KeepAlive: true, MaxConns: 1, Insecure: true})
				if r := h.Hit(context.Background()); r.Class != results.ClassReset {
					t.Errorf("a new connection closed before answering: %+v (%v), want reset", r, r.Class)
				}
				if n := silentConns.Load(); n != 1 {
					t.Errorf("%d connections for 1 request: a new connection was retried", n)
				}
			})
		}
	}
}

// closingServer serves each connection with serve, over TLS if asked, then
// closes it.
func closingServer(t *testing.T, useTLS bool, config *tls.Config, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	scheme := "http"
	if useTLS {
		ln, scheme = tls.NewListener(ln, config), "https"
	}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				_ = c.SetDeadline(time.Now().Add(10 * time.Second))
				serve(c)
			}()
		}
	}()
	return scheme + "://" + ln.Addr().String() + "/"
}

// readHeader reads a request's header block.
func readHeader(c net.Conn) {
	var buf [4096]byte
	var got []byte
	for {
		n, err := c.Read(buf[:])
		got = append(got, buf[:n]...)
		if err != nil || len(got) >= 4 && string(got[len(got)-4:]) == "\r\n\r\n" {
			return
		}
	}
}
