package results

import (
	"strings"
	"testing"
	"time"
)

func TestJudge(t *testing.T) {
	ms := func(v float64) Millis { return Millis(v * float64(time.Millisecond)) }
	base := func(mode string, lag, service float64) Summary {
		return Summary{Mode: mode, TargetRate: 200, AchievedRate: 199.6,
			Lag: LatencyStats{P99: ms(lag)}, ServiceTime: LatencyStats{Mean: ms(service / 2), P99: ms(service)}}
	}
	tests := []struct {
		name   string
		s      Summary
		behind string
		line   []string
	}{
		{"kept up", base("async", 0.2, 1), "", []string{"kept up: 200/s of 200/s sent"}},
		{"kept up, sync, a little lag", base("sync", 3, 2), "", []string{"kept up"}},
		{"cap hit", func() Summary {
			s := base("async", 900, 200)
			s.Capped, s.AchievedRate = 522, 49.3
			return s
		}(), "target", []string{"target fell behind: 49.3/s of 200/s sent", "522 requests waited at the in-flight cap"}},
		{"dropped", func() Summary {
			s := base("async", 2, 1)
			s.Dropped = 12
			return s
		}(), "target", []string{"target fell behind", "12 dropped"}},
		{"sync, slow responses", func() Summary {
			s := base("sync", 1300, 400)
			s.TargetRate, s.AchievedRate, s.Dropped = 50, 5, 45
			return s
		}(), "target", []string{"target fell behind: 5.0/s of 50.0/s sent", "one at a time", "service mean 200ms", "45 dropped"}},
		{"sync, merged, each line idle", func() Summary {
			s := base("sync", 45, 2)
			s.TargetRate, s.Merged = 500, &MergeInfo{Runs: 10} // 50/s each × 1 ms: busy 5% of the time
			return s
		}(), "generator", []string{"generator fell behind"}},
		{"generator short of CPU", base("async", 45, 1.2), "generator", []string{"generator fell behind: dispatch lag p99 45.0ms", "service p99", "more CPU"}},
		{"generator, sync, lag above service", base("sync", 45, 1.2), "generator", []string{"generator fell behind"}},
		{"generator and dropped", func() Summary {
			s := base("async", 400, 1)
			s.Dropped = 30
			return s
		}(), "generator", []string{"generator fell behind", "30 dropped"}},
		{"async slow target, cap hit: the target", func() Summary {
			s := base("async", 400, 600)
			s.Capped = 1
			return s
		}(), "target", []string{"1 request waited at the in-flight cap"}},
	}
	for _, tc := range tests {
		v := Judge(tc.s)
		if v.Behind != tc.behind || v.KeptUp != (tc.behind == "") || strings.Contains(v.Line, "\n") {
			t.Errorf("%s: %+v, want behind %q", tc.name, v, tc.behind)
		}
		for _, w := range tc.line {
			if !strings.Contains(v.Line, w) {
				t.Errorf("%s: %q lacks %q", tc.name, v.Line, w)
			}
		}
		if want := map[string]string{"": "kept up", "target": "target fell behind", "generator": "generator fell behind"}[tc.behind]; v.Short() != want {
			t.Errorf("%s: short %q, want %q", tc.name, v.Short(), want)
		}
	}
}
