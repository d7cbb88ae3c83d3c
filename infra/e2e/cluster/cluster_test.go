//go:build e2e

package cluster

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

const (
	wantVersion = "v1.36.3"
	testNS      = "node-test"
	appImage    = "cloudperf.local/app:node-test"
)

// TestNode starts the real node, runs the app as a restricted pod from an
// imported image, reaches it from the host through kube-proxy's NodePort,
// reads its real CPU from metrics-server, then stops and checks that nothing
// is left on the host.
func TestNode(t *testing.T) {
	if missing := MissingBinaries(""); len(missing) > 0 {
		t.Fatalf("missing %v in %s: run infra/e2e/tools/install.sh", missing, DefaultBinDir())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	t0 := time.Now()
	// CLUSTER_E2E_KEEP=1 keeps the work dir (logs, configs, kubeconfigs).
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

	v, err := cs.Discovery().ServerVersion()
	if err != nil || v.GitVersion != wantVersion {
		t.Errorf("apiserver version %v (%v), want %s", v, err, wantVersion)
	}
	n, err := cs.CoreV1().Nodes().Get(ctx, NodeName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Status.NodeInfo.KubeletVersion != wantVersion || !strings.HasPrefix(n.Status.NodeInfo.ContainerRuntimeVersion, "containerd://2.") {
		t.Errorf("node info %+v", n.Status.NodeInfo)
	}

	appBin := filepath.Join(t.TempDir(), "app")
	build := exec.Command("go", "build", "-trimpath", "-o", appBin, "github.com/cloudperf/cloudperf/app")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build app: %v\n%s", err, out)
	}
	if err := c.LoadImage(ctx, Image{Ref: appImage, Binary: appBin, Path: "/app", User: "65532:65532", Ports: []int{5000}}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name:   testNS,
		Labels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"},
	}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.AppsV1().Deployments(testNS).Create(ctx, appDeployment(2), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	svc, err := cs.CoreV1().Services(testNS).Create(ctx, &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: "app"},
		Spec: corev1.ServiceSpec{
			Type:     corev1.ServiceTypeNodePort,
			Selector: map[string]string{"app": "app"},
			Ports:    []corev1.ServicePort{{Port: 5000, TargetPort: intstr.FromInt32(5000)}},
		},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	waitReadyReplicas(ctx, t, cs, 2)
	t.Logf("MEASURE 2 pods Ready through their /readyz probe %s after create", time.Since(t1).Round(time.Millisecond))

	// From the host, through the NodePort: both pods answer, each with its name.
	url := fmt.Sprintf("http://%s:%d/", c.NodeIP(), svc.Spec.Ports[0].NodePort)
	pods, err := cs.CoreV1().Pods(testNS).List(ctx, metav1.ListOptions{LabelSelector: "app=app"})
	if err != nil || len(pods.Items) != 2 {
		t.Fatalf("pods: %v %d", err, len(pods.Items))
	}
	names := map[string]bool{}
	for _, p := range pods.Items {
		names[p.Name] = true
		if !strings.HasPrefix(p.Status.PodIP, "203.0.113.") {
			t.Errorf("pod %s IP %s, want one from the CNI bridge's 203.0.113.0/24", p.Name, p.Status.PodIP)
		}
	}
	seen := map[string]int{}
	client := &http.Client{Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true}, Timeout: 5 * time.Second}
	// kube-proxy programs the NodePort once the EndpointSlice lists the Ready
	// pods; until then it rejects (connection refused).
	t3 := time.Now()
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		resp, err := client.Get(url)
		if err != nil {
			return false, nil
		}
		resp.Body.Close()
		return true, nil
	}); err != nil {
		rules, _ := c.IPTables(ctx)
		t.Fatalf("the NodePort %s never answered: %v\n%s", url, err, rules)
	}
	t.Logf("MEASURE the NodePort answered %s after the pods were Ready", time.Since(t3).Round(time.Millisecond))
	for i := 0; i < 200 && len(seen) < 2; i++ {
		resp, err := client.Get(url + "?cpu=2ms")
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		var body struct{ Host string }
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || !names[body.Host] {
			t.Fatalf("GET %s: %d %v host %q (pods %v)", url, resp.StatusCode, err, body.Host, names)
		}
		seen[body.Host]++
	}
	if len(seen) != 2 {
		t.Errorf("the NodePort reached %v, want both pods", seen)
	}

	// metrics-server reports the pods' real CPU, scraped from the kubelet.
	err = wait.PollUntilContextTimeout(ctx, time.Second, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		raw, err := cs.CoreV1().RESTClient().Get().AbsPath("/apis/metrics.k8s.io/v1beta1/namespaces", testNS, "pods").DoRaw(ctx)
		if err != nil {
			return false, nil
		}
		var list struct {
			Items []struct {
				Metadata   struct{ Name string }
				Containers []struct{ Usage map[string]string }
			}
		}
		if json.Unmarshal(raw, &list) != nil || len(list.Items) < 2 {
			return false, nil
		}
		for _, it := range list.Items {
			if len(it.Containers) == 0 {
				return false, nil
			}
			q, err := resource.ParseQuantity(it.Containers[0].Usage["cpu"])
			if err != nil || q.IsZero() {
				return false, nil
			}
			t.Logf("MEASURE pod %s cpu %s memory %s", it.Metadata.Name, it.Containers[0].Usage["cpu"], it.Containers[0].Usage["memory"])
		}
		return true, nil
	})
	if err != nil {
		t.Errorf("metrics-server reported no pod CPU: %v", err)
	}
	logRSS(t, c, "with 2 pods")

	workDir := c.WorkDir()
	stopped = true
	t2 := time.Now()
	c.Stop()
	t.Logf("MEASURE stop: %s", time.Since(t2).Round(time.Millisecond))
	if left := c.Leftovers(); len(left) > 0 {
		t.Errorf("left on the host after Stop: %v", left)
	}
	if alive := c.Alive(); len(alive) > 0 {
		t.Errorf("still running after Stop: %v", alive)
	}
	if procs := processesMentioning(workDir); len(procs) > 0 {
		t.Errorf("processes left: %v", procs)
	}
	if os.Getenv("CLUSTER_E2E_KEEP") != "1" {
		if _, err := os.Stat(workDir); !os.IsNotExist(err) {
			t.Errorf("work dir %s not removed: %v", workDir, err)
		}
	}
}

