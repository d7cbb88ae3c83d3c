// Package kube observes the Kubernetes side of a load test: the target's
// Deployment, its pods and its HorizontalPodAutoscaler, sampled on the run's
// clock so the summary and report can show autoscaling beside the load.
//
// Observation never fails a run. Without cluster access (no kubeconfig, an
// unreachable or refusing API server, a missing deployment) the timeline
// says why in Unavailable, in one sentence the caller prints once.
//
// Only what a stock API server serves is used (apps/v1 Deployments, core/v1
// Pods and Events, autoscaling/v2 HorizontalPodAutoscalers), and only with
// get, list and watch.
package kube

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/klog/v2"

	"github.com/cloudperf/cloudperf/client/results"
)

// Target names the workload to observe.
type Target struct {
	// Kubeconfig is a kubeconfig file; empty: the standard loading rules
	// (KUBECONFIG, then ~/.kube/config, then the in-cluster config).
	Kubeconfig string
	// Context is the kubeconfig context; empty: its current context.
	Context string
	// Namespace defaults to the context's namespace, else "default".
	Namespace string
	// Deployment is the Deployment's name (required).
	Deployment string
	// HPA is the HorizontalPodAutoscaler's name; empty: the one whose
	// scaleTargetRef is the Deployment (the first by name if several).
	HPA string
}

// Defaults.
const (
	DefaultInterval       = time.Second
	DefaultConnectTimeout = 5 * time.Second
	// DefaultMaxEvents caps the timeline's events; later ones are counted
	// and reported in Unavailable, not kept.
	DefaultMaxEvents = 10000
	// DefaultMaxSamples caps the timeline's samples (27 hours at one a
	// second); at the cap every other sample is dropped and the interval
	// doubles, so the whole run stays covered.
	DefaultMaxSamples = 100000
)

// Option adjusts Observe.
type Option func(*settings)

type settings struct {
	client         Client
	interval       time.Duration
	connectTimeout time.Duration
	maxEvents      int
	maxSamples     int
	retryMin       time.Duration
	retryMax       time.Duration
}

// WithClient uses c instead of a client built from the kubeconfig (tests,
// or a caller that has one); the namespace is then Target.Namespace or
// "default".
func WithClient(c Client) Option { return func(s *settings) { s.client = c } }

// WithInterval sets the sampling interval (default 1 s).
func WithInterval(d time.Duration) Option {
	return func(s *settings) {
		if d > 0 {
			s.interval = d
		}
	}
}

// WithConnectTimeout bounds the initial connection: the requests that check
// access and the first sync of the watches (default 5 s).
func WithConnectTimeout(d time.Duration) Option {
	return func(s *settings) {
		if d > 0 {
			s.connectTimeout = d
		}
	}
}

// WithMaxEvents caps the number of events kept (default 10000).
func WithMaxEvents(n int) Option {
	return func(s *settings) {
		if n > 0 {
			s.maxEvents = n
		}
	}
}

// WithMaxSamples caps the number of samples kept (default 100000); at the
// cap the samples are thinned to every other one and the interval doubles.
func WithMaxSamples(n int) Option {
	return func(s *settings) {
		if n >= 2 {
			s.maxSamples = n
		}
	}
}

// withRetry sets the reconnection backoff after a transient failure.
func withRetry(min, max time.Duration) Option {
	return func(s *settings) { s.retryMin, s.retryMax = min, max }
}

// Observer watches a workload in the background; Stop ends it.
type Observer struct {
	start  time.Time
	set    settings
	cancel context.CancelFunc
	done   chan struct{} // the background goroutine has returned
	ready  chan struct{} // the first connection attempt has settled
	once   sync.Once     // closes ready
	stop   sync.Once

	mu        sync.Mutex
	tl        results.ClusterTimeline
	connected bool
	reason    string        // why nothing is (or was, before connecting) observed
	from      time.Duration // when observation began, after a failed first attempt
	late      bool
	sawHPA    bool
	lostAt    time.Duration // first loss of contact after connecting
	lostWhy   string
	notes     []string // what is not observed although the rest is
	dropped   int      // events over the cap
	final     results.ClusterTimeline
}

// Observe starts observing t in the background and returns at once;
// offsets are from start, the load's clock. Ready tells when the first
// connection attempt (bounded by the connect timeout) has settled. Cancelling
// ctx ends observation as Stop does, but Stop must still be called for the
// timeline.
//
// A transient failure (an unreachable or erroring API server) is retried
// quietly with backoff up to 30 s for the rest of the run; a definite one (no
// kubeconfig, no permission, no such deployment) is not.
func Observe(ctx context.Context, t Target, start time.Time, opts ...Option) *Observer {
	s := settings{
		interval:       DefaultInterval,
		connectTimeout: DefaultConnectTimeout,
		maxEvents:      DefaultMaxEvents,
		maxSamples:     DefaultMaxSamples,
		retryMin:       2 * time.Second,
		retryMax:       30 * time.Second,
	}
	for _, o := range opts {
		o(&s)
	}
	o := &Observer{
		start: start,
		set:   s,
		done:  make(chan struct{}),
		ready: make(chan struct{}),
		tl: results.ClusterTimeline{
			Namespace:  t.Namespace,
			Deployment: t.Deployment,
			HPA:        t.HPA,
			Samples:    []results.ClusterSample{},
			Events:     []results.ClusterEvent{},
		},
	}
	// client-go's informers log failed lists and watches through the
	// context's logger: discard it, so a flaky API server never spams the
	// run's terminal. What matters ends up in Unavailable.
	ctx = klog.NewContext(ctx, logr.Discard())
	ctx, o.cancel = context.WithCancel(ctx)
	go o.run(ctx, t)
	return o
}

