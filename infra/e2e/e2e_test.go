//go:build e2e

// The real end-to-end: the Pulumi program (through the Automation API, inline)
// deploys onto a real local control plane, the real client binary reads the
// stack's endpoint and loads it while the HPA scales, a second `up` must not
// fight the HPA, and `destroy` leaves nothing. Run with `make e2e`.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
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

	"github.com/cloudperf/cloudperf/client/load"
	"github.com/cloudperf/cloudperf/infra/e2e/cluster"
	"github.com/cloudperf/cloudperf/infra/program"
)

const (
	stackName       = "e2e"
	namespace       = "cloudperf-e2e"
	providerVersion = "4.32.0"
	appSelector     = "app.kubernetes.io/name=cloudperf"
)

func TestEndToEnd(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
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

	// Build the two binaries a user runs.
	work := t.TempDir()
	appBin, clientBin := filepath.Join(work, "app"), filepath.Join(work, "client")
	step("build app and client")
	goBuild(t, appBin, "../../app")
	goBuild(t, clientBin, "../../client")

	step("start the control plane")
	c, err := cluster.Start(ctx, cluster.Options{Logf: t.Logf})
	if err != nil {
		t.Fatalf("control plane: %v", err)
	}
	failed := true
	defer func() {
		if failed || t.Failed() {
			t.Logf("component logs:\n%s", c.Logs())
		}
		c.Stop()
	}()
	kube := c.Client()

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
	nodePort := freeNodePort(t)
	cfg := auto.ConfigMap{
		"cloudperf:image.build":                       {Value: "false"},
		"cloudperf:image.ref":                         {Value: "registry.example/cloudperf-app:e2e"},
		"cloudperf:namespace":                         {Value: namespace},
		"cloudperf:createNamespace":                   {Value: "true"},
		"cloudperf:namespaceLabels":                   {Value: `{"pod-security.kubernetes.io/enforce":"restricted","pod-security.kubernetes.io/enforce-version":"latest"}`},
		"cloudperf:nodeAddress":                       {Value: "127.0.0.1"},
		"cloudperf:nodePort":                          {Value: strconv.Itoa(nodePort)},
		"cloudperf:hpa.scaleDownStabilizationSeconds": {Value: "300"},
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

	// 1. up → the workload exists as declared and is admitted under "restricted".
	step("pulumi up")
	up, err := stack.Up(ctx, optup.ProgressStreams(testWriter{t}))
	if err != nil {
		t.Fatalf("step 1, pulumi up: %v", err)
	}
	endpoint, _ := up.Outputs[program.OutputEndpoint].Value.(string)
	if want := fmt.Sprintf("http://127.0.0.1:%d", nodePort); endpoint != want {
		t.Fatalf("step 1: endpoint output %q, want %q", endpoint, want)
	}
	dep := waitDeployment(t, ctx, kube, up.Outputs[program.OutputDeployment].Value.(string), 3)
	checkWorkload(t, ctx, kube, dep, up.Outputs, nodePort)
	step(fmt.Sprintf("step 1 ok: Deployment %s 3/3 available, Service NodePort %d, HPA 3–10 at 50%% CPU", dep.Name, nodePort))

	// 2. The app binary listens on the node port: kube-proxy cannot run here,
	// so this stands in for its forwarding. Then the real client, from the stack.
	step("start the app on the node port; run the client from the stack")
	app := startApp(t, appBin, nodePort)
	defer app.stop()
	holdCPU, err := c.HoldPodCPU(ctx, namespace, appSelector, "80m")
	if err != nil {
		t.Fatalf("step 3, raise pod CPU: %v", err)
	}
	defer holdCPU()
	summary := runClient(t, ctx, clientBin, projectDir, env, c.Kubeconfig(), filepath.Join(work, "run.csv"))
	if summary.Failed != 0 || summary.Requests == 0 {
		t.Fatalf("step 2: client: %d requests, %d failed %v", summary.Requests, summary.Failed, summary.Errors)
	}
	if d := summary.AchievedRate/summary.TargetRate - 1; d < -0.05 || d > 0.05 {
		t.Errorf("step 2: achieved %.1f/s for a target of %.1f/s", summary.AchievedRate, summary.TargetRate)
	}
	step(fmt.Sprintf("step 2 ok: %d requests, 0 failed, p99 %v, %d stages", summary.Requests, summary.Latency.P99.D(), len(summary.Stages)))

	// 3. The HPA scales above 3 (kwok reports the raised CPU through
	// metrics-server), and the client's timeline saw replicas rise.
	desired := waitScaled(t, ctx, kube, dep.Name)
	step(fmt.Sprintf("step 3 ok: the HPA scaled the Deployment to %d", desired))
	checkTimeline(t, summary)

	// 4. A second up after the HPA scaled, one that really updates the
	// Deployment (a new env value): no server-side-apply conflict over
	// spec.replicas (pulumi-kubernetes #2491/#2569), and the HPA keeps what it chose.
	step("pulumi up again, changing the Deployment")
	if err := stack.SetConfig(ctx, "cloudperf:workDelay", auto.ConfigValue{Value: "1ms"}); err != nil {
		t.Fatal(err)
	}
	up2, err := stack.Up(ctx, optup.ProgressStreams(testWriter{t}))
	if err != nil {
		t.Fatalf("step 4, second pulumi up after the HPA scaled: %v", err)
	}
	if up2.Summary.ResourceChanges == nil || (*up2.Summary.ResourceChanges)["update"] < 1 {
		t.Errorf("step 4: the second up changed nothing (%v); it must update the Deployment", up2.Summary.ResourceChanges)
	}
	after, err := kube.AppsV1().Deployments(namespace).Get(ctx, dep.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *after.Spec.Replicas < 4 {
		t.Errorf("step 4: the second up reset replicas to %d (the HPA had %d)", *after.Spec.Replicas, desired)
	}
	if env := after.Spec.Template.Spec.Containers[0].Env; !hasEnv(env, "WORK_DELAY", "1ms") {
		t.Errorf("step 4: the update did not reach the Deployment: env %v", env)
	}
	step(fmt.Sprintf("step 4 ok: replicas still %d after the second up", *after.Spec.Replicas))

	// 4b. Distributed load (issue 9): an Indexed Job of client pods, admitted
	// by the real API server under "restricted" (kwok runs its pods to completion).
	step("pulumi up with the load generator Job")
	jobCfg := auto.ConfigMap{
		"cloudperf:loadgen.parallelism": {Value: "2"},
		"cloudperf:loadgen.rate":        {Value: "200"},
		"cloudperf:loadgen.duration":    {Value: "30s"},
		"cloudperf:loadgen.image.build": {Value: "false"},
		"cloudperf:loadgen.image.ref":   {Value: "registry.example/cloudperf-client:e2e"},
	}
	if err := stack.SetAllConfig(ctx, jobCfg); err != nil {
		t.Fatal(err)
	}
	up3, err := stack.Up(ctx, optup.ProgressStreams(testWriter{t}))
	if err != nil {
		t.Fatalf("step 4b, pulumi up with the load Job: %v", err)
	}
	jobName, _ := up3.Outputs[program.OutputLoadgenJob].Value.(string)
	checkLoadJob(t, ctx, kube, jobName)
	step(fmt.Sprintf("step 4b ok: Job %s admitted, 2 indexed pods ran to completion", jobName))

	// 5. destroy → nothing left, the stack empty.
	step("pulumi destroy")
	if _, err := stack.Destroy(ctx, optdestroy.ProgressStreams(testWriter{t})); err != nil {
		t.Fatalf("step 5, pulumi destroy: %v", err)
	}
	destroyed = true
	checkGone(t, ctx, kube, up.Outputs)
	if res, err := stack.Export(ctx); err != nil || countResources(res.Deployment) != 0 {
		t.Errorf("step 5: stack not empty after destroy (%v)", err)
	}
	if err := stack.Workspace().RemoveStack(ctx, stackName); err != nil {
		t.Errorf("remove stack: %v", err)
	}
	step("step 5 ok: nothing left")
	failed = false
}

// checkLoadJob waits for the Job's two pods (admitted under "restricted")
// and for the Job to complete, and checks each pod's split of the load.
func checkLoadJob(t *testing.T, ctx context.Context, kube kubernetes.Interface, name string) {
	t.Helper()
	if name == "" {
		t.Fatal("step 4b: no loadgenJob output")
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		job, err := kube.BatchV1().Jobs(namespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil && job.Status.Succeeded == 2 {
			if job.Spec.CompletionMode == nil || *job.Spec.CompletionMode != "Indexed" || *job.Spec.Parallelism != 2 {
				t.Errorf("step 4b: job spec %+v", job.Spec)
			}
			args := strings.Join(job.Spec.Template.Spec.Containers[0].Args, " ")
			if !strings.Contains(args, "--rate 100") || !strings.Contains(args, ".svc.cluster.local:5000") {
				t.Errorf("step 4b: each pod should send 100/s to the Service's DNS name: %s", args)
			}
			break
		}
		if time.Now().After(deadline) {
			pods, _ := kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: "job-name=" + name})
			events, _ := kube.CoreV1().Events(namespace).List(ctx, metav1.ListOptions{})
			t.Fatalf("step 4b: job %s did not complete: %v\n%+v\npods: %d\nevents: %+v", name, err, job, len(pods.Items), events.Items)
		}
		time.Sleep(time.Second)
	}
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
	cmd := exec.Command("go", "build", "-o", out, pkg)
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

// freeNodePort picks a port in the NodePort range that nothing on 127.0.0.1
// listens on, so the app can stand in for kube-proxy there.
func freeNodePort(t *testing.T) int {
	for p := 30000 + int(time.Now().UnixNano()%2000); p < 32767; p++ {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err == nil {
			ln.Close()
			return p
		}
	}
	t.Fatal("no free port in 30000-32767")
	return 0
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
	svc, err := kube.CoreV1().Services(namespace).Get(ctx, outs[program.OutputService].Value.(string), metav1.GetOptions{})
	if err != nil {
		t.Fatalf("step 1: service: %v", err)
	}
	if svc.Spec.Type != corev1.ServiceTypeNodePort || svc.Spec.Ports[0].Port != 5000 || int(svc.Spec.Ports[0].NodePort) != nodePort ||
		svc.Spec.Ports[0].TargetPort.IntValue() != 5000 && svc.Spec.Ports[0].TargetPort.String() != "http" {
		t.Errorf("step 1: service spec %+v", svc.Spec)
	}
	hpa, err := kube.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(ctx, outs[program.OutputHPA].Value.(string), metav1.GetOptions{})
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

type appProcess struct {
	cmd  *exec.Cmd
	logs *bytes.Buffer
	stop func()
}

func startApp(t *testing.T, bin string, port int) *appProcess {
	t.Helper()
	var logs bytes.Buffer
	cmd := exec.Command(bin, "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-drain-delay", "0s", "-log-format", "text")
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err == nil {
			conn.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("step 2: the app did not listen on %d: %s", port, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	return &appProcess{cmd: cmd, logs: &logs, stop: func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	}}
}

// runClient runs the real client binary as a user would, in stages, from the
// stack, watching the cluster; it returns the JSON summary.
func runClient(t *testing.T, ctx context.Context, bin, projectDir string, env map[string]string, kubeconfig, out string) load.Summary {
	t.Helper()
	cmd := exec.CommandContext(ctx, bin, "--from-stack", stackName, "--project-dir", projectDir,
		"--stages", "10s:100,40s:300,10s:100", "--format", "json", "--out", out,
		"--kubeconfig", kubeconfig, "--report", out+".html", "--max-error-rate", "0")
	cmd.Env = mergeEnv(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("step 2: client: %v", err)
	}
	if err != nil {
		t.Fatalf("step 2: client exited %d\nstderr: %s\nstdout: %s", exit.ExitCode(), stderr.String(), stdout.String())
	}
	var s load.Summary
	if err := json.Unmarshal(stdout.Bytes(), &s); err != nil {
		t.Fatalf("step 2: summary: %v\n%s", err, stdout.String())
	}
	if dir := os.Getenv("CLOUDPERF_ARTIFACTS"); dir != "" {
		_ = os.MkdirAll(dir, 0o755)
		_ = os.WriteFile(filepath.Join(dir, "e2e-summary.json"), stdout.Bytes(), 0o644)
		if b, err := os.ReadFile(out + ".html"); err == nil {
			_ = os.WriteFile(filepath.Join(dir, "e2e-report.html"), b, 0o644)
		}
	}
	if stderr.Len() > 0 {
		t.Logf("client stderr: %s", stderr.String())
	}
	return s
}

func waitScaled(t *testing.T, ctx context.Context, kube kubernetes.Interface, name string) int32 {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for {
		dep, err := kube.AppsV1().Deployments(namespace).Get(ctx, name, metav1.GetOptions{})
		if err == nil && *dep.Spec.Replicas > 3 {
			return *dep.Spec.Replicas
		}
		if time.Now().After(deadline) {
			hpa, _ := kube.AutoscalingV2().HorizontalPodAutoscalers(namespace).List(ctx, metav1.ListOptions{})
			t.Fatalf("step 3: the HPA did not scale above 3 within 3 minutes: %v\nHPA: %+v", err, hpa)
		}
		time.Sleep(time.Second)
	}
}

// checkTimeline: the client's JSON carries the cluster side on the load's clock.
func checkTimeline(t *testing.T, s load.Summary) {
	t.Helper()
	c := s.Cluster
	if c == nil || len(c.Samples) < 10 {
		t.Fatalf("issue 6: no cluster timeline in the summary: %+v", c)
	}
	if c.Unavailable != "" {
		t.Errorf("issue 6: cluster observation incomplete: %s", c.Unavailable)
	}
	first, peak := c.Samples[0], int32(0)
	sawCPU := false
	for _, smp := range c.Samples {
		peak = max(peak, smp.Desired)
		sawCPU = sawCPU || smp.CPUUtilization > 50
	}
	t.Logf("timeline: %d samples, desired %d → peak %d, %d events", len(c.Samples), first.Desired, peak, len(c.Events))
	if first.Ready != 3 {
		t.Errorf("issue 6: first sample ready %d, want 3", first.Ready)
	}
	if peak <= 3 || !sawCPU {
		t.Errorf("issue 6: the timeline did not see the HPA scale (peak desired %d, CPU above target seen %v)", peak, sawCPU)
	}
}

func checkGone(t *testing.T, ctx context.Context, kube kubernetes.Interface, outs auto.OutputMap) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		var left []string
		if _, err := kube.AppsV1().Deployments(namespace).Get(ctx, outs[program.OutputDeployment].Value.(string), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			left = append(left, "deployment")
		}
		if _, err := kube.CoreV1().Services(namespace).Get(ctx, outs[program.OutputService].Value.(string), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			left = append(left, "service")
		}
		if _, err := kube.AutoscalingV2().HorizontalPodAutoscalers(namespace).Get(ctx, outs[program.OutputHPA].Value.(string), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			left = append(left, "hpa")
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("step 5: left after destroy: %v", left)
		}
		time.Sleep(500 * time.Millisecond)
	}
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
