package results

import (
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func sec(s float64) Millis { return Millis(s * float64(time.Second)) }

// scalingRun is a recorded run: 10 s at 100/s, 40 s at 300/s, 10 s at
// 100/s against 3 pods. The HPA decides 6 at 16.4 s; the new pods are
// ready at 30.2, 33.5 and 37.6 s; one pod goes away at 44.5 s and its
// replacement is ready at 47 s. p99 breaks 250 ms from 14 to 22 s, and 5
// requests fail at 45 s (one more at 5 s, with no pod change near).
func scalingRun(t *testing.T) Summary {
	t.Helper()
	s := Summary{
		Target: "http://192.168.49.2:30080/", Elapsed: sec(60), Requests: 14000, OK: 13994, Failed: 6,
		Stages: []StageSummary{
			{Stage: 0, Start: 0, Duration: sec(10), From: 100, To: 100},
			{Stage: 1, Start: sec(10), Duration: sec(40), From: 300, To: 300},
			{Stage: 2, Start: sec(50), Duration: sec(10), From: 100, To: 100},
		},
	}
	for i := range 60 {
		n := int64(100)
		if i >= 10 && i < 50 {
			n = 300
		}
		iv := Interval{Start: sec(float64(i)), Offered: float64(n), Sent: n, Completed: n, OK: n,
			P50: sec(0.005), P90: sec(0.010), P99: sec(0.020), Max: sec(0.030)}
		if i >= 14 && i <= 21 {
			iv.P99, iv.Max = sec(0.400), sec(0.600)
		}
		switch i {
		case 45:
			iv.OK, iv.Errors = n-5, 5
		case 5:
			iv.OK, iv.Errors = n-1, 1
		}
		s.Timeline = append(s.Timeline, iv)
	}
	for _, expr := range []string{"p99<=250ms", "error_rate<=1%", "service_p99<50ms"} {
		th, err := ParseThreshold(expr)
		if err != nil {
			t.Fatal(err)
		}
		s.Thresholds = append(s.Thresholds, th.Check(s))
	}
	c := &ClusterTimeline{Namespace: "default", Deployment: "hello", HPA: "hello"}
	for i := 0; i <= 60; i++ {
		x := ClusterSample{At: sec(float64(i)), Desired: 3, Current: 3, Ready: 3, Available: 3, Pods: 3, HPADesired: 3, CPUUtilization: 30, CPUTarget: 50}
		if i >= 17 {
			x.Desired, x.Current, x.Pods, x.HPADesired = 6, 6, 6, 6
		}
		switch {
		case i >= 38:
			x.Ready = 6
		case i >= 34:
			x.Ready = 5
		case i >= 31:
			x.Ready = 4
		}
		if i == 45 || i == 46 { // the replaced pod: not ready until 47 s
			x.Ready = 5
		}
		x.Available = x.Ready
		c.Samples = append(c.Samples, x)
	}
	c.Events = []ClusterEvent{
		{At: sec(16.4), Kind: "hpa", Message: "desired 3 → 6 replicas (cpu 95%, target 50%)"},
		{At: sec(16.5), Kind: "scale", Message: "3 → 6 replicas"},
		{At: sec(30.2), Kind: "pod-ready", Message: "hello-4"},
		{At: sec(33.5), Kind: "pod-ready", Message: "hello-5"},
		{At: sec(37.6), Kind: "pod-ready", Message: "hello-6"},
		{At: sec(44.5), Kind: "pod-gone", Message: "hello-2"},
		{At: sec(47.0), Kind: "pod-ready", Message: "hello-7"},
	}
	s.Cluster = c
	return s
}

func TestAnalyzeAutoscaling(t *testing.T) {
	ms := func(s float64) *Millis { m := sec(s); return &m }
	full := Autoscaling{
		RiseAt: sec(10), RiseFromRate: 100, RiseToRate: 300, DesiredAtRise: 3, ReadyAtRise: 3,
		DecisionAfter: ms(6.4), DecidedReplicas: 6, ReadyAfter: ms(27.6), SettledAfter: ms(27.6),
		PeakReady: 6, PeakDesired: 6, PodSeconds: 3*17 + 6*43,
		Thresholds: []string{"p99<=250ms", "error_rate<=1%"}, ThresholdsUnchecked: []string{"service_p99<50ms"},
		BrokenSeconds: 9, BrokenWhileScaling: 8, ScalingWindowSeconds: 27.6,
		PodChanges: 5, ChangeSeconds: (42.6 - 30.2) + (52 - 44.5), FailedDuringChanges: 5, Failed: 6,
	}
	tests := []struct {
		name   string
		change func(*Summary)
		want   func(a *Autoscaling)
		notes  []string
	}{
		{name: "scale-up with an HPA", change: func(*Summary) {}, want: func(*Autoscaling) {}},
		{
			name: "no HPA: the Deployment's replicas",
			change: func(s *Summary) {
				s.Cluster.HPA = ""
				s.Cluster.Events = slices.DeleteFunc(s.Cluster.Events, func(e ClusterEvent) bool { return e.Kind == "hpa" })
				for i := range s.Cluster.Samples {
					s.Cluster.Samples[i].HPADesired, s.Cluster.Samples[i].CPUUtilization = 0, -1
				}
			},
			want:  func(a *Autoscaling) { a.DecisionAfter = ms(6.5) },
			notes: []string{"no HPA observed"},
		},
		{
			name: "no scale-up: the largest rise, and the window runs to the end",
			change: func(s *Summary) {
				s.Cluster.Events = nil
				for i := range s.Cluster.Samples {
					x := &s.Cluster.Samples[i]
					x.Desired, x.Current, x.Pods, x.HPADesired, x.Ready = 3, 3, 3, 3, 3
				}
			},
			want: func(a *Autoscaling) {
				a.DecisionAfter, a.DecidedReplicas, a.ReadyAfter, a.SettledAfter = nil, 0, nil, nil
				a.PeakReady, a.PeakDesired, a.PodSeconds = 3, 3, 180
				a.BrokenWhileScaling, a.ScalingWindowSeconds = 9, 50
				a.PodChanges, a.ChangeSeconds, a.FailedDuringChanges = 0, 0, 0
			},
			notes: []string{"no scale-up was seen"},
		},
		{
			name: "a ramp: the rise starts with it",
			change: func(s *Summary) {
				s.Stages[1].From, s.Stages[1].To = 100, 300
			},
			want: func(a *Autoscaling) {},
		},
		{
			name: "the decided pods never all ready",
			change: func(s *Summary) {
				for i := range s.Cluster.Samples {
					s.Cluster.Samples[i].Ready = min(s.Cluster.Samples[i].Ready, 5)
				}
			},
			want: func(a *Autoscaling) {
				a.ReadyAfter, a.PeakReady = nil, 5
				a.SettledAfter = ms(23.5) // the peak of 5, first at 34 s (its pod at 33.5 s)
				// Scaling never completed: the window runs to the end.
				a.ScalingWindowSeconds, a.BrokenWhileScaling = 50, 9
			},
			notes: []string{"never all ready"},
		},
		{
			name: "no thresholds",
			change: func(s *Summary) {
				s.Thresholds = nil
			},
			want: func(a *Autoscaling) {
				a.Thresholds, a.ThresholdsUnchecked, a.BrokenSeconds, a.BrokenWhileScaling = []string{}, nil, 0, 0
			},
			notes: []string{"no thresholds were set"},
		},
		{
			name: "pods not observed: the Deployment's replicas are the cost",
			change: func(s *Summary) {
				for i := range s.Cluster.Samples {
					s.Cluster.Samples[i].Pods = 0
				}
			},
			want: func(a *Autoscaling) {},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := scalingRun(t)
			tc.change(&s)
			want := full
			tc.want(&want)
			got := AnalyzeAutoscaling(roundTrip(t, s))
			if got == nil {
				t.Fatal("no analysis")
			}
			for _, n := range tc.notes {
				if !strings.Contains(strings.Join(got.Notes, "; "), n) {
					t.Errorf("notes %q lack %q", got.Notes, n)
				}
			}
			got.Notes = nil
			got.PodSeconds = math.Round(got.PodSeconds*10) / 10
			got.ChangeSeconds = math.Round(got.ChangeSeconds*10) / 10
			want.ChangeSeconds = math.Round(want.ChangeSeconds*10) / 10
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(&want)
			if string(gj) != string(wj) {
				t.Errorf("analysis\n got %s\nwant %s", gj, wj)
			}
		})
	}
}

func TestAnalyzeAutoscalingWithoutCluster(t *testing.T) {
	s := scalingRun(t)
	s.Cluster = nil
	if a := AnalyzeAutoscaling(s); a != nil {
		t.Errorf("without a cluster: %+v", a)
	}
	s.Cluster = &ClusterTimeline{Unavailable: "no cluster observed: no kubeconfig"}
	if a := AnalyzeAutoscaling(s); a != nil {
		t.Errorf("without samples: %+v", a)
	}
}

func TestAutoscalingText(t *testing.T) {
	s := scalingRun(t)
	s.Autoscaling = AnalyzeAutoscaling(s)
	var b strings.Builder
	if err := WriteText(&b, s); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"Scaling    load rose at 10.0s (100 → 300/s, 3 ready); scale-up to 6 decided after 6.40s, ready after 27.6s",
		"peak 6 ready (6 desired); 309.0 pod-seconds; thresholds broken 8s of the 28s scaling (9s in all); 5 of 6 failed requests within 5.00s of the 5 pod changes",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, b.String())
		}
	}
}
