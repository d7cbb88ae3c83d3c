package load

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

// FastHitter is a Hitter over fasthttp's HostClient: HTTP/1.1 keep-alive with
// a bounded pool, no goroutines of its own and no allocations per request,
// so the generator costs a fraction of the CPU net/http does at high rates.
// Cancellation is by deadline: an aborted run waits out --timeout at most.
type FastHitter struct {
	client  *fasthttp.HostClient
	uri     string
	method  string
	header  map[string][]string
	timeout time.Duration
	close   bool
	hosts   hostInterner
}

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
	h := &FastHitter{
		uri: u.String(), method: o.Method, header: o.Header, timeout: o.Timeout, close: !o.KeepAlive,
		client: &fasthttp.HostClient{
			Addr:                          addr,
			IsTLS:                         u.Scheme == "https",
			TLSConfig:                     &tls.Config{InsecureSkipVerify: o.Insecure, ServerName: u.Hostname()}, //nolint:gosec // opt-in by --insecure
			MaxConns:                      o.MaxConns,
			MaxConnWaitTimeout:            o.Timeout,
			ReadTimeout:                   o.Timeout,
			WriteTimeout:                  o.Timeout,
			MaxIdleConnDuration:           90 * time.Second,
			NoDefaultUserAgentHeader:      true,
			DisableHeaderNamesNormalizing: true,
			DisablePathNormalizing:        true,
			MaxResponseBodySize:           64 << 20,
			DialTimeout: func(addr string, timeout time.Duration) (net.Conn, error) {
				return dialer.DialTimeout(addr, timeout)
			},
			// Retry only what net/http retries: a kept-alive connection the
			// server closed before answering. Anything else is a result.
			RetryIfErr: func(_ *fasthttp.Request, attempts int, err error) (bool, bool) {
				return false, attempts == 1 && errors.Is(err, fasthttp.ErrConnectionClosed)
			},
		},
	}
	return h, nil
}

// Close releases idle connections.
func (h *FastHitter) Close() { h.client.CloseIdleConnections() }

// Hit sends one request and reads the whole response.
func (h *FastHitter) Hit(ctx context.Context) Response {
	if ctx.Err() != nil {
		return Response{Class: ClassCanceled}
	}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(h.uri)
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
	if err := h.client.DoTimeout(req, resp, h.timeout); err != nil {
		return Response{Class: classifyFast(err)}
	}
	r := Response{Status: resp.StatusCode(), Class: ClassOK}
	if r.Status >= 400 {
		r.Class = ClassHTTP
	}
	body := resp.Body()
	r.Bytes = int64(len(body))
	r.Host = h.hosts.fromBody(body[:min(len(body), 4096)])
	return r
}

func classifyFast(err error) Class {
	switch {
	case errors.Is(err, fasthttp.ErrTimeout), errors.Is(err, fasthttp.ErrDialTimeout), errors.Is(err, fasthttp.ErrNoFreeConns):
		return ClassTimeout
	case errors.Is(err, fasthttp.ErrConnectionClosed):
		return ClassReset
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return ClassOther
	}
	if c := Classify(err); c != ClassOther {
		return c
	}
	if msg := err.Error(); strings.Contains(msg, "cannot find http request method") ||
		strings.Contains(msg, "error when reading response headers") || strings.Contains(msg, "unsupported http") {
		return ClassProtocol
	}
	return ClassOther
}
