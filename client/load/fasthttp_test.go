package load

// What FastHitter relies on fasthttp (the version in go.mod) to do, pinned
// against real servers on loopback, so an upgrade that changes any of it
// fails here rather than misclassifying a run.

import (
	"context"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cloudperf/cloudperf/client/results"
)

func newFast(t *testing.T, o HTTPOptions) *FastHitter {
	t.Helper()
	h, err := NewFastHitter(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return h
}

// answer is a whole HTTP/1.1 response with body.
func answer(body string) string {
	return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\n\r\n" + body
}

// do sends one request as Hit does, without Hit's retry, and returns
// fasthttp's own error and the response.
func (h *FastHitter) do(t *testing.T, timeout time.Duration) (*fasthttp.Response, error) {
	t.Helper()
	req := h.request()
	defer h.requests.Put(req)
	resp := fasthttp.AcquireResponse()
	t.Cleanup(func() { fasthttp.ReleaseResponse(resp) })
	return resp, h.client.DoTimeout(req, resp, timeout)
}

// Hit's retry of a kept-alive connection the server closed while it was idle
// rests on three things fasthttp does: it does not retry by itself (given
// RetryIfErr), it reports the closed connection as ErrConnectionClosed, and
// the failed response still names the connection, which it has closed by
// the time Do returns — so trackedConn has marked it stale.
func TestFastHTTPStaleConnection(t *testing.T) {
	var conns atomic.Int64
	url := closingServer(t, false, nil, func(c net.Conn) {
		conns.Add(1)
		readHeader(c)
		_, _ = io.WriteString(c, answer(helloBody))
	})
	h := newFast(t, HTTPOptions{URL: url, Timeout: 5 * time.Second, KeepAlive: true, MaxConns: 1})
	if r := h.Hit(context.Background()); r.Class != results.ClassOK {
		t.Fatalf("first request: %+v (%v)", r, r.Class)
	}
	time.Sleep(50 * time.Millisecond) // the server's FIN arrives

	resp, err := h.do(t, 5*time.Second)
	if !errors.Is(err, fasthttp.ErrConnectionClosed) {
		t.Fatalf("a request on the connection the server closed: %v, want fasthttp.ErrConnectionClosed", err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("%d connections after the failed request: fasthttp retried by itself", n)
	}
	if !h.closedStale(resp) {
		t.Errorf("the failed response (local address %v) is not recognised as a stale connection's", resp.LocalAddr())
	}

	// Hit, on the same footing, goes again on a new connection and succeeds.
	if r := h.Hit(context.Background()); r.Class != results.ClassOK {
		t.Fatalf("request after a new connection: %+v (%v)", r, r.Class)
	}
	time.Sleep(50 * time.Millisecond)
	if r := h.Hit(context.Background()); r.Class != results.ClassOK || r.Host != "pod-a" {
		t.Errorf("request on a stale connection: %+v (%v), want ok from pod-a", r, r.Class)
	}
	if n := conns.Load(); n != 3 {
		t.Errorf("%d connections for 3 answered requests and 1 stale: want 3", n)
	}
}

// A request from the pool goes out unchanged however often it is sent:
// fasthttp's Do restores what it changes — the Connection: close it adds to
// retire an old connection (MaxConnAge), the timeout DoTimeout sets — so
// Hit never resets or copies a request.
func TestFastHTTPReusesRequests(t *testing.T) {
	heads := make(chan string, 10)
	url := closingServer(t, false, nil, func(c net.Conn) {
		for {
			head, err := readRequest(c)
			if err != nil {
				return
			}
			heads <- head
			_, _ = io.WriteString(c, answer(helloBody))
		}
	})
	const age = 500 * time.Millisecond // well above the time two requests take on a busy machine
	h := newFast(t, HTTPOptions{
		URL: url, Method: "POST", Body: []byte(`{"n":1}`), Timeout: 5 * time.Second, KeepAlive: true, MaxConns: 1,
		Header:     map[string][]string{"Host": {"example.test"}, "X-Run": {"a", "b"}, "Content-Type": {"application/json"}},
		MaxConnAge: age,
	})
	req := h.request()
	var sent []string
	for i, wait := range []time.Duration{0, 0, age + 50*time.Millisecond, 0} {
		time.Sleep(wait)
		resp := fasthttp.AcquireResponse()
		if err := h.client.DoTimeout(req, resp, 5*time.Second); err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		fasthttp.ReleaseResponse(resp)
		sent = append(sent, <-heads)
	}
	first := sent[0]
	for _, want := range []string{"POST / HTTP/1.1\r\n", "Host: example.test\r\n", "X-Run: a\r\nX-Run: b\r\n",
		"Content-Type: application/json\r\n", "User-Agent: cloudperf\r\n", "\r\n\r\n{\"n\":1}"} {
		if !strings.Contains(first, want) {
			t.Errorf("first request lacks %q:\n%s", want, first)
		}
	}
	// The third goes on a connection past MaxConnAge, so it closes it.
	if !strings.Contains(sent[2], "Connection: close\r\n") {
		t.Errorf("request on a connection past MaxConnAge has no Connection: close:\n%s", sent[2])
	}
	for _, i := range []int{1, 3} {
		if sent[i] != first {
			t.Errorf("request %d, the same object sent again, differs from the first:\n%q\nwant\n%q", i, sent[i], first)
		}
	}
}

// A pooled response carries nothing over: a short body after a long one, and
// an answer after a failure, read whole and alone.
func TestFastHTTPReusesResponses(t *testing.T) {
	long := `{"host":"pod-long","pad":"` + strings.Repeat("x", 9000) + `"}`
	short := `{"host":"b"}`
	replies := []string{answer(long), answer(short), "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"ho", answer(short), answer(long), answer(short)}
	var n atomic.Int64
	url := closingServer(t, false, nil, func(c net.Conn) {
		for {
			if _, err := readRequest(c); err != nil {
				return
			}
			reply := replies[n.Add(1)-1]
			_, _ = io.WriteString(c, reply)
			if !strings.HasSuffix(reply, "}") { // the cut-short one
				return
			}
		}
	})
	h := newFast(t, HTTPOptions{URL: url, Timeout: 5 * time.Second, KeepAlive: true, MaxConns: 1})
	want := []Response{
		{Status: 200, Bytes: int64(len(long)), Host: "pod-long", Class: results.ClassOK},
		{Status: 200, Bytes: int64(len(short)), Host: "b", Class: results.ClassOK},
		{Class: results.ClassReset},
		{Status: 200, Bytes: int64(len(short)), Host: "b", Class: results.ClassOK},
		{Status: 200, Bytes: int64(len(long)), Host: "pod-long", Class: results.ClassOK},
		{Status: 200, Bytes: int64(len(short)), Host: "b", Class: results.ClassOK},
	}
	for i, w := range want {
		if r := h.Hit(context.Background()); r != w {
			t.Errorf("request %d: %+v (%v), want %+v (%v)", i, r, r.Class, w, w.Class)
		}
	}
}

// readRequest reads one request's header block and its Content-Length body.
func readRequest(c net.Conn) (string, error) {
	var got []byte
	var b [1]byte
	for !strings.HasSuffix(string(got), "\r\n\r\n") {
		if _, err := c.Read(b[:]); err != nil {
			return "", err
		}
		got = append(got, b[0])
	}
	head := string(got)
	if i := strings.Index(head, "Content-Length: "); i >= 0 {
		n, _ := strconv.Atoi(head[i+16 : i+strings.Index(head[i:], "\r\n")])
		body := make([]byte, n)
		if _, err := io.ReadFull(c, body); err != nil {
			return "", err
		}
		head += string(body)
	}
	return head, nil
}

// Each way a request fails, produced for real: fasthttp's error, which the
// classification depends on, and the class it gets.
func TestFastHTTPErrorClasses(t *testing.T) {
	refused, _ := net.Listen("tcp", "127.0.0.1:0")
	refusedURL := "http://" + refused.Addr().String() + "/"
	refused.Close()

	partial := "HTTP/1.1 200 OK\r\nContent-Le"
	tests := []struct {
		name  string
		url   string
		serve func(net.Conn) // a raw server's, if url is empty
		want  func(error) bool
		class results.Class
	}{
		{name: "no answer", serve: func(c net.Conn) { readHeader(c); time.Sleep(2 * time.Second) },
			want: is(fasthttp.ErrTimeout), class: results.ClassTimeout},
		{name: "stall mid-header", serve: func(c net.Conn) { readHeader(c); io.WriteString(c, partial); time.Sleep(2 * time.Second) },
			want: timeout, class: results.ClassTimeout},
		{name: "stall mid-body", serve: func(c net.Conn) {
			readHeader(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{")
			time.Sleep(2 * time.Second)
		}, want: timeout, class: results.ClassTimeout},
		{name: "refused", url: refusedURL, want: is(syscall.ECONNREFUSED), class: results.ClassRefused},
		{name: "closed before answering", serve: func(c net.Conn) { readHeader(c); c.Close() },
			want: is(fasthttp.ErrConnectionClosed), class: results.ClassReset},
		{name: "reset before answering", serve: func(c net.Conn) { readHeader(c); rst(c) },
			want: is(fasthttp.ErrConnectionClosed), class: results.ClassReset},
		{name: "reset mid-header", serve: func(c net.Conn) { readHeader(c); io.WriteString(c, partial); rst(c) },
			want: is(syscall.ECONNRESET), class: results.ClassReset},
		{name: "closed mid-header", serve: func(c net.Conn) { readHeader(c); io.WriteString(c, partial); c.Close() },
			want: is(io.EOF), class: results.ClassReset},
		{name: "closed mid-body", serve: func(c net.Conn) {
			readHeader(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{")
			c.Close()
		}, want: is(io.ErrUnexpectedEOF), class: results.ClassReset},
		{name: "not HTTP", serve: func(c net.Conn) {
			readHeader(c)
			io.WriteString(c, "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13\r\n")
			c.Close()
		},
			want: says("error when reading response headers"), class: results.ClassProtocol},
		{name: "not HTTP's version", serve: func(c net.Conn) { readHeader(c); io.WriteString(c, "ICY 200 OK\r\n\r\n"); c.Close() },
			want: says("error when reading response headers: unsupported http version"), class: results.ClassProtocol},
		{name: "bad Content-Length", serve: func(c net.Conn) {
			readHeader(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n")
			c.Close()
		},
			want: says("error when reading response headers"), class: results.ClassProtocol},
		{name: "header over the read buffer", serve: func(c net.Conn) {
			readHeader(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nX-Big: "+strings.Repeat("x", 5000)+"\r\nContent-Length: 0\r\n\r\n")
		}, want: says("error when reading response headers: fasthttp: small read buffer"), class: results.ClassProtocol},
		{name: "body over 64 MiB", serve: func(c net.Conn) {
			readHeader(c)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100000000\r\n\r\n")
		},
			want: is(fasthttp.ErrBodyTooLarge), class: results.ClassOther},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			url := tt.url
			if url == "" {
				url = rawServer(t, func(c net.Conn) { defer c.Close(); tt.serve(c) })
			}
			h := newFast(t, HTTPOptions{URL: url, Timeout: 500 * time.Millisecond, KeepAlive: true, MaxConns: 1})
			_, err := h.do(t, h.timeout)
			if !tt.want(err) {
				t.Errorf("fasthttp's error: %v (%T)", err, err)
			}
			if c := classifyFast(err); c != tt.class {
				t.Errorf("classifyFast(%q) = %v, want %v", err, c, tt.class)
			}
		})
	}
}

func is(target error) func(error) bool { return func(err error) bool { return errors.Is(err, target) } }

func says(text string) func(error) bool {
	return func(err error) bool { return err != nil && strings.Contains(err.Error(), text) }
}

func timeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// rst closes c with a reset.
func rst(c net.Conn) {
	_ = c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

// A request waiting for one of MaxConns busy connections: when that
// connection closes, fasthttp dials a new one for it with no timeout of its
// own (0), which the dial must replace with the request's; when none frees,
// the request's own deadline ends it with ErrTimeout, not ErrNoFreeConns
// (MaxConnWaitTimeout is the timeout, above the request's remaining time).
func TestFastHTTPWaitForConnection(t *testing.T) {
	var conns atomic.Int64
	held := make(chan struct{})
	url := rawServer(t, func(c net.Conn) {
		defer c.Close()
		readHeader(c)
		if conns.Add(1) == 1 { // holds the first connection, then closes it unanswered
			close(held)
			time.Sleep(200 * time.Millisecond)
			return
		}
		_, _ = io.WriteString(c, answer(helloBody))
	})
	h := newFast(t, HTTPOptions{URL: url, Timeout: 5 * time.Second, KeepAlive: true, MaxConns: 1})
	first := make(chan Response)
	go func() { first <- h.Hit(context.Background()) }()
	<-held // the first request holds the only connection
	if r := h.Hit(context.Background()); r.Class != results.ClassOK {
		t.Errorf("request that waited for the connection to close: %+v (%v), want ok on a new one", r, r.Class)
	}
	if r := <-first; r.Class != results.ClassReset {
		t.Errorf("request whose connection closed unanswered: %+v (%v), want reset", r, r.Class)
	}

	heard := make(chan struct{}, 2)
	silent := rawServer(t, func(c net.Conn) { defer c.Close(); readHeader(c); heard <- struct{}{}; time.Sleep(2 * time.Second) })
	h = newFast(t, HTTPOptions{URL: silent, Timeout: 300 * time.Millisecond, KeepAlive: true, MaxConns: 1})
	go h.Hit(context.Background())
	<-heard
	_, err := h.do(t, h.timeout)
	if !errors.Is(err, fasthttp.ErrTimeout) {
		t.Errorf("fasthttp's error: %v, want ErrTimeout", err)
	}
	if c := classifyFast(err); c != results.ClassTimeout {
		t.Errorf("classifyFast(%q) = %v, want timeout", err, c)
	}
}

// A dial that gets no answer (a listener whose queue is full drops the SYN)
// ends as fasthttp's ErrDialTimeout, or as the dialer's own timeout when that
// fires before fasthttp sees its deadline pass.
func TestFastHTTPDialTimeout(t *testing.T) {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fd)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, _ := syscall.Getsockname(fd)
	addr := "127.0.0.1:" + strconv.Itoa(sa.(*syscall.SockaddrInet4).Port)
	for range 3 { // fill the accept queue, never accepted
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break
		}
		defer c.Close()
	}
	h := newFast(t, HTTPOptions{URL: "http://" + addr + "/", Timeout: 300 * time.Millisecond, KeepAlive: true, MaxConns: 1})
	_, err = h.do(t, h.timeout)
	if !errors.Is(err, fasthttp.ErrDialTimeout) && !timeout(err) {
		t.Errorf("fasthttp's error: %v, want ErrDialTimeout or a net.Error timeout", err)
	}
	if c := classifyFast(err); c != results.ClassTimeout {
		t.Errorf("classifyFast(%q) = %v, want timeout", err, c)
	}
}
