// Package load is cloudperf's load engine: a dispatcher that keeps to a
// plan.Schedule of intended send times (one request at a time, or open loop)
// through a Hitter (fasthttp or net/http), and Run, which feeds each result
// once to the per-request log and the metrics of package results. Latency is
// measured from the intended send time, so a stalled server cannot hide
// behind a stalled generator (coordinated omission); the service time from
// the actual send is kept beside it.
package load
