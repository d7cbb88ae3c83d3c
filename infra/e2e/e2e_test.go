//go:build e2e

// The real end-to-end, on a real node (infra/e2e/cluster: kubelet,
// containerd, runc, CNI, kube-proxy, metrics-server in a network namespace):
// the Pulumi program (through the Automation API, inline) deploys the app's
// image; the real client binary reads the stack's endpoint and loads it
// through kube-proxy's NodePort until the HPA scales on the pods' real CPU,
// then lightly while it scales down; a second `up` rolls the pods without
// fighting the HPA; the load Job runs on the node and `client merge` joins
// its pods' logs; `destroy` leaves nothing. Run with `make e2e`.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optdestroy"
	"github.com/pulumi/pulumi/sdk/v3/go/auto/optup"

	"github.com/cloudperf/cloudperf/client/results"
	"github.com/cloudperf/cloudperf/infra/e2e/cluster"
	"github.com/cloudperf/cloudperf/infra/program"
	contract "github.com/cloudperf/cloudperf/infra/stack"
)

const (
	stackName       = "e2e"
	namespace       = "cloudperf-e2e"
	providerVersion = "4.32.0"
	appSelector     = "app.kubernetes.io/name=cloudperf"
	appImage        = "cloudperf.local/app:e2e"
	clientImage     = "cloudperf.local/client:e2e"
	nodePort        = 30080
)

func TestEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	binDir := cluster.DefaultBinDir()
	if missing := cluster.MissingBinaries(binDir); len(missing) > 0 {
		t.Fatalf("tools missing in %s: %v — run `make tools` (infra/e2e/tools/install.sh)", binDir, missing)
	}
	for _, tool := range []string{"pulumi", "pulumi-resource-kubernetes"} {
		if _, err := os.Stat(filepath.Join(binDir, tool)); err != nil {
			t.Fatalf("%s missing in %s — run `make tools`", tool, binDir)
		}
	}
	started := time.Now()
	step := func(name string) { t.Logf("[%5.1fs] %s", time.Since(started).Seconds(), name) }
	var figures []string
	measure := func(format string, args ...any) {
		line := fmt.Sprintf(format, args...)
		figures = append(figures, line)
		t.Logf("MEASURE %s", line)
	}
	defer func() {
		t.Logf("figures of this run:\n  %s", strings.Join(figures, "\n  "))
		artifact(t, "e2e-figures.txt", []byte(strings.Join(figures, "\n")+"\n"))
	}()

	// The two binaries a user runs, static like their images' (CGO off).
	work := t.TempDir()
	appBin, clientBin := filepath.Join(work, "app"), filepath.Join(work, "client")
	step("build app and client")
	goBuild(t, appBin, "../../app")
	goBuild(t, clientBin, "../../client")

	step("start the node: control plane, containerd, kubelet, kube-proxy, metrics-server")
	c, err := cluster.Start(ctx, cluster.Options{Logf: t.Logf, KeepWorkDir: os.Getenv("CLUSTER_E2E_KEEP") == "1"})
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	measure("node start: %s", c.StartDuration().Round(100*time.Millisecond))
	failed := true
	defer func() {
		if failed || t.Failed() {
			t.Logf("component logs:\n%s", c.Logs())
		}
		c.Stop()
		if left := c.Leftovers(); len(left) > 0 {
			t.Errorf("left on the host after the node stopped: %v", left)
		}
	}()
	kube := c.Client()

	// Images as each Dockerfile's final stage lays them out.
	step("import the app and client images into the node's containerd")
	for _, img := range []cluster.Image{
		{Ref: appImage, Binary: appBin, Path: "/app", User: "65532:65532", Ports: []int{5000}},
		{Ref: clientImage, Binary: clientBin, Path: "/client", User: "65532:65532"},
	} {
		if err := c.LoadImage(ctx, img); err != nil {
			t.Fatal(err)
		}
	}

	env := pulumiEnv(t, binDir, c.Kubeconfig())
	step("install the Kubernetes provider plugin")
	installProvider(t, ctx, binDir, env)

	// The project folder a user has: Pulumi.yaml (its config schema included)
	// with `main: infra/`. The program runs inline, so infra/ stays empty.
	projectDir := filepath.Join(work, "project")
	if err := os.MkdirAll(filepath.Join(projectDir, "infra"), 0o755); err != nil {
		t.Fatal(err)
	}
	pulumiYAML, err := os.ReadFile("../../Pulumi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(projectDir, "Pulumi.yaml"), pulumiYAML, 0o644); err != nil {
		t.Fatal(err)
	}

	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: filepath.Dir(binDir), SkipVersionCheck: true})
	if err != nil {
		t.Fatalf("pulumi CLI: %v", err)
	}
	stack, err := auto.UpsertStackInlineSource(ctx, stackName, "cloudperf", program.Run,
		auto.Pulumi(cmd), auto.EnvVars(env), auto.WorkDir(projectDir))
	if err != nil {
		t.Fatalf("create stack: %v", err)
	}
	cfg := auto.ConfigMap{
		"cloudperf:image.build":                       {Value: "false"},
		"cloudperf:image.ref":                         {Value: appImage},
		"cloudperf:namespace":                         {Value: namespace},
		"cloudperf:createNamespace":                   {Value: "true"},
		"cloudperf:namespaceLabels":                   {Value: `{"pod-security.kubernetes.io/enforce":"restricted","pod-security.kubernetes.io/enforce-version":"latest"}`},
		"cloudperf:nodeAddress":                       {Value: c.NodeIP()},
		"cloudperf:nodePort":                          {Value: strconv.Itoa(nodePort)},
		"cloudperf:workCPU":                           {Value: "2ms"},
		"cloudperf:hpa.scaleDownStabilizationSeconds": {Value: "60"},
	}
	if err := stack.SetAllConfig(ctx, cfg); err != nil {
		t.Fatalf("set config: %v", err)
	}
	destroyed := false
	defer func() {
		if !destroyed {
			_, _ = stack.Destroy(context.Background(), optdestroy.ProgressStreams(testWriter{t}))
		}
	}()

	// 1. up → 3 real pods Running and Ready through /readyz, admitted under "restricted".
	step("pulumi up")
	t0 := time.Now()
	up, err := stack.Up(ctx, optup.ProgressStreams(testWriter{t}))
	if err != nil {
		t.Fatalf("step 1, pulumi up: %v", err)
	}
	endpoint, _ := up.Outputs[contract.OutputEndpoint].Value.(string)
	if want := fmt.Sprintf("http://%s:%d", c.NodeIP(), nodePort); endpoint != want {
		t.Fatalf("step 1: endpoint output %q, want %q", endpoint, want)
	}
	dep := waitDeployment(t, ctx, kube, up.Outputs[contract.OutputDeployment].Value.(string), 3)
	measure("pulumi up → 3 pods Ready: %s", time.Since(t0).Round(100*time.Millisecond))
	checkWorkload(t, ctx, kube, dep, up.Outputs, nodePort)
	step(fmt.Sprintf("step 1 ok: Deployment %s 3/3 Ready (real pods), Service NodePort %d, HPA 3–10 at 50%% CPU", dep.Name, nodePort))

	// 2. The real client, from the stack, through kube-proxy's NodePort: its
	// own load (2 ms of CPU a request) makes the HPA scale up.
	step("client --from-stack: 15s at 50/s (below the HPA target), then 75s at 300/s")
	up1 := runClient(t, ctx, clientBin, projectDir, env, c.Kubeconfig(), filepath.Join(work, "scale-up.csv"),
		"--stages", "15s:50,75s:300")
	s := up1.summary
	if s.Requests == 0 {
		t.Fatalf("step 2: the client sent nothing")
	}
	if d := s.AchievedRate/s.TargetRate - 1; d < -0.05 || d > 0.05 {
		t.Errorf("step 2: achieved %.1f/s for a target of %.1f/s", s.AchievedRate, s.TargetRate)
	}
	// The timing of the scale-up is the client's own analysis of its
	// timeline (results.AnalyzeAutoscaling); which pods answered, its log.
	a := s.Autoscaling
	if a == nil || a.DecisionAfter == nil || a.ReadyAfter == nil {
		t.Fatalf("step 2: the summary's autoscaling analysis saw no scale-up: %+v", a)
	}
	scaled := servedBy(up1.records)
	measure("scale-up: load rose at %v; the HPA decided %d replicas %v later, their pods Ready %v after the rise; peak %d replicas; %.0f pod-seconds",
		a.RiseAt.D(), a.DecidedReplicas, a.DecisionAfter.D(), a.ReadyAfter.D(), a.PeakDesired, a.PodSeconds)
	measure("scale-up: %d of %d requests failed %v (%d while pods came and went); p50 %v p99 %v max %v",
		s.Failed, s.Requests, s.Errors, a.FailedDuringChanges, s.Latency.P50.D(), s.Latency.P99.D(), s.Latency.Max.D())
	measure("scale-up: %d pods answered; last 15 s per pod %s", len(s.Hosts), scaled.spread)
	if s.Failed != 0 {
		t.Errorf("step 2: %d requests failed during the scale-up: %v", s.Failed, s.Errors)
	}
	peak := a.PeakDesired
	if peak <= 3 || scaled.added == 0 {
		t.Errorf("step 2: the HPA did not scale up from the client's own load, or the added pods got no traffic (peak %d, added pods that answered %d)",
			peak, scaled.added)
	}
	step(fmt.Sprintf("step 2 ok: %d requests, peak %d replicas, %d added pods answered", s.Requests, peak, scaled.added))

	// 3. A second up that changes the Deployment while the HPA holds more
	// than the 3 replicas the program declares: a real rolling update, no
	// conflict over spec.replicas and no reset to 3, the new pods Ready.
	step("pulumi up again, changing the Deployment")
	before, err := kube.AppsV1().Deployments(namespace).Get(ctx, dep.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := stack.SetConfig(ctx, "cloudperf:workDelay", auto.ConfigValue{Value: "1ms"}); err != nil {
		t.Fatal(err)
	}
	t0 = time.Now()
	up2, err := stack.Up(ctx, optup.ProgressStreams(testWriter{t}))
	if err != nil {
		t.Fatalf("step 3, second pulumi up after the HPA scaled: %v", err)
	}
	// Within the HPA's 60 s scale-down window it still wants what it had:
	// an up that reset replicas would show here.
	now, err := kube.AppsV1().Deployments(namespace).Get(ctx, dep.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *now.Spec.Replicas <= 3 {
		t.Errorf("step 3: replicas %d after the second up (the HPA had %d): reset by the program?", *now.Spec.Replicas, *before.Spec.Replicas)
	}
	if up2.Summary.ResourceChanges == nil || (*up2.Summary.ResourceChanges)["update"] < 1 {
		t.Errorf("step 3: the second up changed nothing (%v); it must update the Deployment", up2.Summary.ResourceChanges)
	}
	after := waitRolledOut(t, ctx, kube, dep.Name, before.Status.ObservedGeneration)
	measure("second up → rollout of %d pods complete: %s", after.Status.UpdatedReplicas, time.Since(t0).Round(100*time.Millisecond))
	if *before.Spec.Replicas <= 3 {
		t.Errorf("step 3: the HPA no longer held more than 3 replicas before the second up (%d): nothing to check", *before.Spec.Replicas)
	}
	if env := after.Spec.Template.Spec.Containers[0].Env; !hasEnv(env, "WORK_DELAY", "1ms") {
		t.Errorf("step 3: the update did not reach the Deployment: env %v", env)
	}
	step(fmt.Sprintf("step 3 ok: rolled to generation %d, replicas still %d", after.Status.ObservedGeneration, *after.Spec.Replicas))

	// 4. Load dropped → the HPA scales down after its 60 s window; pods go
	// through the app's drain while a light load keeps running.
	step("client at 50/s while the HPA scales down")
	down := runClient(t, ctx, clientBin, projectDir, env, c.Kubeconfig(), filepath.Join(work, "scale-down.csv"),
		"--rate", "50", "--duration", "120s")
	ds := down.summary
	low := lowestReplicas(ds)
	measure("scale-down: %d → %d replicas in the 120 s at 50/s; %d of %d requests failed %v",
		peak, low, ds.Failed, ds.Requests, ds.Errors)
	if ds.Failed != 0 {
		t.Errorf("step 4: %d requests failed during the scale-down: %v", ds.Failed, ds.Errors)
	}
	if low >= peak {
		t.Errorf("step 4: the HPA did not scale down (peak %d, lowest during the light load %d)", peak, low)
	}

	// 5. Distributed load: an Indexed Job of two client pods against the
	// Service's ClusterIP; `client merge` of their real logs.
	step("pulumi up with the load generator Job")
	jobCfg := auto.ConfigMap{
		"cloudperf:loadgen.parallelism": {Value: "2"},
		"cloudperf:loadgen.rate":        {Value: "200"},
		"cloudperf:loadgen.duration":    {Value: "20s"},
		"cloudperf:loadgen.image.build": {Value: "false"},
		"cloudperf:loadgen.image.ref":   {Value: clientImage},
	}
	if err := stack.SetAllConfig(ctx, jobCfg); err != nil {
		t.Fatal(err)
	}
	up3, err := stack.Up(ctx, optup.ProgressStreams(testWriter{t}))
	if err != nil {
		t.Fatalf("step 5, pulumi up with the load Job: %v", err)
	}
	jobName, _ := up3.Outputs[contract.OutputLoadgenJob].Value.(string)
	merged, parts := checkLoadJob(t, ctx, kube, clientBin, work, jobName)
	measure("load Job: 2 pods, %d + %d requests, merged %d at %.1f/s, %d failed, p99 %v",
		parts[0], parts[1], merged.Requests, merged.AchievedRate, merged.Failed, merged.Latency.P99.D())
	step(fmt.Sprintf("step 5 ok: Job %s ran on the node, merged summary of %d requests", jobName, merged.Requests))

	// 6. destroy → no pod, container, rule or process left of the workload.
	step("pulumi destroy")
	t0 = time.Now()
	if _, err := stack.Destroy(ctx, optdestroy.ProgressStreams(testWriter{t})); err != nil {
		t.Fatalf("step 6, pulumi destroy: %v", err)
	}
	destroyed = true
	checkGone(t, ctx, c, up.Outputs)
	measure("pulumi destroy → nothing left: %s", time.Since(t0).Round(100*time.Millisecond))
	if res, err := stack.Export(ctx); err != nil || countResources(res.Deployment) != 0 {
		t.Errorf("step 6: stack not empty after destroy (%v)", err)
	}
	if err := stack.Workspace().RemoveStack(ctx, stackName); err != nil {
		t.Errorf("remove stack: %v", err)
	}
	step("step 6 ok: nothing left")
	logRSS(t, c)
	failed = false
}

// checkLoadJob waits for the Job's two pods to complete on the node, reads
// their JSON summaries from their logs (through the apiserver, as kubectl
// logs does) and merges them with the real client.
func checkLoadJob(t *testing.T, ctx context.Context, kube kubernetes.Interface, clientBin, work, name string) (results.Summary, [2]int64) {
	t.Helper()
	if name == "" {
		t.Fatal("step 5: no loadgenJob output")
	}
	deadline := time.Now().Add(3 * time.Minute)
	for {
		job, err := kube.BatchV1().Jobs(namespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil && job.Status.Succeeded == 2 {
			args := strings.Join(job.Spec.Template.Spec.Containers[0].Args, " ")
			if !strings.Contains(args, "--rate 100") || !strings.Contains(args, "http://192.0.2.") {
				t.Errorf("step 5: each pod should send 100/s to the Service's ClusterIP: %s", args)
			}
			break
		}
		if err == nil && job.Status.Failed > 0 || time.Now().After(deadline) {
			pods, _ := kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + name})
			t.Fatalf("step 5: job %s did not complete: %v\n%+v\npods: %+v\nevents:\n%s", name, err, job.Status, pods.Items, events(ctx, kube))
		}
		time.Sleep(time.Second)
	}
	pods, err := kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + name})
	if err != nil || len(pods.Items) != 2 {
		t.Fatalf("step 5: job pods: %v (%d)", err, len(pods.Items))
	}
	var files []string
	var parts [2]int64
	for i, p := range pods.Items {
		raw, err := kube.CoreV1().Pods(namespace).GetLogs(p.Name, &corev1.PodLogOptions{}).DoRaw(ctx)
		if err != nil {
			t.Fatalf("step 5: logs of %s: %v", p.Name, err)
		}
		var s results.Summary
		if err := json.Unmarshal(raw, &s); err != nil {
			t.Fatalf("step 5: pod %s did not print a JSON summary: %v\n%s", p.Name, err, raw)
		}
		// An Indexed Job's pod has the hostname <job>-<index>.
		if s.Generator != p.Spec.Hostname || s.Failed != 0 {
			t.Errorf("step 5: pod %s (hostname %s): generator %q, %d failed %v", p.Name, p.Spec.Hostname, s.Generator, s.Failed, s.Errors)
		}
		parts[i] = s.Requests
		f := filepath.Join(work, p.Name+".json")
		if err := os.WriteFile(f, raw, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	out, err := exec.CommandContext(ctx, clientBin, append([]string{"merge", "--format", "json"}, files...)...).Output()
	if err != nil {
		t.Fatalf("step 5: client merge: %v", err)
	}
	var merged results.Summary
	if err := json.Unmarshal(out, &merged); err != nil {
		t.Fatalf("step 5: merged summary: %v\n%s", err, out)
	}
	if merged.Requests != parts[0]+parts[1] || merged.Requests == 0 {
		t.Errorf("step 5: merged %d requests, the pods sent %d + %d", merged.Requests, parts[0], parts[1])
	}
	artifact(t, "e2e-loadgen-merged.json", out)
	return merged, parts
}

func hasEnv(env []corev1.EnvVar, name, value string) bool {
	for _, e := range env {
		if e.Name == name && e.Value == value {
			return true
		}
	}
	return false
}

func goBuild(t *testing.T, out, pkg string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-trimpath", "-o", out, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // static, like the images' binaries
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

// pulumiEnv is the offline Pulumi setup: a local file backend, the pinned
// CLI and provider, no update checks or plugin downloads.
func pulumiEnv(t *testing.T, binDir, kubeconfig string) map[string]string {
	home := filepath.Join(filepath.Dir(binDir), "pulumi-home")
	backend := filepath.Join(t.TempDir(), "backend")
	if err := os.MkdirAll(backend, 0o755); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"PULUMI_HOME":                                 home,
		"PULUMI_BACKEND_URL":                          "file://" + backend,
		"PULUMI_CONFIG_PASSPHRASE":                    "e2e",
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK":    "true",
		"PULUMI_IGNORE_AMBIENT_PLUGINS":               "true",
		"KUBECONFIG":                                  kubeconfig,
		"PATH":                                        binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
	}
}

// installProvider installs the pinned provider binary as a plugin once into
// the cached PULUMI_HOME.
func installProvider(t *testing.T, ctx context.Context, binDir string, env map[string]string) {
	t.Helper()
	dir := filepath.Join(env["PULUMI_HOME"], "plugins", "resource-kubernetes-v"+providerVersion)
	if _, err := os.Stat(filepath.Join(dir, "pulumi-resource-kubernetes")); err == nil {
		return
	}
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "pulumi"), "plugin", "install", "resource", "kubernetes",
		"v"+providerVersion, "--file", filepath.Join(binDir, "pulumi-resource-kubernetes"))
	cmd.Env = mergeEnv(env)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("pulumi plugin install: %v\n%s", err, out)
	}
}

