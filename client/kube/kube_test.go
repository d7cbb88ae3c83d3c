package kube

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/cloudperf/cloudperf/client/results"
)

const (
	ns       = "perf"
	fast     = 20 * time.Millisecond
	generous = 10 * time.Second
)

func ptr[T any](v T) *T { return &v }

func deployment(name string, replicas, ready int32) *appsv1.Deployment {
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
		},
		Status: appsv1.DeploymentStatus{Replicas: replicas, ReadyReplicas: ready, AvailableReplicas: ready},
	}
}

func pod(name, app string, ready bool) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: map[string]string{"app": app}},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}},
		},
	}
}

func hpa(name, target string, cpu, desired int32) *autoscalingv2.HorizontalPodAutoscaler {
	return &autoscalingv2.HorizontalPodAutoscaler{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
			ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: target},
			MinReplicas:    ptr[int32](3),
			MaxReplicas:    10,
			Metrics: []autoscalingv2.MetricSpec{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricSource{
					Name:   corev1.ResourceCPU,
					Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: ptr[int32](50)},
				},
			}},
		},
		Status: autoscalingv2.HorizontalPodAutoscalerStatus{
			CurrentReplicas: desired,
			DesiredReplicas: desired,
			CurrentMetrics: []autoscalingv2.MetricStatus{{
				Type: autoscalingv2.ResourceMetricSourceType,
				Resource: &autoscalingv2.ResourceMetricStatus{
					Name:    corev1.ResourceCPU,
					Current: autoscalingv2.MetricValueStatus{AverageUtilization: ptr(cpu)},
				},
			}},
		},
	}
}

func rescale(name, hpaName, msg string) *corev1.Event {
	return &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		InvolvedObject: corev1.ObjectReference{
			Kind: "HorizontalPodAutoscaler", Namespace: ns, Name: hpaName, APIVersion: "autoscaling/v2",
		},
		Reason: rescaleReason, Message: msg, Count: 1, Type: corev1.EventTypeNormal,
	}
}

// snapshot copies what the observer holds so far.
func snapshot(o *Observer) ([]results.ClusterSample, []results.ClusterEvent, int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return slices.Clone(o.tl.Samples), slices.Clone(o.tl.Events), o.dropped
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(generous)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func waitReady(t *testing.T, o *Observer) time.Duration {
	t.Helper()
	begin := time.Now()
	select {
	case <-o.Ready():
	case <-time.After(generous):
		t.Fatal("Ready did not settle")
	}
	return time.Since(begin)
}

// waitSample waits for the latest sample to satisfy cond.
func waitSample(t *testing.T, o *Observer, what string, cond func(results.ClusterSample) bool) {
	t.Helper()
	waitFor(t, what, func() bool {
		s, ok := o.Latest()
		return ok && cond(s)
	})
}

// waitEvents waits for n events.
func waitEvents(t *testing.T, o *Observer, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d events", n), func() bool {
		_, ev, _ := snapshot(o)
		return len(ev) >= n
	})
}

func stop(t *testing.T, o *Observer) results.ClusterTimeline {
	t.Helper()
	begin := time.Now()
	tl := o.Stop()
	if d := time.Since(begin); d > 5*time.Second {
		t.Errorf("Stop took %v", d)
	}
	return tl
}

