package load

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/cloudperf/cloudperf/client/results"
)

// FastHitter is a Hitter over fasthttp's HostClient: HTTP/1.1 keep-alive with
// a bounded pool, no goroutines of its own and no allocations per request,
// so the generator costs a fraction of the CPU net/http does at high rates.
// fasthttp takes no context: Abort ends the requests in flight by closing
// their connections.
type FastHitter struct {
	client   *fasthttp.HostClient
	uri      string
	method   string
	header   map[string][]string
	body     []byte
	host     string // a Host header, sent instead of the URL's host
	timeout  time.Duration
	close    bool
	hosts    hostInterner
	stale    sync.Map // local address of a kept-alive connection closed before answering → struct{}
	template *fasthttp.Request
	requests sync.Pool // of copies of template
	conns    sync.Map  // open connections: *trackedConn → struct{}
	aborted  atomic.Bool
}

// errAborted is what a dial after Abort fails with.
var errAborted = errors.New("aborted")

// NewFastHitter builds a FastHitter from the same options as NewHTTPHitter.
func NewFastHitter(o HTTPOptions) (*FastHitter, error) {
	u, err := ParseTargetURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Timeout <= 0 {
		return nil, errors.New("timeout must be above 0")
	}
	if o.Method == "" {
		o.Method = "GET"
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 100
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), map[string]string{"http": "80", "https": "443"}[u.Scheme])
	}
	dialer := &fasthttp.TCPDialer{Concurrency: 0, DNSCacheDuration: time.Minute}
	h := &FastHitter{uri: u.String(), method: o.Method, body: o.Body, timeout: o.Timeout, close: !o.KeepAlive}
	for k, vs := range o.Header {
		if k = http.CanonicalHeaderKey(k); k == "Host" {
			if len(vs) > 0 {
				h.host = vs[len(vs)-1]
			}
			continue
		}
		if h.header == nil {
			h.header = map[string][]string{}
		}
		h.header[k] = append(h.header[k], vs...)
	}
	tlsConfig := &tls.Config{InsecureSkipVerify: o.Insecure, ServerName: u.Hostname()} //nolint:gosec // opt-in by --insecure
	// No ReadTimeout or WriteTimeout: the deadline Hit gives DoTimeout bounds
	// every write and read, and it is always the earlier one.
	h.client = &fasthttp.HostClient{
		Addr:                          addr,
		IsTLS:                         u.Scheme == "https",
		TLSConfig:                     tlsConfig,
		MaxConns:                      o.MaxConns,
		ConnPoolStrategy:              fasthttp.FIFO,
		MaxConnWaitTimeout:            o.Timeout,
		MaxIdleConnDuration:           90 * time.Second,
		MaxConnDuration:               o.MaxConnAge,
		NoDefaultUserAgentHeader:      true,
		DisableHeaderNamesNormalizing: true,
		DisablePathNormalizing:        true,
		MaxResponseBodySize:           64 << 20,
		DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
			if h.aborted.Load() {
				return nil, errAborted
			}
			// fasthttp dials with no timeout (0) for a request that waited
			// for a free connection; 0 would fail the dial at once.
			if timeout <= 0 {
				timeout = h.timeout
			}
			c, err := dialer.DialTimeout(addr, timeout)
			if err != nil {
				return nil, err
			}
			if u.Scheme != "https" {
				return h.track(&trackedConn{Conn: c, stale: &h.stale, open: &h.conns}), nil
			}
			// The handshake here, not in fasthttp, so the tracked connection
			// sees HTTP alone: a handshake is no answer.
			tc := tls.Client(c, tlsConfig)
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			defer cancel()
			if err := tc.HandshakeContext(ctx); err != nil {
				c.Close()
				return nil, err
			}
			ttc := &trackedTLSConn{trackedConn{Conn: tc, stale: &h.stale, open: &h.conns}}
			h.track(&ttc.trackedConn)
			return ttc, nil
		},
		// fasthttp cannot tell a kept-alive connection from a new one here
		// (it reports both closing early as io.EOF), so Hit does the retrying
		// net/http does itself.
		RetryIfErr: func(*fasthttp.Request, int, error) (bool, bool) { return false, false },
	}
	h.template = h.newTemplate()
	return h, nil
}

// trackedTLSConn is a trackedConn over TLS; its Handshake method tells
// fasthttp the handshake is done.
type trackedTLSConn struct{ trackedConn }

func (c *trackedTLSConn) Handshake() error { return c.Conn.(*tls.Conn).Handshake() }

// trackedConn notices a kept-alive connection that closes with a request
// outstanding and nothing read for it: the server closed it while it was idle
// (an idle timeout, a drain, a restart, a crash) and never saw the request.
// A connection is used by one request at a time; the atomics keep Close, which
// the idle reaper may call from another goroutine, race-free.
type trackedConn struct {
	net.Conn
	stale *sync.Map
	open  *sync.Map // the hitter's open connections, this one among them until closed
	state atomic.Uint32
}

