// Package results is what a load run measured and everything derived from
// it: each request's Result, the metrics and time series they feed, the
// Summary that the text, JSON and HTML outputs are all rendered from, the
// per-request log (written and read back), thresholds and the verdict, and
// what reads summaries afterwards: Merge, Compare and the autoscaling
// analysis. It holds the cluster types the kube package fills, and sends no
// load itself (package load does).
package results

import (
	"strconv"
	"time"
)

// Result is the outcome of one request. It is produced once, passed by value
// and never retained: sinks aggregate it. Times are offsets from the run's start.
type Result struct {
	Seq      int64
	Stage    int  // index of the stage that scheduled it
	Warmup   bool // excluded from statistics, still logged
	Intended time.Duration
	Sent     time.Duration
	Done     time.Duration
	Status   int   // HTTP status; 0 when no response arrived
	Bytes    int64 // response body bytes read
	Class    Class
	Host     string // the responding host: the JSON body's "host" (interned)
}

// Latency is the corrected response time: from when the request should have
// been sent to when its response completed.
func (r Result) Latency() time.Duration { return r.Done - r.Intended }

// Dropped reports a request that was due but never sent.
func (r Result) Dropped() bool { return r.Class == ClassDropped }

// ServiceTime is the time from the actual send to the completed response.
func (r Result) ServiceTime() time.Duration { return r.Done - r.Sent }

// Lag is how far behind its schedule the request was sent.
func (r Result) Lag() time.Duration { return r.Sent - r.Intended }

// OK reports a response with a status below 400.
func (r Result) OK() bool { return r.Class == ClassOK }

// Class says how a request ended.
type Class uint8

// The classes, in the order reports list them.
const (
	ClassOK       Class = iota // a response with status < 400
	ClassHTTP                  // a response with status >= 400 (see Status)
	ClassTimeout               // no complete response within --timeout
	ClassRefused               // connection refused
	ClassReset                 // connection reset or closed mid-request
	ClassDNS                   // the host did not resolve
	ClassTLS                   // TLS handshake or certificate failure
	ClassProtocol              // the peer did not speak HTTP/1.x
	ClassCanceled              // interrupted by the user before it completed
	ClassOther                 // anything else
	// ClassDropped is a request that was due but never sent: the schedule's
	// time was up while the target (or the generator) was behind.
	ClassDropped
	numClasses
)

var classNames = [numClasses]string{"ok", "http", "timeout", "refused", "reset", "dns", "tls", "protocol", "canceled", "other", "dropped"}

func (c Class) String() string {
	if c < numClasses {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// ParseClass is the inverse of String.
func ParseClass(s string) (Class, bool) {
	for i, n := range classNames {
		if n == s {
			return Class(i), true
		}
	}
	return 0, false
}

// httpKeys caches "http_NNN" so keying errors by status allocates nothing.
var httpKeys = func() (k [600]string) {
	for i := range k {
		k[i] = "http_" + strconv.Itoa(i)
	}
	return k
}()

// ErrorKey is how a failed result is counted in "errors by class": "http_503"
// for a status, else the class name. An OK result has the key "ok".
func (r Result) ErrorKey() string {
	if r.Class == ClassHTTP {
		if r.Status >= 0 && r.Status < len(httpKeys) {
			return httpKeys[r.Status]
		}
		return "http_" + strconv.Itoa(r.Status)
	}
	return r.Class.String()
}
