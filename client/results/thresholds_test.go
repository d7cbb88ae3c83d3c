package results

import (
	"testing"
	"time"
)

func TestThresholds(t *testing.T) {
	s := Summary{
		Requests: 1000, OK: 990, Failed: 10, AchievedRate: 299.5, Throughput: 296,
		Latency:     LatencyStats{P50: Millis(2 * time.Millisecond), P99: Millis(300 * time.Millisecond), P999: Millis(time.Second)},
		ServiceTime: LatencyStats{P99: Millis(4 * time.Millisecond)},
	}
	tests := []struct {
		expr string
		ok   bool
	}{
		{"p99<=250ms", false},
		{"p99<=300ms", true},
		{"p99<300ms", false},
		{"p50 < 5ms", true},
		{"p99.9<=1s", true},
		{"service_p99<5ms", true},
		{"error_rate<=1%", true},
		{"error_rate<1", false},
		{"success_rate>=99", true},
		{"rate>=290", true},
		{"rate>300/s", false},
		{"throughput>=297", false},
	}
	for _, tt := range tests {
		th, err := ParseThreshold(tt.expr)
		if err != nil {
			t.Fatalf("ParseThreshold(%q): %v", tt.expr, err)
		}
		if got := th.Check(s); got.OK != tt.ok {
			t.Errorf("%s on %+v: ok = %v, want %v (actual %v)", tt.expr, s.Latency, got.OK, tt.ok, got.Actual)
		}
	}
}

func TestParseThresholdRejects(t *testing.T) {
	for _, expr := range []string{"", "p99", "<5ms", "p98<5ms", "p99<fast", "error_rate<150%", "error_rate<-1", "rate>=NaN", "p99=5ms", "p99<-5ms"} {
		if _, err := ParseThreshold(expr); err == nil {
			t.Errorf("ParseThreshold(%q) accepted", expr)
		}
	}
}

func FuzzParseThreshold(f *testing.F) {
	for _, s := range []string{"p99<250ms", "error_rate<=1%", "rate>=290", "service_p99.9>1s", "lag_max<1ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		th, err := ParseThreshold(expr)
		if err != nil {
			return
		}
		_ = th.Check(Summary{})
		if _, err := ParseThreshold(th.String()); err != nil {
			t.Fatalf("%q parsed but its String %q does not: %v", expr, th.String(), err)
		}
	})
}