const (
	connAnswered uint32 = 1 << iota // a response arrived before the request in progress
	connRead                        // bytes arrived since the last write
	connWaiting                     // a request was written and nothing has arrived for it
)

func (c *trackedConn) Write(p []byte) (int, error) {
	s := c.state.Load()
	if s&connRead != 0 {
		s |= connAnswered
	}
	c.state.Store(s&^connRead | connWaiting)
	return c.Conn.Write(p)
}

func (c *trackedConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.state.Store(c.state.Load()&^connWaiting | connRead)
	}
	return n, err
}

func (c *trackedConn) Close() error {
	if s := c.state.Load(); s&connAnswered != 0 && s&connWaiting != 0 {
		c.stale.Store(c.LocalAddr().String(), struct{}{})
	}
	c.open.Delete(c)
	return c.Conn.Close()
}

// track registers an open connection, closed at once if Abort came first.
func (h *FastHitter) track(c *trackedConn) *trackedConn {
	h.conns.Store(c, struct{}{})
	if h.aborted.Load() {
		c.Close()
	}
	return c
}

// Abort ends every request in flight (a second Ctrl-C): their connections
// are closed, and no new one is opened. Requests whose context is done end
// as ClassCanceled.
func (h *FastHitter) Abort() {
	h.aborted.Store(true)
	h.conns.Range(func(c, _ any) bool {
		c.(*trackedConn).Close()
		return true
	})
}

// closedStale reports (once) whether resp's connection was a kept-alive one
// that closed before answering.
func (h *FastHitter) closedStale(resp *fasthttp.Response) bool {
	a := resp.LocalAddr()
	if a == nil {
		return false
	}
	_, ok := h.stale.LoadAndDelete(a.String())
	return ok
}

// Close releases idle connections.
func (h *FastHitter) Close() { h.client.CloseIdleConnections() }

// newTemplate builds the request every Hit copies.
func (h *FastHitter) newTemplate() *fasthttp.Request {
	req := &fasthttp.Request{}
	req.SetRequestURI(h.uri)
	if h.host != "" {
		req.UseHostHeader = true
		req.Header.SetHost(h.host)
	}
	req.Header.SetMethod(h.method)
	req.Header.Set("User-Agent", "cloudperf")
	for k, vs := range h.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if h.close {
		req.SetConnectionClose()
	}
	// A body goes with its own Content-Type or none, as with net/http.
	req.Header.SetNoDefaultContentType(true)
	if len(h.body) > 0 {
		req.SetBody(h.body)
	}
	return req
}

// request is a copy of the template, ready to send: requests are reused as
// they are (fasthttp's Do restores what it changes), so no request is reset,
// copied or has its URI parsed again per Hit.
func (h *FastHitter) request() *fasthttp.Request {
	if req, ok := h.requests.Get().(*fasthttp.Request); ok {
		return req
	}
	req := &fasthttp.Request{}
	h.template.CopyTo(req)
	return req
}

// Hit sends one request and reads the whole response.
func (h *FastHitter) Hit(ctx context.Context) Response {
	if ctx.Err() != nil {
		return Response{Class: results.ClassCanceled}
	}
	req := h.request()
	defer h.requests.Put(req)
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseResponse(resp)
	start := time.Now()
	err := h.client.DoTimeout(req, resp, h.timeout)
	// Retry only what net/http retries: a request on a kept-alive connection
	// the server had closed. It goes again, within what is left of the
	// timeout, until it fails on a new connection (a server that closes its
	// idle connections on shutdown may leave several in the pool). Anything
	// else is a result.
	for err != nil && h.closedStale(resp) && !errors.Is(err, fasthttp.ErrTimeout) && ctx.Err() == nil {
		left := h.timeout - time.Since(start)
		if left <= 0 {
			break
		}
		resp.Reset()
		err = h.client.DoTimeout(req, resp, left)
	}
	if err != nil {
		if ctx.Err() != nil { // aborted: its connection was closed under it
			return Response{Class: results.ClassCanceled}
		}
		return Response{Class: classifyFast(err)}
	}
	r := Response{Status: resp.StatusCode(), Class: results.ClassOK}
	if r.Status >= 400 {
		r.Class = results.ClassHTTP
	}
	body := resp.Body()
	r.Bytes = int64(len(body))
	r.Host = h.hosts.fromBody(body[:min(len(body), 4096)])
	return r
}

func classifyFast(err error) results.Class {
	switch {
	case errors.Is(err, fasthttp.ErrTimeout), errors.Is(err, fasthttp.ErrDialTimeout), errors.Is(err, fasthttp.ErrNoFreeConns):
		return results.ClassTimeout
	case errors.Is(err, fasthttp.ErrConnectionClosed):
		return results.ClassReset
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return results.ClassOther
	}
	if c := Classify(err); c != results.ClassOther {
		return c
	}
	// Every malformed response header: fasthttp wraps the parse error, or a
	// header too large for its read buffer, in this text alone.
	if strings.Contains(err.Error(), "error when reading response headers") {
		return results.ClassProtocol
	}
	return results.ClassOther
}