func mergeEnv(env map[string]string) []string {
	out := os.Environ()
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func waitDeployment(t *testing.T, ctx context.Context, kube kubernetes.Interface, name string, want int32) *appsv1.Deployment {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		dep, err := kube.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil && dep.Status.AvailableReplicas >= want {
			return dep
		}
		if time.Now().After(deadline) {
			t.Fatalf("step 1: Deployment %s not %d/%d available: %v %+v", name, want, want, err, dep.Status)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func checkWorkload(t *testing.T, ctx context.Context, kube kubernetes.Interface, dep *appsv1.Deployment, outs auto.OutputMap, nodePort int) {
	t.Helper()
	ns, err := kube.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
	if err != nil || ns.Labels["pod-security.kubernetes.io/enforce"] != "restricted" {
		t.Errorf("step 1: namespace %s not labelled restricted: %v %v", namespace, err, ns.Labels)
	}
	if dep.Status.ReadyReplicas != 3 || *dep.Spec.Replicas != 3 {
		t.Errorf("step 1: Deployment replicas %d ready %d, want 3/3", *dep.Spec.Replicas, dep.Status.ReadyReplicas)
	}
	svc, err := kube.CoreV1().Services(namespace).Get(ctx, outs[contract.OutputService].Value.(string), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("step 1: service: %v", err)
	}
	if svc.Spec.Type != corev1.ServiceTypeNodePort || svc.Spec.Ports[0].Port != 5000 || int(svc.Spec.Ports[0].NodePort) != nodePort ||
		svc.Spec.Ports[0].TargetPort.IntValue() != 5000 && svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("step 1: service spec %+v", svc.Spec)
	}
	hpa, err := kube.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(ctx, outs[contract.OutputHPA].Value.(string), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("step 1: hpa: %v", err)
	}
	if *hpa.Spec.MinReplicas != 3 || hpa.Spec.MaxReplicas != 10 || len(hpa.Spec.Metrics) != 1 ||
		hpa.Spec.Metrics[0].Resource == nil || *hpa.Spec.Metrics[0].Resource.Target.AverageUtilization != 50 ||
		hpa.Spec.ScaleTargetRef.Name != dep.Name {
		t.Errorf("step 1: HPA spec %+v", hpa.Spec)
	}
	pods, err := kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: appSelector})
	if err != nil || len(pods.Items) != 3 {
		t.Fatalf("step 1: pods: %v (%d)", err, len(pods.Items))
	}
	// Real containers, started by runc as the restricted context says.
	for _, p := range pods.Items {
		sc := p.Spec.SecurityContext
		if p.Status.Phase != corev1.PodRunning || len(p.Status.ContainerStatuses) != 1 || !p.Status.ContainerStatuses[0].Ready ||
			!strings.HasPrefix(p.Status.ContainerStatuses[0].ContainerID, "containerd://") {
			t.Errorf("step 1: pod %s not running in containerd: %+v", p.Name, p.Status)
		}
		csc := p.Spec.Containers[0].SecurityContext
		if sc == nil || sc.RunAsUser == nil || *sc.RunAsUser != 65532 || csc == nil || csc.ReadOnlyRootFilesystem == nil || !*csc.ReadOnlyRootFilesystem {
			t.Errorf("step 1: pod %s security context %+v / %+v", p.Name, sc, csc)
		}
		if !strings.HasPrefix(p.Status.PodIP, "203.0.113.") {
			t.Errorf("step 1: pod %s IP %q is not on the node's bridge", p.Name, p.Status.PodIP)
		}
	}
	// The pods were admitted under "restricted": check it did not just warn.
	privileged := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "probe-privileged"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x"}}},
	}
	if _, err := kube.CoreV1().Pods(namespace).Create(ctx, privileged, metav1.CreateOptions{DryRun: []string{"All"}}); err == nil ||
		!strings.Contains(err.Error(), "PodSecurity") {
		t.Errorf("step 1: the namespace admitted a non-compliant pod: %v", err)
	}
}

