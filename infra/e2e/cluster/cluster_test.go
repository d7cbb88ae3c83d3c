//go:build e2e

package cluster

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	metricsclient "k8s.io/metrics/pkg/client/clientset/versioned"
)

const (
	wantVersion = "v1.36.3"
	testNS      = "cloudperf-e2e"
)

// TestCluster starts a real control plane and checks what the project's e2e
// relies on: version, fake node, PodSecurity enforcement, kwok-simulated pods,
// metrics and HPA scale-up, then a clean Stop.
//
//	go test -tags e2e -v ./infra/e2e/cluster/
func TestCluster(t *testing.T) {
	if missing := MissingBinaries(""); len(missing) > 0 {
		t.Fatalf("missing %v in %s: run infra/e2e/tools/install.sh", missing, DefaultBinDir())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	t0 := time.Now()
	// CLUSTER_E2E_KEEP=1 keeps the work dir (logs, etcd data, kubeconfigs).
	c, err := Start(ctx, Options{Logf: t.Logf, KeepWorkDir: os.Getenv("CLUSTER_E2E_KEEP") == "1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MEASURE cold start: %s (Start returned after %s)", c.StartDuration().Round(time.Millisecond), time.Since(t0).Round(time.Millisecond))
	logRSS(t, c, "after start")
	stopped := false
	defer func() {
		if t.Failed() && !stopped {
			t.Logf("component logs:\n%s", c.Logs())
		}
		if !stopped {
			c.Stop()
		}
	}()
	cs := c.Client()

	t.Run("Version", func(t *testing.T) {
		v, err := cs.Discovery().ServerVersion()
		if err != nil {
			t.Fatal(err)
		}
		if v.GitVersion != wantVersion {
			t.Errorf("apiserver version %s, want %s", v.GitVersion, wantVersion)
		}
	})

	t.Run("Kubeconfig", func(t *testing.T) {
		// The admin kubeconfig file works on its own (e.g. for the Pulumi provider).
		if _, err := os.Stat(c.Kubeconfig()); err != nil {
			t.Fatal(err)
		}
		rc := c.RESTConfig()
		cs2, err := kubernetes.NewForConfig(rc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs2.CoreV1().Namespaces().Get(ctx, "kube-system", metav1.GetOptions{}); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("NodeReady", func(t *testing.T) {
		n, err := cs.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !nodeReady(n) {
			t.Fatalf("node %s not Ready: %+v", NodeName, n.Status.Conditions)
		}
		if cpu := n.Status.Allocatable.Cpu().String(); cpu != "32" {
			t.Errorf("allocatable cpu %s, want 32 (from manifests/node.yaml)", cpu)
		}
	})

	// One namespace enforcing the "restricted" Pod Security Standard, as the
	// project's Pulumi program creates.
	_, err = cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   testNS,
		Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"},
	}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("PodSecurityRejects", func(t *testing.T) {
		priv := true
		for _, pod := range []*corev1.Pod{
			{ // privileged: passes validation (--allow-privileged=true), PodSecurity must refuse it
				ObjectMeta: metav1.ObjectMeta{Name: "privileged"},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "c", Image: "example.invalid/x:1",
					SecurityContext: &corev1.SecurityContext{Privileged: &priv},
				}}},
			},
			{ // nothing set: fine for "baseline", not for "restricted"
				ObjectMeta: metav1.ObjectMeta{Name: "plain"},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "example.invalid/x:1"}}},
			},
		} {
			_, err := cs.CoreV1().Pods(testNS).Create(ctx, pod, metav1.CreateOptions{})
			if err == nil {
				t.Fatalf("pod %s admitted in a restricted namespace", pod.Name)
			}
			if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `violates PodSecurity "restricted`) {
				t.Fatalf("pod %s: want a PodSecurity rejection, got: %v", pod.Name, err)
			}
			t.Logf("rejected as expected: %v", err)
		}
	})

	t.Run("RestrictedDeploymentReady", func(t *testing.T) {
		t1 := time.Now()
		if _, err := cs.AppsV1().Deployments(testNS).Create(ctx, webDeployment(3), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
			d, err := cs.AppsV1().Deployments(testNS).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			return d.Status.ReadyReplicas == 3 && d.Status.AvailableReplicas == 3, nil
		})
		if err != nil {
			t.Fatalf("deployment web not ready: %v", err)
		}
		pods, err := cs.CoreV1().Pods(testNS).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pods.Items {
			if p.Status.Phase != corev1.PodRunning || p.Spec.NodeName != NodeName || !podReady(&p) {
				t.Errorf("pod %s: phase %s node %q ready %v", p.Name, p.Status.Phase, p.Spec.NodeName, podReady(&p))
			}
		}
		t.Logf("MEASURE 3 restricted pods Ready in %s", time.Since(t1).Round(time.Millisecond))
	})

	t.Run("HPAScalesOnSimulatedCPU", func(t *testing.T) {
		minR, maxR := int32(3), int32(10)
		util := int32(50)
		hpa := &autoscalingv2.HorizontalPodAutoscaler{
			ObjectMeta: metav1.ObjectMeta{Name: "web"},
			Spec: autoscalingv2.HorizontalPodAutoscalerSpec{
				ScaleTargetRef: autoscalingv2.CrossVersionObjectReference{APIVersion: "apps/v1", Kind: "Deployment", Name: "web"},
				MinReplicas:    &minR,
				MaxReplicas:    maxR,
				Metrics: []autoscalingv2.MetricSpec{{
					Type: autoscalingv2.ResourceMetricSourceType,
					Resource: &autoscalingv2.ResourceMetricSource{
						Name:   corev1.ResourceCPU,
						Target: autoscalingv2.MetricTarget{Type: autoscalingv2.UtilizationMetricType, AverageUtilization: &util},
					},
				}},
			},
		}
		t1 := time.Now()
		if _, err := cs.AutoscalingV2().HorizontalPodAutoscalers(testNS).Create(ctx, hpa, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		// metrics.k8s.io serves the kwok pods.
		mc, err := metricsclient.NewForConfig(c.RESTConfig())
		if err != nil {
			t.Fatal(err)
		}
		err = wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
			pm, err := mc.MetricsV1beta1().PodMetricses(testNS).List(ctx, metav1.ListOptions{LabelSelector: "app=web"})
			if err != nil {
				return false, nil // not scraped yet
			}
			return len(pm.Items) == 3, nil
		})
		if err != nil {
			t.Fatalf("no pod metrics: %v", err)
		}
		t.Logf("MEASURE pod metrics served %s after HPA creation", time.Since(t1).Round(time.Millisecond))
		var seen int32
		err = wait.PollUntilContextTimeout(ctx, time.Second, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
			h, err := cs.AutoscalingV2().HorizontalPodAutoscalers(testNS).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if u := currentCPU(h); u != nil {
				seen = *u
				return true, nil
			}
			return false, nil
		})
		if err != nil {
			t.Fatalf("HPA never reported CPU utilization: %v", err)
		}
		t.Logf("MEASURE HPA sees cpu %d%% %s after creation", seen, time.Since(t1).Round(time.Millisecond))

		// 80m on a 100m request = 80% > 50% target.
		t2 := time.Now()
		if err := c.SetPodCPU(ctx, testNS, "app=web", "80m"); err != nil {
			t.Fatal(err)
		}
		last := ""
		var replicas int32
		err = wait.PollUntilContextTimeout(ctx, time.Second, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
			h, err := cs.AutoscalingV2().HorizontalPodAutoscalers(testNS).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			d, err := cs.AppsV1().Deployments(testNS).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			cur := "none"
			if u := currentCPU(h); u != nil {
				cur = fmt.Sprintf("%d%%", *u)
			}
			state := fmt.Sprintf("cpu %s, desired %d, deployment replicas %d ready %d", cur, h.Status.DesiredReplicas, *d.Spec.Replicas, d.Status.ReadyReplicas)
			if state != last {
				t.Logf("[%5.1fs] HPA %s", time.Since(t2).Seconds(), state)
				last = state
			}
			replicas = *d.Spec.Replicas
			return replicas > minR, nil
		})
		if err != nil {
			t.Fatalf("HPA did not scale above %d within 3 minutes: %v", minR, err)
		}
		t.Logf("MEASURE HPA scaled %d -> %d %s after SetPodCPU(80m)", minR, replicas, time.Since(t2).Round(time.Millisecond))

		// The new pods are kwok-simulated too.
		waitReadyReplicas(ctx, t, cs, replicas)

		// New pods came up at the default 1m and pull the average down;
		// holding 80m on every pod drives the HPA to its maximum.
		t4 := time.Now()
		stop, err := c.HoldPodCPU(ctx, testNS, "app=web", "80m")
		if err != nil {
			t.Fatal(err)
		}
		err = wait.PollUntilContextTimeout(ctx, time.Second, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
			d, err := cs.AppsV1().Deployments(testNS).Get(ctx, "web", metav1.GetOptions{})
			if err != nil {
				return false, err
			}
			if r := *d.Spec.Replicas; r != replicas {
				t.Logf("[%5.1fs] deployment replicas %d", time.Since(t4).Seconds(), r)
				replicas = r
			}
			return replicas == maxR, nil
		})
		if herr := stop(); herr != nil {
			t.Errorf("HoldPodCPU: %v", herr)
		}
		if err != nil {
			t.Fatalf("HPA did not reach %d within 3 minutes: %v", maxR, err)
		}
		t.Logf("MEASURE HPA reached max %d %s after HoldPodCPU(80m), %s after SetPodCPU", maxR,
			time.Since(t4).Round(time.Millisecond), time.Since(t2).Round(time.Millisecond))
		waitReadyReplicas(ctx, t, cs, replicas)
		logRSS(t, c, fmt.Sprintf("with %d pods", replicas))
	})

	// Stop: every process and process group gone, idempotent.
	pids := c.PIDs()
	if len(pids) != len(Components) {
		t.Errorf("PIDs %v, want one per component %v", pids, Components)
	}
	workDir := c.WorkDir()
	t3 := time.Now()
	c.Stop()
	stopped = true
	t.Logf("MEASURE Stop took %s", time.Since(t3).Round(time.Millisecond))
	c.Stop() // idempotent
	for name, pid := range pids {
		if pidAlive(pid) || groupAlive(pid) {
			t.Errorf("%s (pid %d) still running after Stop", name, pid)
		}
	}
	if alive := c.Alive(); len(alive) > 0 {
		t.Errorf("alive after Stop: %v", alive)
	}
	if _, err := os.Stat(workDir); !os.IsNotExist(err) {
		t.Errorf("work dir %s not removed: %v", workDir, err)
	}
	if logs := c.Logs(); !strings.Contains(logs, "===== etcd") || !strings.Contains(logs, "===== kube-apiserver") {
		t.Errorf("Logs after Stop lack components:\n%s", logs)
	}
}