// Ready is closed once the first connection attempt has settled: the
// workload is being watched, or Unavailable says why not.
func (o *Observer) Ready() <-chan struct{} { return o.ready }

// Unavailable is why nothing, or not everything, is being observed; empty
// while observation works (and before Ready).
func (o *Observer) Unavailable() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.unavailable()
}

// Latest is the most recent sample, for a live display.
func (o *Observer) Latest() (results.ClusterSample, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if n := len(o.tl.Samples); n > 0 {
		return o.tl.Samples[n-1], true
	}
	return results.ClusterSample{}, false
}

// Stop ends observation, takes a last sample and returns the timeline. It
// returns promptly, even while a connection attempt is under way; later
// calls return the same timeline.
func (o *Observer) Stop() results.ClusterTimeline {
	o.stop.Do(func() {
		o.cancel()
		<-o.done
		o.mu.Lock()
		defer o.mu.Unlock()
		if !o.connected && o.reason == "" {
			o.reason = "the run ended before the Kubernetes API server answered"
		}
		o.final = o.tl
		o.final.Unavailable = o.unavailable()
	})
	return o.final
}

// unavailable composes Unavailable; o.mu is held.
func (o *Observer) unavailable() string {
	var parts []string
	switch {
	case !o.connected && o.reason != "":
		parts = append(parts, "no cluster observed: "+o.reason)
	case o.connected && o.late:
		parts = append(parts, fmt.Sprintf("cluster observed only from %.1fs into the run (before: %s)",
			o.from.Seconds(), o.reason))
	}
	if !o.connected {
		return strings.Join(parts, "; ")
	}
	parts = append(parts, o.notes...)
	if o.lostWhy != "" {
		parts = append(parts, fmt.Sprintf("contact with the Kubernetes API server was lost %.1fs into the run (%s); "+
			"samples during the outage repeat the last state seen", o.lostAt.Seconds(), o.lostWhy))
	}
	if o.dropped > 0 {
		parts = append(parts, fmt.Sprintf("%d cluster events after the first %d were dropped",
			o.dropped, o.set.maxEvents))
	}
	return strings.Join(parts, "; ")
}

// settle closes ready once.
func (o *Observer) settle() { o.once.Do(func() { close(o.ready) }) }

// fail records why nothing is observed and settles.
func (o *Observer) fail(reason string) {
	o.mu.Lock()
	o.reason = reason
	o.mu.Unlock()
	o.settle()
}

// note records something that is not observed although the rest is; each
// note once.
func (o *Observer) note(n string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, have := range o.notes {
		if have == n {
			return
		}
	}
	o.notes = append(o.notes, n)
}

// lost records the first loss of contact after connecting.
func (o *Observer) lost(why string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.lostWhy == "" {
		o.lostAt, o.lostWhy = time.Since(o.start), why
	}
}

func (o *Observer) since() results.Millis { return results.Millis(time.Since(o.start)) }

// event appends an event, within the cap.
func (o *Observer) event(kind, msg string) {
	at := o.since()
	o.mu.Lock()
	defer o.mu.Unlock()
	if len(o.tl.Events) >= o.set.maxEvents {
		o.dropped++
		return
	}
	o.tl.Events = append(o.tl.Events, results.ClusterEvent{At: at, Kind: kind, Message: msg})
}

// sample appends s; it reports whether the samples were thinned to stay
// within the cap (and the interval should double).
func (o *Observer) sample(s results.ClusterSample, hpa string) (thinned bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if hpa != "" {
		o.tl.HPA = hpa
		o.sawHPA = true
	}
	if len(o.tl.Samples) >= o.set.maxSamples {
		kept := o.tl.Samples[:0]
		for i := 0; i < len(o.tl.Samples); i += 2 {
			kept = append(kept, o.tl.Samples[i])
		}
		o.tl.Samples = kept
		thinned = true
	}
	o.tl.Samples = append(o.tl.Samples, s)
	return thinned
}

// run connects, retrying transient failures, then watches until ctx ends.
func (o *Observer) run(ctx context.Context, t Target) {
	defer close(o.done)
	defer o.settle()
	if t.Deployment == "" {
		o.fail("no deployment given to observe")
		return
	}
	client, ns, host, err := o.client(t)
	if err != nil {
		o.fail(err.Error())
		return
	}
	o.mu.Lock()
	o.tl.Namespace = ns
	o.mu.Unlock()

	backoff := o.set.retryMin
	failed := false
	for {
		w, cerr := connect(ctx, o, client, ns, host, t)
		if cerr == nil {
			o.mu.Lock()
			o.connected = true
			if failed {
				o.late = true
				o.from = time.Since(o.start)
			}
			o.mu.Unlock()
			w.run(ctx)
			return
		}
		if ctx.Err() != nil {
			if !failed {
				o.fail("the run ended before the Kubernetes API server answered")
			}
			return
		}
		if cerr.permanent || !failed {
			// Keep the first transient reason: retries stay quiet.
			o.fail(cerr.msg)
		}
		if cerr.permanent {
			return
		}
		failed = true
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, o.set.retryMax)
	}
}