// TestScenario drives a scale-up through the fake clientset: the HPA sees
// CPU rise from 20% to 90% and wants 6 replicas, the Deployment is scaled to
// 6, the new pods become ready, old ones go away.
func TestScenario(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset(
		deployment("web", 3, 3),
		pod("web-1", "web", true), pod("web-2", "web", true), pod("web-3", "web", true),
		deployment("other", 2, 2),
		pod("other-1", "other", false),
		hpa("web", "web", 20, 3),
		hpa("other", "other", 99, 2),
		rescale("before", "web", "New size: 3; reason: before the run"),
	)
	pods := client.CoreV1().Pods(ns)
	hpas := client.AutoscalingV2().HorizontalPodAutoscalers(ns)
	deps := client.AppsV1().Deployments(ns)
	events := client.CoreV1().Events(ns)

	start := time.Now()
	o := Observe(ctx, Target{Namespace: ns, Deployment: "web"}, start, withClientset(client), WithInterval(fast))
	defer o.Stop()
	waitReady(t, o)
	if u := o.Unavailable(); u != "" {
		t.Fatalf("Unavailable = %q", u)
	}
	first, ok := o.Latest()
	if !ok {
		t.Fatal("no sample once ready")
	}
	want := results.ClusterSample{At: first.At, Desired: 3, Current: 3, Ready: 3, Available: 3, Pods: 3,
		HPADesired: 3, CPUUtilization: 20, CPUTarget: 50}
	if first != want {
		t.Fatalf("first sample %+v, want %+v", first, want)
	}

	// Unrelated changes first: the same informers deliver them before the
	// related ones below, so if they were reported the counts would be off.
	h := hpa("other", "other", 100, 4)
	if _, err := hpas.Update(ctx, h, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := events.Create(ctx, rescale("other", "other", "New size: 4"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Update(ctx, pod("other-1", "other", true), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	// The HPA sees 90% and wants 6.
	if _, err := hpas.Update(ctx, hpa("web", "web", 90, 6), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSample(t, o, "cpu 90%", func(s results.ClusterSample) bool { return s.CPUUtilization == 90 && s.HPADesired == 6 })
	waitEvents(t, o, 1)
	msg := "New size: 6; reason: cpu resource utilization (percentage of request) above target"
	if _, err := events.Create(ctx, rescale("now", "web", msg), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, o, 2)

	// The Deployment is scaled to 6; three new pods start.
	if _, err := deps.Update(ctx, deployment("web", 6, 3), metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := 4; i <= 6; i++ {
		if _, err := pods.Create(ctx, pod(fmt.Sprintf("web-%d", i), "web", false), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitSample(t, o, "6 desired", func(s results.ClusterSample) bool { return s.Desired == 6 && s.Pods == 6 && s.Ready == 3 })
	waitEvents(t, o, 3)

	// They become ready one by one.
	for i := 4; i <= 6; i++ {
		if _, err := pods.Update(ctx, pod(fmt.Sprintf("web-%d", i), "web", true), metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		d := deployment("web", 6, int32(i))
		if _, err := deps.Update(ctx, d, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitSample(t, o, fmt.Sprintf("%d ready", i), func(s results.ClusterSample) bool { return s.Ready == int32(i) })
		waitEvents(t, o, i)
	}

	// web-1 is deleted; web-2 terminates, then is deleted (one event);
	// web-7 comes up ready.
	if err := pods.Delete(ctx, "web-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	p := pod("web-2", "web", true)
	p.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	if _, err := pods.Update(ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitSample(t, o, "4 pods", func(s results.ClusterSample) bool { return s.Pods == 4 })
	if err := pods.Delete(ctx, "web-2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Create(ctx, pod("web-7", "web", true), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, o, 9)

	tl := stop(t, o)
	if tl.Unavailable != "" || tl.Namespace != ns || tl.Deployment != "web" || tl.HPA != "web" {
		t.Errorf("timeline header %q %q %q %q", tl.Unavailable, tl.Namespace, tl.Deployment, tl.HPA)
	}
	type ev struct{ kind, msg string }
	var got []ev
	for _, e := range tl.Events {
		got = append(got, ev{e.Kind, e.Message})
	}
	wantEv := []ev{
		{"hpa", "desired 3 → 6 replicas (cpu 90%, target 50%)"},
		{"hpa", msg},
		{"scale", "3 → 6 replicas"},
		{"pod-ready", "web-4"}, {"pod-ready", "web-5"}, {"pod-ready", "web-6"},
		{"pod-gone", "web-1"}, {"pod-gone", "web-2"},
		{"pod-ready", "web-7"},
	}
	if !slices.Equal(got, wantEv) {
		t.Errorf("events\n got %v\nwant %v", got, wantEv)
	}
	for i, e := range tl.Events {
		if e.At < 0 || e.At.D() > time.Since(start) || (i > 0 && e.At < tl.Events[i-1].At) {
			t.Errorf("event %d at %v", i, e.At.D())
		}
	}

	s := tl.Samples
	if len(s) < 5 {
		t.Fatalf("%d samples", len(s))
	}
	last := s[len(s)-1]
	if s[0] != first || last.Desired != 6 || last.Ready != 6 || last.Pods != 5 || last.CPUUtilization != 90 || last.HPADesired != 6 {
		t.Errorf("first %+v last %+v", s[0], last)
	}
	seen := map[int32]bool{}
	for i, x := range s {
		if i > 0 && (x.At <= s[i-1].At || x.Desired < s[i-1].Desired || x.Ready < s[i-1].Ready) {
			t.Errorf("sample %d %+v after %+v", i, x, s[i-1])
		}
		seen[x.Ready] = true
	}
	for r := int32(3); r <= 6; r++ {
		if !seen[r] {
			t.Errorf("no sample with %d ready", r)
		}
	}
	if again := o.Stop(); len(again.Samples) != len(s) {
		t.Error("second Stop differs")
	}
}

// TestNamedHPA: a named HPA that does not exist is reported, the rest is
// observed.
func TestNamedHPA(t *testing.T) {
	client := fake.NewClientset(deployment("web", 3, 3), hpa("web", "web", 20, 3))
	o := Observe(context.Background(), Target{Namespace: ns, Deployment: "web", HPA: "nope"}, time.Now(),
		withClientset(client), WithInterval(fast))
	waitReady(t, o)
	tl := stop(t, o)
	if want := "horizontalpodautoscaler perf/nope not found"; tl.Unavailable != want {
		t.Errorf("Unavailable = %q, want %q", tl.Unavailable, want)
	}
	if len(tl.Samples) == 0 || tl.Samples[0].CPUUtilization != -1 || tl.Samples[0].CPUTarget != -1 || tl.Samples[0].Desired != 3 {
		t.Errorf("samples %+v", tl.Samples)
	}
}

func TestDeploymentNotFound(t *testing.T) {
	o := Observe(context.Background(), Target{Namespace: ns, Deployment: "web"}, time.Now(),
		withClientset(fake.NewClientset()), WithInterval(fast))
	waitReady(t, o)
	want := "no cluster observed: deployment perf/web not found (check the namespace and deployment name)"
	if u := o.Unavailable(); u != want {
		t.Errorf("Unavailable = %q, want %q", u, want)
	}
	tl := stop(t, o)
	if tl.Unavailable != want || tl.Samples == nil || len(tl.Samples) != 0 || len(tl.Events) != 0 {
		t.Errorf("timeline %+v", tl)
	}
}

func TestForbidden(t *testing.T) {
	client := fake.NewClientset(deployment("web", 3, 3))
	client.PrependReactor("get", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "deployments"}, "web",
			errors.New("RBAC says no"))
	})
	o := Observe(context.Background(), Target{Namespace: ns, Deployment: "web"}, time.Now(), withClientset(client))
	waitReady(t, o)
	tl := stop(t, o)
	want := "no cluster observed: the kubeconfig's user may not get deployment perf/web (it needs get, list and watch " +
		"on deployments, pods and horizontalpodautoscalers)"
	if tl.Unavailable != want {
		t.Errorf("Unavailable = %q, want %q", tl.Unavailable, want)
	}
}

// TestPodsForbidden: without access to pods the rest is observed and the
// gap is said.
func TestPodsForbidden(t *testing.T) {
	client := fake.NewClientset(deployment("web", 3, 3), pod("web-1", "web", true))
	client.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("no"))
	})
	o := Observe(context.Background(), Target{Namespace: ns, Deployment: "web"}, time.Now(),
		withClientset(client), WithInterval(fast))
	waitReady(t, o)
	tl := stop(t, o)
	if want := "the kubeconfig's user may not list pods in perf (it needs get, list and watch)"; tl.Unavailable != want {
		t.Errorf("Unavailable = %q, want %q", tl.Unavailable, want)
	}
	if len(tl.Samples) == 0 || tl.Samples[0].Desired != 3 || tl.Samples[0].Pods != 0 {
		t.Errorf("samples %+v", tl.Samples)
	}
}

// TestRecovers: a transient failure is said at once, retried quietly, and
// observation starts late.
func TestRecovers(t *testing.T) {
	client := fake.NewClientset(deployment("web", 3, 3))
	var fails atomic.Int32
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	client.PrependReactor("get", "deployments", func(k8stesting.Action) (bool, runtime.Object, error) {
		if fails.Add(1) <= 3 {
			return true, nil, fmt.Errorf("Get \"https://10.0.0.1:6443/apis\": %w", refused)
		}
		return false, nil, nil
	})
	o := Observe(context.Background(), Target{Namespace: ns, Deployment: "web"}, time.Now(),
		withClientset(client), WithInterval(fast), withRetry(10*time.Millisecond, 20*time.Millisecond))
	waitReady(t, o)
	want := "no cluster observed: cannot reach the Kubernetes API server: connection refused (is the cluster running?)"
	if u := o.Unavailable(); u != want && fails.Load() <= 3 {
		t.Errorf("Unavailable = %q, want %q", u, want)
	}
	waitSample(t, o, "a sample", func(s results.ClusterSample) bool { return s.Desired == 3 })
	tl := stop(t, o)
	if !strings.HasPrefix(tl.Unavailable, "cluster observed only from ") ||
		!strings.HasSuffix(tl.Unavailable, "s into the run (before: cannot reach the Kubernetes API server: connection refused (is the cluster running?))") {
		t.Errorf("Unavailable = %q", tl.Unavailable)
	}
}

func TestNoDeploymentGiven(t *testing.T) {
	o := Observe(context.Background(), Target{}, time.Now(), withClientset(fake.NewClientset()))
	if tl := stop(t, o); tl.Unavailable != "no cluster observed: no deployment given to observe" {
		t.Errorf("Unavailable = %q", tl.Unavailable)
	}
}

// noKubeconfig makes the standard loading rules find nothing.
func noKubeconfig(t *testing.T) {
	t.Setenv("KUBECONFIG", filepath.Join(t.TempDir(), "missing"))
	t.Setenv("KUBERNETES_SERVICE_HOST", "")
	t.Setenv("KUBERNETES_SERVICE_PORT", "")
}

// With no kubeconfig there is nothing to connect to: Ready settles without
// waiting for the connect timeout (an hour here; waitReady gives up long
// before).
func TestNoKubeconfig(t *testing.T) {
	noKubeconfig(t)
	o := Observe(context.Background(), Target{Deployment: "web"}, time.Now(), WithConnectTimeout(time.Hour))
	waitReady(t, o)
	want := "no cluster observed: no kubeconfig found (set KUBECONFIG or --kubeconfig)"
	if tl := stop(t, o); tl.Unavailable != want {
		t.Errorf("Unavailable = %q, want %q", tl.Unavailable, want)
	}

	missing := filepath.Join(t.TempDir(), "kubeconfig")
	o = Observe(context.Background(), Target{Kubeconfig: missing, Deployment: "web"}, time.Now())
	want = "no cluster observed: kubeconfig " + missing + " does not exist"
	if tl := stop(t, o); tl.Unavailable != want {
		t.Errorf("Unavailable = %q, want %q", tl.Unavailable, want)
	}
}

// kubeconfig writes one whose contexts alpha (current) and beta point at
// server with namespaces alpha and beta.
func kubeconfig(t *testing.T, server string) string {
	path := filepath.Join(t.TempDir(), "kubeconfig")
	cfg := `apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: ` + server + `
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    token: secret
contexts:
- name: alpha
  context: {cluster: c, user: u, namespace: alpha}
- name: beta
  context: {cluster: c, user: u, namespace: beta}
current-context: alpha
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// hangingServer accepts connections and never answers.
func hangingServer(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

func TestUnreachable(t *testing.T) {
	noKubeconfig(t)
	server := "https://" + closedPort(t)
	// A refused connection is an answer: Ready does not wait for the
	// connect timeout (an hour; waitReady gives up long before).
	o := Observe(context.Background(), Target{Kubeconfig: kubeconfig(t, server), Deployment: "web"}, time.Now(),
		WithConnectTimeout(time.Hour))
	waitReady(t, o)
	want := "no cluster observed: cannot reach the Kubernetes API server at " + server +
		": connection refused (is the cluster running?)"
	if u := o.Unavailable(); u != want {
		t.Errorf("Unavailable = %q, want %q", u, want)
	}
	tl := stop(t, o)
	if tl.Unavailable != want || tl.Namespace != "alpha" {
		t.Errorf("timeline %+v", tl)
	}
}

func TestHangingServer(t *testing.T) {
	noKubeconfig(t)
	server := "https://" + hangingServer(t)
	config := kubeconfig(t, server)
	begin := time.Now()
	o := Observe(context.Background(), Target{Kubeconfig: config, Deployment: "web"}, begin,
		WithConnectTimeout(300*time.Millisecond))
	// The connect timeout ends the wait: not before it, and (waitReady's
	// bound) long before anything else would.
	waitReady(t, o)
	if d := time.Since(begin); d < 300*time.Millisecond {
		t.Errorf("Ready after %v, before the 300ms connect timeout", d)
	}
	want := "no cluster observed: the Kubernetes API server at " + server + " did not answer within 300ms (is the cluster running?)"
	if tl := stop(t, o); tl.Unavailable != want {
		t.Errorf("Unavailable = %q, want %q", tl.Unavailable, want)
	}
}

// TestStopWhileConnecting: Stop does not wait for the connection bound.
func TestStopWhileConnecting(t *testing.T) {
	noKubeconfig(t)
	server := "https://" + hangingServer(t)
	o := Observe(context.Background(), Target{Kubeconfig: kubeconfig(t, server), Deployment: "web"}, time.Now(),
		WithConnectTimeout(time.Minute))
	time.Sleep(50 * time.Millisecond)
	tl := stop(t, o)
	if want := "no cluster observed: the run ended before the Kubernetes API server answered"; tl.Unavailable != want {
		t.Errorf("Unavailable = %q, want %q", tl.Unavailable, want)
	}
	select {
	case <-o.Ready():
	default:
		t.Error("Ready not closed after Stop")
	}
}

func TestContexts(t *testing.T) {
	noKubeconfig(t)
	path := kubeconfig(t, "https://"+closedPort(t))
	for _, c := range []struct{ context, namespace, want string }{
		{"", "", "alpha"},
		{"beta", "", "beta"},
		{"beta", "explicit", "explicit"},
	} {
		o := Observe(context.Background(), Target{Kubeconfig: path, Context: c.context, Namespace: c.namespace, Deployment: "web"},
			time.Now())
		waitReady(t, o)
		if tl := stop(t, o); tl.Namespace != c.want {
			t.Errorf("context %q namespace %q: observed namespace %q, want %q", c.context, c.namespace, tl.Namespace, c.want)
		}
	}
	o := Observe(context.Background(), Target{Kubeconfig: path, Context: "gamma", Deployment: "web"}, time.Now())
	if tl := stop(t, o); tl.Unavailable != `no cluster observed: kubeconfig has no context "gamma"` {
		t.Errorf("Unavailable = %q", tl.Unavailable)
	}
}

func TestCaps(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset(deployment("web", 3, 3))
	o := Observe(ctx, Target{Namespace: ns, Deployment: "web"}, time.Now(),
		withClientset(client), WithInterval(time.Millisecond), WithMaxEvents(2), WithMaxSamples(8))
	waitReady(t, o)
	for i := range 5 {
		if _, err := client.CoreV1().Pods(ns).Create(ctx, pod(fmt.Sprintf("web-%d", i), "web", true), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "3 dropped events", func() bool { _, _, d := snapshot(o); return d == 3 })
	time.Sleep(50 * time.Millisecond) // thinned a few times
	tl := stop(t, o)
	if len(tl.Events) != 2 || tl.Unavailable != "3 cluster events after the first 2 were dropped" {
		t.Errorf("%d events, Unavailable %q", len(tl.Events), tl.Unavailable)
	}
	if n := len(tl.Samples); n < 2 || n > 8 {
		t.Errorf("%d samples", n)
	}
	for i := 1; i < len(tl.Samples); i++ {
		if tl.Samples[i].At <= tl.Samples[i-1].At {
			t.Errorf("samples out of order: %v", tl.Samples)
		}
	}
}

// TestParentCancel: cancelling the context ends observation; Stop still
// returns what was seen.
func TestParentCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	client := fake.NewClientset(deployment("web", 3, 3))
	o := Observe(ctx, Target{Namespace: ns, Deployment: "web"}, time.Now(), withClientset(client), WithInterval(fast))
	waitReady(t, o)
	cancel()
	tl := stop(t, o)
	if tl.Unavailable != "" || len(tl.Samples) < 2 {
		t.Errorf("timeline %+v", tl)
	}
}

// TestHPALifecycle: an HPA that appears during the run is picked up, its
// limit and repeated rescale events are reported.
func TestHPALifecycle(t *testing.T) {
	ctx := context.Background()
	client := fake.NewClientset(deployment("web", 3, 3))
	hpas := client.AutoscalingV2().HorizontalPodAutoscalers(ns)
	o := Observe(ctx, Target{Namespace: ns, Deployment: "web"}, time.Now(), withClientset(client), WithInterval(fast))
	waitReady(t, o)
	if s, _ := o.Latest(); s.CPUUtilization != -1 || s.CPUTarget != -1 || s.HPADesired != 0 {
		t.Errorf("sample without HPA %+v", s)
	}

	if _, err := hpas.Create(ctx, hpa("web", "web", 120, 10), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, o, 1)
	h := hpa("web", "web", 150, 10)
	h.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{{
		Type: autoscalingv2.ScalingLimited, Status: corev1.ConditionTrue, Reason: "TooManyReplicas",
		Message: "the desired replica count is more than the maximum replica count",
	}}
	if _, err := hpas.Update(ctx, h, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitEvents(t, o, 2)
	e := rescale("up", "web", "New size: 10; reason: cpu resource utilization (percentage of request) above target")
	if e, err := client.CoreV1().Events(ns).Create(ctx, e, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	} else {
		waitEvents(t, o, 3)
		e.Count = 2
		if _, err := client.CoreV1().Events(ns).Update(ctx, e, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitEvents(t, o, 4)
	waitSample(t, o, "cpu 150%", func(s results.ClusterSample) bool { return s.CPUUtilization == 150 })
	tl := stop(t, o)
	var got []string
	for _, e := range tl.Events {
		got = append(got, e.Kind+": "+e.Message)
	}
	want := []string{
		"hpa: horizontalpodautoscaler web created (cpu target 50%)",
		"hpa: at its maximum of 10 replicas: the desired replica count is more than the maximum replica count",
		"hpa: " + e.Message,
		"hpa: " + e.Message,
	}
	if !slices.Equal(got, want) || tl.HPA != "web" || tl.Unavailable != "" {
		t.Errorf("HPA %q, Unavailable %q, events\n got %q\nwant %q", tl.HPA, tl.Unavailable, got, want)
	}
}

// TestHPAStuck: an HPA that cannot compute a scale is reported even when it
// was so from the start.
func TestHPAStuck(t *testing.T) {
	h := hpa("web", "web", 0, 3)
	h.Status.CurrentMetrics = nil
	h.Status.Conditions = []autoscalingv2.HorizontalPodAutoscalerCondition{{
		Type: autoscalingv2.ScalingActive, Status: corev1.ConditionFalse, Reason: "FailedGetResourceMetric",
		Message: "the HPA was unable to compute the replica count: unable to get metrics for resource cpu",
	}}
	client := fake.NewClientset(deployment("web", 3, 3), h)
	o := Observe(context.Background(), Target{Namespace: ns, Deployment: "web", HPA: "web"}, time.Now(),
		withClientset(client), WithInterval(fast))
	waitReady(t, o)
	waitEvents(t, o, 1)
	tl := stop(t, o)
	want := "not scaling: FailedGetResourceMetric: the HPA was unable to compute the replica count: " +
		"unable to get metrics for resource cpu"
	if len(tl.Events) != 1 || tl.Events[0].Kind != "hpa" || tl.Events[0].Message != want {
		t.Errorf("events %+v", tl.Events)
	}
	if s := tl.Samples[0]; s.CPUUtilization != -1 || s.CPUTarget != 50 || s.HPADesired != 3 {
		t.Errorf("sample %+v", s)
	}
}

// TestWatchError: failures after connecting become notes, once, and
// nothing else.
func TestWatchError(t *testing.T) {
	o := &Observer{start: time.Now(), set: settings{maxEvents: 1}}
	w := &watcher{o: o, ns: ns}
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("no"))
	w.watchError("pods", forbidden)
	w.watchError("pods", forbidden)
	w.watchError("", forbidden) // optional
	w.watchError("pods", apierrors.NewInternalError(errors.New("etcd")))
	refused := &url.Error{Op: "Get", URL: "https://x/api", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}}
	w.watchError("pods", refused)
	w.watchError("pods", errors.New("later"))
	o.connected = true
	u := o.Unavailable()
	if !strings.HasPrefix(u, "the kubeconfig's user may not watch pods in perf (it needs get, list and watch); "+
		"contact with the Kubernetes API server was lost ") ||
		!strings.HasSuffix(u, "s into the run (connection refused); samples during the outage repeat the last state seen") {
		t.Errorf("Unavailable = %q", u)
	}
}

// TestRealClientErrors: the API server's answers, through a real clientset
// built from a kubeconfig, give the same messages as the fake's.
func TestRealClientErrors(t *testing.T) {
	noKubeconfig(t)
	for _, c := range []struct {
		code   int
		reason metav1.StatusReason
		want   string
	}{
		{404, metav1.StatusReasonNotFound, "no cluster observed: deployment alpha/web not found (check the namespace and deployment name)"},
		{403, metav1.StatusReasonForbidden, "no cluster observed: the kubeconfig's user may not get deployment alpha/web " +
			"(it needs get, list and watch on deployments, pods and horizontalpodautoscalers)"},
		{401, metav1.StatusReasonUnauthorized, "no cluster observed: the Kubernetes API server at %s rejected the " +
			"kubeconfig's credentials (log in again or choose another context)"},
		{500, metav1.StatusReasonInternalError, "no cluster observed: the Kubernetes API server at %s failed to get " +
			"deployment alpha/web: etcd is down"},
	} {
		var paths sync.Map
		srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			paths.Store(r.URL.Path, true)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(c.code)
			_ = json.NewEncoder(w).Encode(metav1.Status{
				TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
				Status:   metav1.StatusFailure, Code: int32(c.code), Reason: c.reason, Message: "etcd is down",
			})
		}))
		o := Observe(context.Background(), Target{Kubeconfig: kubeconfig(t, srv.URL), Deployment: "web"}, time.Now(),
			withRetry(time.Hour, time.Hour))
		waitReady(t, o)
		want := c.want
		if strings.Contains(want, "%s") {
			want = fmt.Sprintf(want, srv.URL)
		}
		if tl := stop(t, o); tl.Unavailable != want {
			t.Errorf("%d: Unavailable = %q, want %q", c.code, tl.Unavailable, want)
		}
		if _, ok := paths.Load("/apis/apps/v1/namespaces/alpha/deployments/web"); !ok {
			t.Errorf("%d: no request for the deployment", c.code)
		}
		srv.Close()
	}
}