// TestParallelClusters starts two clusters at once: distinct ports and work
// dirs, both usable, each Stop touching only its own processes.
func TestParallelClusters(t *testing.T) {
	if missing := MissingBinaries(""); len(missing) > 0 {
		t.Fatalf("missing %v in %s: run infra/e2e/tools/install.sh", missing, DefaultBinDir())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var cs [2]*Cluster
	var errs [2]error
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := range cs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cs[i], errs[i] = Start(ctx, Options{})
		}()
	}
	wg.Wait()
	for i, c := range cs {
		if c != nil {
			defer c.Stop()
		}
		if errs[i] != nil {
			t.Fatalf("cluster %d: %v", i, errs[i])
		}
	}
	t.Logf("MEASURE two clusters started in parallel in %s (%s, %s)", time.Since(t0).Round(time.Millisecond),
		cs[0].StartDuration().Round(time.Millisecond), cs[1].StartDuration().Round(time.Millisecond))
	used := map[int]int{}
	for i, c := range cs {
		p := c.Ports()
		for _, port := range []int{p.EtcdClient, p.EtcdPeer, p.APIServer, p.ControllerMgr, p.Scheduler, p.Kwok, p.MetricsServer} {
			if j, dup := used[port]; dup {
				t.Errorf("port %d used by clusters %d and %d", port, j, i)
			}
			used[port] = i
		}
	}
	if cs[0].WorkDir() == cs[1].WorkDir() || cs[0].Host() == cs[1].Host() {
		t.Fatal("clusters share a work dir or an apiserver")
	}
	// Objects are separate: a namespace made in one is absent from the other.
	if _, err := cs[0].Client().CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "only-in-0"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs[1].Client().CoreV1().Namespaces().Get(ctx, "only-in-0", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("namespace leaked across clusters: %v", err)
	}
	pids1 := cs[1].PIDs()
	cs[0].Stop()
	if alive := cs[0].Alive(); len(alive) > 0 {
		t.Errorf("cluster 0 alive after Stop: %v", alive)
	}
	for name, pid := range pids1 {
		if !pidAlive(pid) {
			t.Errorf("stopping cluster 0 killed cluster 1's %s", name)
		}
	}
	if _, err := cs[1].Client().Discovery().ServerVersion(); err != nil {
		t.Errorf("cluster 1 unusable after cluster 0 stopped: %v", err)
	}
}