// TestKilledTestBinaryLeavesNothing runs a child test binary that starts a
// node, SIGKILLs it (no Stop) and checks that the next Start's sweep removes
// what Pdeathsig could not (pods, shims, cgroups, the namespaces).
func TestKilledTestBinaryLeavesNothing(t *testing.T) {
	if os.Getenv("CLUSTER_E2E_CHILD_WORKDIR") != "" {
		return // only the helper below runs in the child
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
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		var lines []string
		for sc.Scan() {
			lines = append(lines, sc.Text())
			if strings.Contains(sc.Text(), "CHILD READY") {
				ready <- ""
				_, _ = io.Copy(io.Discard, out)
				return
			}
		}
		ready <- strings.Join(lines, "\n")
	}()
	select {
	case failure := <-ready:
		if failure != "" {
			_ = cmd.Wait()
			t.Fatalf("child exited before its node was ready:\n%s", failure)
		}
	case <-time.After(5 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatal("child's node not ready in 5 minutes")
	}
	cgroup := fmt.Sprintf("/%s%d-", cgroupPrefix, cmd.Process.Pid)
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	sweepStale(t.Logf)
	deadline := time.Now().Add(15 * time.Second)
	for {
		left := processesMentioning(workDir)
		dirs, _ := cgroupHierarchies()
		for _, h := range dirs {
			matches, _ := filepath.Glob(filepath.Join(h, cgroup+"*"))
			left = append(left, matches...)
		}
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("left after the test binary was killed and the sweep ran: %v", left)
		}
		time.Sleep(200 * time.Millisecond)
		sweepStale(t.Logf)
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

// processesMentioning lists the live processes whose command line contains s.
func processesMentioning(s string) []string {
	var found []string
	for _, pid := range allPIDs() {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err == nil && strings.Contains(string(b), s) && pidAlive(pid) {
			found = append(found, fmt.Sprintf("%d: %s", pid, strings.ReplaceAll(string(b), "\x00", " ")))
		}
	}
	return found
}

func appDeployment(replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": "app"}
	yes, no := true, false
	uid := int64(65532)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Labels: labels},
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
						Name:            "app",
						Image:           appImage,
						ImagePullPolicy: corev1.PullNever,
						Ports:           []corev1.ContainerPort{{ContainerPort: 5000}},
						ReadinessProbe: &corev1.Probe{
							ProbeHandler:  corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromInt32(5000)}},
							PeriodSeconds: 1,
						},
						Resources: corev1.ResourceRequirements{
							Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m")},
							Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")},
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
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		d, err := cs.AppsV1().Deployments(testNS).Get(ctx, "app", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return d.Status.ReadyReplicas >= n, nil
	})
	if err != nil {
		pods, _ := cs.CoreV1().Pods(testNS).List(ctx, metav1.ListOptions{})
		events, _ := cs.CoreV1().Events(testNS).List(ctx, metav1.ListOptions{})
		var ev []string
		for _, e := range events.Items {
			ev = append(ev, e.InvolvedObject.Name+": "+e.Reason+": "+e.Message)
		}
		t.Fatalf("%d pods not Ready: %v\npods: %+v\nevents:\n%s", n, err, pods.Items, strings.Join(ev, "\n"))
	}
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
