package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/cloudperf/cloudperf/client/results"
)

// TestAutoscalingFromRecordedTimeline records a scale-up through the fake
// clientset as a run would (the load rises, the HPA decides 6, the pods
// become ready, one goes away) and analyses the timeline the observer
// returns beside a load timeline on the same clock. Each time is bounded by
// when the test made the change and when the observer was seen to have it.
func TestAutoscalingFromRecordedTimeline(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset(
		deployment("web", 3, 3),
		pod("web-1", "web", true), pod("web-2", "web", true), pod("web-3", "web", true),
		hpa("web", "web", 30, 3),
	)
	pods := client.CoreV1().Pods(ns)
	deps := client.AppsV1().Deployments(ns)
	hpas := client.AutoscalingV2().HorizontalPodAutoscalers(ns)

	start := time.Now()
	since := func() results.Millis { return results.Millis(time.Since(start)) }
	o := Observe(ctx, Target{Namespace: ns, Deployment: "web"}, start, withClientset(client), WithInterval(fast))
	defer o.Stop()
	waitReady(t, o)

	// The plan: 50/s, then 200/s from rise on.
	const rise = 300 * time.Millisecond
	for time.Since(start) < rise+2*fast {
		time.Sleep(fast)
	}

	decidedFrom := since()
	if _, err := hpas.Update(ctx, hpa("web", "web", 95, 6), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := deps.Update(ctx, deployment("web", 6, 3), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 4; i <= 6; i++ {
		if _, err := pods.Create(ctx, pod(fmt.Sprintf("web-%d", i), "web", false), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitSample(t, o, "6 desired", func(s results.ClusterSample) bool { return s.HPADesired == 6 && s.Desired == 6 && s.Pods == 6 })
	decidedBy := since()
	// The new pods take a while to start: the load's latency suffers
	// meanwhile (below).
	for time.Since(start) < decidedBy.D()+500*time.Millisecond {
		time.Sleep(fast)
	}

	readyFrom := since()
	for i := 4; i <= 6; i++ {
		if _, err := pods.Update(ctx, pod(fmt.Sprintf("web-%d", i), "web", true), metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		if _, err := deps.Update(ctx, deployment("web", 6, int32(i)), metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitSample(t, o, "6 ready", func(s results.ClusterSample) bool { return s.Ready == 6 })
	waitEvents(t, o, 3+1) // the HPA's decision, three pods ready (the scale event may come too)
	readyBy := since()

	goneFrom := since()
	if err := pods.Delete(ctx, "web-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSample(t, o, "5 pods", func(s results.ClusterSample) bool { return s.Pods == 5 })
	for time.Since(start) < goneFrom.D()+300*time.Millisecond {
		time.Sleep(fast)
	}
	tl := stop(t, o)
	elapsed := since()

	// The load's side, on the same clock: 100 ms intervals, p99 over
	// 250 ms from the rise until the pods were ready, 4 requests failing
	// 100 ms after the pod went away and 2 before anything happened.
	const width = 100 * time.Millisecond
	s := results.Summary{
		Target: "http://127.0.0.1:30080/", Elapsed: elapsed,
		Stages: []results.StageSummary{
			{Stage: 0, Start: 0, Duration: results.Millis(rise), From: 50, To: 50},
			{Stage: 1, Start: results.Millis(rise), Duration: elapsed - results.Millis(rise), From: 200, To: 200},
		},
		Cluster: &tl,
	}
	failAt := goneFrom.D() + width
	for at := time.Duration(0); at < elapsed.D(); at += width {
		iv := results.Interval{Start: results.Millis(at), Sent: 10, Completed: 10, OK: 10, P50: results.Millis(5 * time.Millisecond), P99: results.Millis(20 * time.Millisecond)}
		if at >= rise && at+width <= readyFrom.D() {
			iv.P99 = results.Millis(400 * time.Millisecond)
		}
		if at == 0 || (at <= failAt && failAt < at+width) {
			n := int64(2)
			if at > 0 {
				n = 4
			}
			iv.OK, iv.Errors = iv.OK-n, n
			s.Failed += n
		}
		s.Requests += iv.Completed
		s.OK += iv.OK
		s.Timeline = append(s.Timeline, iv)
	}
	th, err := results.ParseThreshold("p99<=250ms")
	if err != nil {
		t.Fatal(err)
	}
	s.Thresholds = []results.ThresholdResult{th.Check(s)}

	a := results.AnalyzeAutoscaling(s)
	if a == nil {
		t.Fatal("no analysis of an observed cluster")
	}
	riseAt := results.Millis(rise)
	within := func(what string, got *results.Millis, lo, hi results.Millis) {
		t.Helper()
		switch {
		case got == nil:
			t.Errorf("%s: none", what)
		case *got < lo-riseAt || *got > hi-riseAt:
			t.Errorf("%s %v after the rise, want from %v to %v", what, got.D(), (lo - riseAt).D(), (hi - riseAt).D())
		}
	}
	if a.RiseAt != riseAt || a.RiseFromRate != 50 || a.RiseToRate != 200 || a.ReadyAtRise != 3 || a.DesiredAtRise != 3 {
		t.Errorf("rise %+v", a)
	}
	within("decision", a.DecisionAfter, decidedFrom, decidedBy)
	within("ready", a.ReadyAfter, readyFrom, readyBy)
	if a.DecidedReplicas != 6 || a.PeakReady != 6 || a.PeakDesired != 6 {
		t.Errorf("replicas: decided %d, peak ready %d, desired %d", a.DecidedReplicas, a.PeakReady, a.PeakDesired)
	}
	if a.PodChanges != 4 || a.FailedDuringChanges != 4 || a.Failed != 6 {
		t.Errorf("pod changes %d, failed during them %d of %d, want 4, 4 of 6", a.PodChanges, a.FailedDuringChanges, a.Failed)
	}
	// Between 3 and 6 pods the whole time.
	if secs := elapsed.D().Seconds(); a.PodSeconds < 3*secs*0.9 || a.PodSeconds > 6*secs {
		t.Errorf("%.2f pod-seconds over %.2fs", a.PodSeconds, secs)
	}
	// p99 was broken from the rise until the pods were ready: about the
	// whole scaling window, at most all of it.
	if a.BrokenWhileScaling <= 0 || a.BrokenWhileScaling > a.ScalingWindowSeconds+width.Seconds() || a.BrokenSeconds != a.BrokenWhileScaling {
		t.Errorf("broken %.1fs while scaling (window %.1fs), %.1fs in all", a.BrokenWhileScaling, a.ScalingWindowSeconds, a.BrokenSeconds)
	}

	// What the e2e reads.
	s.Autoscaling = a
	data, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{`"autoscaling":{"rise_at_ms":300.000`, `"decision_after_ms":`, `"ready_after_ms":`, `"peak_ready":6`,
		`"pod_seconds":`, `"broken_while_scaling_s":`, `"failed_during_pod_changes":4`} {
		if !strings.Contains(string(data), key) {
			t.Errorf("JSON lacks %s", key)
		}
	}
}