// TestStartRetriesOnTakenPort hands the first attempt an etcd client port
// that another listener holds (as a leftover or a parallel run could): Start
// must notice "address already in use" and retry with new ports.
func TestStartRetriesOnTakenPort(t *testing.T) {
	if missing := MissingBinaries(""); len(missing) > 0 {
		t.Fatalf("missing %v in %s: run infra/e2e/tools/install.sh", missing, DefaultBinDir())
	}
	squatter, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer squatter.Close()
	calls := 0
	portPicker = func() (Ports, error) {
		calls++
		p, err := pickPorts()
		if calls == 1 {
			p.EtcdClient = squatter.Addr().(*net.TCPAddr).Port
		}
		return p, err
	}
	defer func() { portPicker = pickPorts }()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := Start(ctx, Options{Logf: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	if calls != 2 {
		t.Errorf("ports picked %d times, want 2", calls)
	}
	if _, err := c.Client().Discovery().ServerVersion(); err != nil {
		t.Fatal(err)
	}
}

// TestStartFailureNamesComponent makes kube-apiserver fail (an unknown flag)
// and checks the error names it and carries its log, and that nothing of the
// failed start keeps running.
func TestStartFailureNamesComponent(t *testing.T) {
	if missing := MissingBinaries(""); len(missing) > 0 {
		t.Fatalf("missing %v in %s: run infra/e2e/tools/install.sh", missing, DefaultBinDir())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	workDir := t.TempDir()
	_, err := Start(ctx, Options{Logf: t.Logf, WorkDir: workDir, ExtraArgs: map[string][]string{APIServer: {"--no-such-flag"}}})
	if err == nil {
		t.Fatal("Start succeeded with a broken kube-apiserver")
	}
	se, ok := err.(*StartError)
	if !ok || se.Component != APIServer {
		t.Fatalf("error %T %v, want a *StartError for %s", err, err, APIServer)
	}
	if !strings.Contains(se.LogTail, "no-such-flag") {
		t.Errorf("log tail lacks the cause:\n%s", se.LogTail)
	}
	t.Logf("error as reported:\n%v", err)
	// etcd had started: it must be gone too.
	if procs := processesMentioning(t, workDir); len(procs) > 0 {
		t.Errorf("left running after a failed Start: %v", procs)
	}
}

// processesMentioning lists the /proc entries whose command line contains s.
func processesMentioning(t *testing.T, s string) []string {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var found []string
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && strings.Contains(string(b), s) {
			found = append(found, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return found
}

// TestKilledTestBinaryLeavesNothing runs a child test binary that starts a
// cluster, SIGKILLs it (no Stop, no cleanup) and checks that Pdeathsig took
// every component down with it.
func TestKilledTestBinaryLeavesNothing(t *testing.T) {
	if os.Getenv("CLUSTER_E2E_CHILD_WORKDIR") != "" {
		return // only the helper below runs in the child
	}
	if missing := MissingBinaries(""); len(missing) > 0 {
		t.Fatalf("missing %v in %s: run infra/e2e/tools/install.sh", missing, DefaultBinDir())
	}
	workDir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildStartsAndHangs$", "-test.v")
	cmd.Env = append(os.Environ(), "CLUSTER_E2E_CHILD_WORKDIR="+workDir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		ok := false
		for sc.Scan() {
			if strings.Contains(sc.Text(), "CHILD READY") && !ok {
				ok = true
				ready <- true
			}
		}
		if !ok {
			ready <- false
		}
	}()
	select {
	case ok := <-ready:
		if !ok {
			cmd.Wait()
			t.Fatal("child exited before its cluster was ready")
		}
	case <-time.After(3 * time.Minute):
		cmd.Process.Kill()
		t.Fatal("child's cluster not ready in 3 minutes")
	}
	if procs := processesMentioning(t, workDir); len(procs) < len(Components) {
		t.Fatalf("expected the child's %d components running, found %d", len(Components), len(procs))
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for {
		procs := processesMentioning(t, workDir)
		if len(procs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("left running after the test binary was killed: %v", procs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestChildStartsAndHangs is the child of TestKilledTestBinaryLeavesNothing.
func TestChildStartsAndHangs(t *testing.T) {
	dir := os.Getenv("CLUSTER_E2E_CHILD_WORKDIR")
	if dir == "" {
		t.Skip("helper of TestKilledTestBinaryLeavesNothing")
	}
	if _, err := Start(context.Background(), Options{WorkDir: dir}); err != nil {
		t.Fatal(err)
	}
	fmt.Println("CHILD READY")
	time.Sleep(10 * time.Minute) // killed long before
}

func webDeployment(replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	yes, no := true, false
	uid := int64(65532)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: labels},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					SecurityContext: &corev1.PodSecurityContext{
						RunAsNonRoot:   &yes,
						RunAsUser:      &uid,
						SeccompProfile: &corev1.SeccompProfile{Type: corev1.SeccompProfileTypeRuntimeDefault},
					},
					Containers: []corev1.Container{{
						Name:  "web",
						Image: "example.invalid/cloudperf/web:1.0",
						Ports: []corev1.ContainerPort{{ContainerPort: 8080}},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
						},
						SecurityContext: &corev1.SecurityContext{
							AllowPrivilegeEscalation: &no,
							ReadOnlyRootFilesystem:   &yes,
							Capabilities:             &corev1.Capabilities{Drop: []corev1.Capability{"ALL"}},
						},
					}},
				},
			},
		},
	}
}

func waitReadyReplicas(ctx context.Context, t *testing.T, cs kubernetes.Interface, n int32) {
	t.Helper()
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		d, err := cs.AppsV1().Deployments(testNS).Get(ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return d.Status.ReadyReplicas >= n, nil
	})
	if err != nil {
		t.Fatalf("%d pods not Ready: %v", n, err)
	}
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func currentCPU(h *autoscalingv2.HorizontalPodAutoscaler) *int32 {
	for _, m := range h.Status.CurrentMetrics {
		if m.Type == autoscalingv2.ResourceMetricSourceType && m.Resource != nil && m.Resource.Name == corev1.ResourceCPU {
			return m.Resource.Current.AverageUtilization
		}
	}
	return nil
}

func logRSS(t *testing.T, c *Cluster, when string) {
	rss := c.RSS()
	names := make([]string, 0, len(rss))
	var total int64
	for n, b := range rss {
		names = append(names, n)
		total += b
	}
	sort.Strings(names)
	var parts []string
	for _, n := range names {
		parts = append(parts, fmt.Sprintf("%s %d MiB", n, rss[n]>>20))
	}
	t.Logf("MEASURE RSS %s: total %d MiB (%s)", when, total>>20, strings.Join(parts, ", "))
}
