package results

import (
	"io"
	"runtime"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"

	"github.com/cloudperf/cloudperf/client/plan"
)

func TestMetricsSummary(t *testing.T) {
	s := mustSchedule(t, 0, plan.Stage{Duration: time.Second, From: 5, To: 5, Warmup: true}, plan.Stage{Duration: 2 * time.Second, From: 10, To: 10})
	m := NewMetrics(s, time.Second)
	m.Add(Result{Seq: 0, Warmup: true, Sent: 0, Done: time.Millisecond, Class: ClassOK, Status: 200})
	for i := 0; i < 20; i++ {
		at := time.Second + time.Duration(i)*100*time.Millisecond
		r := Result{Seq: int64(i + 5), Stage: 1, Intended: at, Sent: at + time.Millisecond, Done: at + 11*time.Millisecond, Status: 200, Class: ClassOK, Host: "pod-a", Bytes: 10}
		switch {
		case i == 3:
			r.Class, r.Status, r.Host = ClassHTTP, 503, ""
		case i == 4:
			r.Class, r.Status, r.Host = ClassTimeout, 0, ""
		case i%2 == 0:
			r.Host = "pod-b"
		}
		m.Add(r)
	}
	sum := m.Summarize(RunInfo{Target: "http://x/", Mode: plan.ModeAuto})
	if sum.Requests != 20 || sum.OK != 18 || sum.Failed != 2 || sum.Warmup != 1 {
		t.Fatalf("counts: %+v", sum)
	}
	if sum.Errors[0].Count != 1 || len(sum.Errors) != 2 {
		t.Errorf("errors: %+v", sum.Errors)
	}
	if sum.Latency.P50.D() < 10*time.Millisecond || sum.Latency.P50.D() > 11100*time.Microsecond {
		t.Errorf("corrected p50 %v, want ~11ms", sum.Latency.P50.D())
	}
	if sum.ServiceTime.P50.D() < 9*time.Millisecond || sum.ServiceTime.P50.D() > 10100*time.Microsecond {
		t.Errorf("service p50 %v, want ~10ms", sum.ServiceTime.P50.D())
	}
	if sum.Lag.Max.D() != time.Millisecond {
		t.Errorf("lag max %v", sum.Lag.Max.D())
	}
	if sum.TargetRate != 10 || sum.AchievedRate < 9.99 || sum.AchievedRate > 10.01 {
		t.Errorf("rates: target %v achieved %v", sum.TargetRate, sum.AchievedRate)
	}
	if sum.Mode != "sync" || len(sum.Stages) != 2 || sum.Stages[1].Requests != 20 {
		t.Errorf("stages: %+v", sum.Stages)
	}
	hosts := map[string]int64{}
	for _, h := range sum.Hosts {
		hosts[h.Key] = h.Count
	}
	if hosts["pod-a"] != 9 || hosts["pod-b"] != 9 {
		t.Errorf("hosts: %v", sum.Hosts)
	}
	// The time series: seconds 1 and 2 hold 10 requests each, all measured.
	if len(sum.Timeline) != 3 || sum.Timeline[1].Completed != 10 || sum.Timeline[2].Sent != 10 || sum.Timeline[1].Offered != 10 {
		t.Fatalf("timeline: %+v", sum.Timeline)
	}
	if sum.Timeline[1].P50.D() < 10*time.Millisecond || sum.Timeline[1].Histogram == "" {
		t.Errorf("interval percentiles: %+v", sum.Timeline[1])
	}
	// Each interval has the service time of its responses beside their
	// corrected latency: ~10 ms against ~11 ms.
	if iv := sum.Timeline[1]; iv.ServiceP50.D() < 9*time.Millisecond || iv.ServiceP50 >= iv.P50 || iv.ServiceP99 < iv.ServiceP50 || iv.ServiceHistogram == "" {
		t.Errorf("interval service time: p50 %v, p99 %v (latency p50 %v)", iv.ServiceP50.D(), iv.ServiceP99.D(), iv.P50.D())
	}
	// The whole-run histogram decodes to the same percentiles.
	h, err := hdr.Decode([]byte(sum.LatencyHistogram))
	if err != nil || h.TotalCount() != 20 {
		t.Fatalf("encoded histogram: %v, %v", h, err)
	}
}

func TestMetricsClampsHugeValues(t *testing.T) {
	m := NewMetrics(mustSchedule(t, 0, plan.Stage{Duration: time.Second, From: 1, To: 1}), 0)
	m.Add(Result{Done: 2 * time.Hour, Class: ClassTimeout})
	if m.clamped != 3 { // corrected, service and the stage's histogram
		t.Errorf("clamped = %d", m.clamped)
	}
}

// The results path — metrics and log — allocates nothing per request once
// warm, whatever the class, host or interval.
func TestZeroAllocResultsPath(t *testing.T) {
	s := mustSchedule(t, 0, plan.Stage{Duration: time.Hour, From: 1000, To: 1000})
	m := NewMetrics(s, time.Second)
	lw := NewLogWriter(io.Discard, LogCSV, time.Now())
	lj := NewLogWriter(io.Discard, LogJSONL, time.Now())
	r := Result{Status: 200, Class: ClassOK, Host: "pod-a", Bytes: 77}
	step := func() {
		r.Seq++
		r.Intended = time.Duration(r.Seq) * time.Millisecond
		r.Sent, r.Done = r.Intended+50*time.Microsecond, r.Intended+2*time.Millisecond
		if r.Seq%50 == 0 {
			r.Class, r.Status = ClassHTTP, 503
		} else {
			r.Class, r.Status = ClassOK, 200
		}
		m.Add(r)
		_ = lw.Write(r)
		_ = lj.Write(r)
	}
	for i := 0; i < 5000; i++ { // warm the maps, the buffers and a few intervals
		step()
	}
	// Each new second seals an interval (a few allocations for its encoding):
	// per request that is amortised to zero.
	if n := testing.AllocsPerRun(5000, step); n > 0.05 {
		t.Errorf("results path: %.3f allocations per request", n)
	}
}

// Memory held by the aggregates does not grow with the number of requests.
func TestMetricsRetainNothingPerRequest(t *testing.T) {
	s := mustSchedule(t, 0, plan.Stage{Duration: time.Hour, From: 1e6, To: 1e6})
	heapAfter := func(n int) uint64 {
		m := NewMetrics(s, time.Second)
		for i := 0; i < n; i++ {
			at := time.Duration(i) * time.Second / time.Duration(n) // n requests over the same second (two intervals' histograms)
			m.Add(Result{Seq: int64(i), Intended: at, Sent: at, Done: at + time.Millisecond, Status: 200, Class: ClassOK, Host: "h"})
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		runtime.KeepAlive(m)
		return ms.HeapAlloc
	}
	small, large := heapAfter(1000), heapAfter(1_000_000)
	if large > small+256<<10 {
		t.Errorf("heap after 1e3 requests %d B, after 1e6 %d B: memory grows per request", small, large)
	}
}

func BenchmarkResultsPath(b *testing.B) {
	s, _ := plan.NewSchedule([]plan.Stage{{Duration: time.Hour, From: 1e6, To: 1e6}}, 0)
	m := NewMetrics(s, time.Second)
	lw := NewLogWriter(io.Discard, LogCSV, time.Now())
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at := time.Duration(i) * time.Microsecond
		r := Result{Seq: int64(i), Intended: at, Sent: at + 20*time.Microsecond, Done: at + time.Millisecond, Status: 200, Class: ClassOK, Host: "pod-a", Bytes: 77}
		m.Add(r)
		_ = lw.Write(r)
	}
}
