package load

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sync"
	"time"

	"github.com/cloudperf/cloudperf/client/results"
)

// Hitter sends one request and says how it ended. Implementations must be
// safe for concurrent use.
type Hitter interface {
	Hit(ctx context.Context) Response
}

// Response is what a Hitter observed.
type Response struct {
	Status int
	Bytes  int64
	Host   string
	Class  results.Class
}

// HTTPOptions configure an HTTPHitter.
type HTTPOptions struct {
	URL       string
	Method    string      // default GET
	Header    http.Header // extra request headers
	Body      []byte      // sent with every request; its type, if any, is a Content-Type in Header
	Timeout   time.Duration
	KeepAlive bool // reuse connections (the default for real clients)
	MaxConns  int  // idle connections kept per host: the pool size
	Insecure  bool // accept any TLS certificate (self-signed test endpoints)
	// MaxConnAge closes a kept-alive connection once it is this old (at its
	// next release, never mid-request), so load reaches pods a scale-up
	// added; 0 keeps connections for as long as they work.
	MaxConnAge time.Duration
}

// HTTPHitter is a Hitter over net/http with HTTP/1.1, a bounded connection
// pool, no redirects followed, and the response's "host" read from its body.
type HTTPHitter struct {
	client     *http.Client
	request    *http.Request
	timeout    time.Duration
	maxConnAge time.Duration
	hosts      hostInterner
	bodyBufs   sync.Pool
}

// NewHTTPHitter validates the URL and builds the client.
func NewHTTPHitter(o HTTPOptions) (*HTTPHitter, error) {
	u, err := ParseTargetURL(o.URL)
	if err != nil {
		return nil, err
	}
	if o.Method == "" {
		o.Method = http.MethodGet
	}
	if o.Timeout <= 0 {
		return nil, errors.New("timeout must be above 0")
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 100
	}
	var body io.Reader
	if len(o.Body) > 0 {
		body = bytes.NewReader(o.Body) // NewRequest sets ContentLength and GetBody
	}
	req, err := http.NewRequest(o.Method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, vs := range o.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if host := req.Header.Get("Host"); host != "" { // net/http sends req.Host, never Header["Host"]
		req.Host = host
		req.Header.Del("Host")
	}
	if req.Header.Get("User-Agent") == "" {
		req.Header.Set("User-Agent", "cloudperf")
	}
	dialer := &net.Dialer{Timeout: o.Timeout, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		Proxy:                 nil, // load goes straight to the target, never through a proxy
		DialContext:           dialWithBirth(dialer, o.MaxConnAge),
		MaxIdleConns:          o.MaxConns,
		MaxIdleConnsPerHost:   o.MaxConns,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   o.Timeout,
		ResponseHeaderTimeout: o.Timeout,
		DisableCompression:    true,
		DisableKeepAlives:     !o.KeepAlive,
		TLSClientConfig:       &tls.Config{InsecureSkipVerify: o.Insecure},            //nolint:gosec // opt-in by --insecure
		TLSNextProto:          map[string]func(string, *tls.Conn) http.RoundTripper{}, // HTTP/1.1 only
	}
	h := &HTTPHitter{
		client: &http.Client{
			Transport:     transport,
			Timeout:       o.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		request:    req,
		timeout:    o.Timeout,
		maxConnAge: o.MaxConnAge,
	}
	h.bodyBufs.New = func() any { b := make([]byte, 4096); return &b }
	return h, nil
}

// bornConn is a connection that knows when it was dialled.
type bornConn struct {
	net.Conn
	born time.Time
}

// dialWithBirth dials through d, marking connections with their birth when
// they are to be retired at maxAge.
func dialWithBirth(d *net.Dialer, maxAge time.Duration) func(context.Context, string, string) (net.Conn, error) {
	if maxAge <= 0 {
		return d.DialContext
	}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return &bornConn{Conn: c, born: time.Now()}, nil
	}
}

// connAge is how long ago c (or, for TLS, the connection under it) was dialled; 0 if unknown.
func connAge(c net.Conn) time.Duration {
	if tc, ok := c.(*tls.Conn); ok {
		c = tc.NetConn()
	}
	if bc, ok := c.(*bornConn); ok {
		return time.Since(bc.born)
	}
	return 0
}

// ParseTargetURL accepts an absolute http or https URL with a host.
func ParseTargetURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("target URL %q: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("target URL %q: want http:// or https://", raw)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, fmt.Errorf("target URL %q has no host", raw)
	}
	if u.Path == "" {
		u.Path = "/"
	}
	return u, nil
}

// Close releases idle connections.
func (h *HTTPHitter) Close() { h.client.CloseIdleConnections() }

// Hit sends one request and reads the whole response body.
func (h *HTTPHitter) Hit(ctx context.Context) Response {
	var conn net.Conn
	if h.maxConnAge > 0 {
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{GotConn: func(i httptrace.GotConnInfo) { conn = i.Conn }})
	}
	req := h.request.WithContext(ctx)
	if req.GetBody != nil { // each request reads the body afresh
		req.Body, _ = req.GetBody()
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return Response{Class: Classify(err)}
	}
	defer func() {
		resp.Body.Close()
		// Retired after its answer is read: the Transport drops the closed
		// connection from its pool (a request that picked it up in between
		// is retried on a new one, as for any connection the server closed).
		if conn != nil && connAge(conn) > h.maxConnAge {
			conn.Close()
		}
	}()
	r := Response{Status: resp.StatusCode, Class: results.ClassOK}
	if resp.StatusCode >= 400 {
		r.Class = results.ClassHTTP
	}

	bp := h.bodyBufs.Get().(*[]byte)
	defer h.bodyBufs.Put(bp)
	buf := *bp
	n, err := io.ReadAtLeast(resp.Body, buf, len(buf))
	r.Bytes = int64(n)
	r.Host = h.hosts.fromBody(buf[:n])
	if err == nil { // more than one buffer: count the rest
		var rest int64
		rest, err = io.CopyBuffer(io.Discard, resp.Body, buf)
		r.Bytes += rest
	} else if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil // the body was shorter than the buffer
	}
	if err != nil {
		r.Class = Classify(err)
	}
	return r
}

var hostKey = []byte(`"host":"`)

// hostInterner turns the body's host value into a shared string, so a run
// against a few pods allocates a few strings in all.
type hostInterner struct {
	mu    sync.Mutex
	hosts map[string]string
}

const maxInternedHosts = 4096

func (hi *hostInterner) fromBody(body []byte) string {
	i := bytes.Index(body, hostKey)
	if i < 0 {
		return ""
	}
	v := body[i+len(hostKey):]
	j := bytes.IndexByte(v, '"')
	if j < 0 || j > 253 { // not a hostname
		return ""
	}
	return hi.intern(v[:j])
}

func (hi *hostInterner) intern(b []byte) string {
	hi.mu.Lock()
	defer hi.mu.Unlock()
	if s, ok := hi.hosts[string(b)]; ok {
		return s
	}
	s := string(b)
	if hi.hosts == nil {
		hi.hosts = make(map[string]string)
	}
	if len(hi.hosts) < maxInternedHosts {
		hi.hosts[s] = s
	}
	return s
}