type clientRun struct {
	summary results.Summary
	records []results.Record
}

// runClient runs the real client binary as a user would, from the stack,
// watching the cluster, with extra flags (the load's shape); it returns the
// JSON summary and the per-request log. Exit 1 (a broken threshold) is a
// result to look at, not a failure to run.
func runClient(t *testing.T, ctx context.Context, bin, projectDir string, env map[string]string, kubeconfig, out string, load_ ...string) clientRun {
	t.Helper()
	args := append([]string{"--from-stack", stackName, "--project-dir", projectDir, "--format", "json", "--out", out,
		"--kubeconfig", kubeconfig, "--report", out + ".html", "--max-error-rate", "0"}, load_...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = mergeEnv(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && (!errors.As(err, &exit) || exit.ExitCode() != 1) {
		t.Fatalf("client %v: %v\nstderr: %s\nstdout: %s", load_, err, stderr.String(), stdout.String())
	}
	var r clientRun
	if err := json.Unmarshal(stdout.Bytes(), &r.summary); err != nil {
		t.Fatalf("client %v: summary: %v\n%s", load_, err, stdout.String())
	}
	name := strings.TrimSuffix(filepath.Base(out), ".csv")
	artifact(t, "e2e-"+name+".json", stdout.Bytes())
	if b, err := os.ReadFile(out + ".html"); err == nil {
		artifact(t, "e2e-"+name+".html", b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := results.ReadLog(f, func(rec results.Record) error { r.records = append(r.records, rec); return nil }); err != nil {
		t.Fatalf("client log %s: %v", out, err)
	}
	if stderr.Len() > 0 {
		t.Logf("client stderr: %s", stderr.String())
	}
	if c := r.summary.Cluster; c == nil || len(c.Samples) < 10 || c.Unavailable != "" {
		t.Errorf("client %v: no full cluster timeline in the summary: %+v", load_, c)
	}
	return r
}

type served struct {
	added  int    // pods beyond those of the first second that answered requests
	spread string // requests per pod over the last 15 s
}

// servedBy reads from the client's per-request log which pods answered.
func servedBy(recs []results.Record) served {
	var f served
	// The pods there from the start are those that answered in the first second.
	var startUS, endUS int64
	if len(recs) > 0 {
		startUS, endUS = recs[0].Intended, recs[len(recs)-1].Intended
	}
	initial, last := map[string]bool{}, map[string]int{}
	answered := map[string]bool{}
	for _, r := range recs {
		if r.Host == "" {
			continue
		}
		if r.Intended-startUS < 1e6 {
			initial[r.Host] = true
		}
		answered[r.Host] = true
		if endUS-r.Intended < 15e6 {
			last[r.Host]++
		}
	}
	for h := range answered {
		if !initial[h] {
			f.added++
		}
	}
	var parts []string
	for h, n := range last {
		parts = append(parts, fmt.Sprintf("%s %d", h[strings.LastIndexByte(h, '-')+1:], n))
	}
	sort.Strings(parts)
	f.spread = strings.Join(parts, ", ")
	return f
}

// lowestReplicas is the fewest desired replicas in the client's timeline.
func lowestReplicas(s results.Summary) int32 {
	low := int32(math.MaxInt32)
	if s.Cluster != nil {
		for _, smp := range s.Cluster.Samples {
			low = min(low, smp.Desired)
		}
	}
	return low
}

// waitRolledOut waits until the Deployment's new generation is observed and
// every replica is updated and available, as kubectl rollout status does.
func waitRolledOut(t *testing.T, ctx context.Context, kube kubernetes.Interface, name string, oldGen int64) *appsv1.Deployment {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		d, err := kube.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil && d.Status.ObservedGeneration > oldGen && d.Status.ObservedGeneration >= d.Generation &&
			d.Status.UpdatedReplicas == *d.Spec.Replicas && d.Status.AvailableReplicas == *d.Spec.Replicas &&
			d.Status.Replicas == *d.Spec.Replicas {
			return d
		}
		if time.Now().After(deadline) {
			t.Fatalf("step 4: rollout of %s not complete: %v %+v\nevents:\n%s", name, err, d.Status, events(ctx, kube))
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// checkGone waits until the workload's objects, pods, containers and
// kube-proxy rules are gone from the node.
func checkGone(t *testing.T, ctx context.Context, c *cluster.Cluster, outs auto.OutputMap) {
	t.Helper()
	kube := c.Client()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var left []string
		if _, err := kube.AppsV1().Deployments(namespace).Get(ctx, outs[contract.OutputDeployment].Value.(string), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			left = append(left, "deployment")
		}
		if _, err := kube.CoreV1().Services(namespace).Get(ctx, outs[contract.OutputService].Value.(string), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			left = append(left, "service")
		}
		if _, err := kube.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(ctx, outs[contract.OutputHPA].Value.(string), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			left = append(left, "hpa")
		}
		if pods, err := kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{}); err != nil || len(pods.Items) > 0 {
			left = append(left, fmt.Sprintf("pods %v", err))
		}
		if cs, err := c.Containers(ctx); err != nil || len(cs) > 0 {
			left = append(left, fmt.Sprintf("containers %v %v", cs, err))
		}
		if rules, err := c.IPTables(ctx); err != nil || strings.Contains(rules, namespace+"/") {
			left = append(left, fmt.Sprintf("kube-proxy rules for %s (%v)", namespace, err))
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("step 6: left after destroy: %v", left)
		}
		time.Sleep(time.Second)
	}
}

func events(ctx context.Context, kube kubernetes.Interface) string {
	list, err := kube.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err.Error()
	}
	var b strings.Builder
	for _, e := range list.Items {
		fmt.Fprintf(&b, "%s %s/%s: %s: %s\n", e.LastTimestamp.Format("15:04:05"), e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Reason, e.Message)
	}
	return b.String()
}

// artifact keeps a file of the run in $CLOUDPERF_ARTIFACTS (CI uploads it).
func artifact(t *testing.T, name string, b []byte) {
	dir := os.Getenv("CLOUDPERF_ARTIFACTS")
	if dir == "" {
		return
	}
	if err := os.MkdirAll(dir, 0o755); err == nil {
		_ = os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
}

func logRSS(t *testing.T, c *cluster.Cluster) {
	rss := c.RSS()
	var parts []string
	var total int64
	for n, b := range rss {
		parts = append(parts, fmt.Sprintf("%s %d MiB", n, b>>20))
		total += b
	}
	sort.Strings(parts)
	t.Logf("MEASURE node RSS: total %d MiB (%s)", total>>20, strings.Join(parts, ", "))
}

func countResources(deployment json.RawMessage) int {
	var d struct {
		Resources []json.RawMessage `json:"resources"`
	}
	_ = json.Unmarshal(deployment, &d)
	return len(d.Resources)
}

// testWriter sends Pulumi's progress to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
