package program

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	clientstack "github.com/cloudperf/cloudperf/client/stack"
	"github.com/cloudperf/cloudperf/infra/stack"
)

const testClientRef = "registry.example/cloudperf-client@sha256:4567"

// loadgenConfig deploys given images with a 4-pod load generator.
func loadgenConfig() Config {
	cfg := refConfig()
	cfg.Loadgen = LoadgenConfig{
		Parallelism: 4, Rate: 1000, Duration: 2 * time.Minute, Path: "/?cpu=2ms",
		ExtraArgs: []string{"--timeout", "2s"},
		Image:     LoadgenImageConfig{Ref: testClientRef},
		Resources: DefaultConfig().Loadgen.Resources,
	}
	return cfg
}

// named returns the one resource of type typ registered as name.
func (m *mocks) named(t *testing.T, typ, name string) registered {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.got[typ] {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no %s named %s (all: %v)", typ, name, m.typesLocked())
	return registered{}
}

func TestNoLoadgenByDefault(t *testing.T) {
	m, _ := mustDeploy(t, refConfig())
	if n := m.count(typeJob); n != 0 {
		t.Errorf("%d Jobs registered with loadgen.parallelism 0", n)
	}
	if DefaultConfig().Loadgen.Enabled() {
		t.Error("the load generator is on by default")
	}
}

func wantLoadgenLabels(stack string) map[string]any {
	l := wantLabels(stack)
	l["app.kubernetes.io/component"] = "loadgen"
	return l
}

func TestLoadgenJob(t *testing.T) {
	m, _ := mustDeploy(t, loadgenConfig())
	job := m.only(t, typeJob)
	eq(t, "name", job.Name, "cloudperf-loadgen")
	eq(t, "metadata", get(t, job.Inputs, "metadata"), map[string]any{
		"namespace":   "default",
		"labels":      wantLoadgenLabels("dev"),
		"annotations": map[string]any{"pulumi.com/skipAwait": "true"},
	})
	spec := get(t, job.Inputs, "spec").(map[string]any)
	eq(t, "completionMode", spec["completionMode"], "Indexed")
	eq(t, "completions", spec["completions"], 4.0)
	eq(t, "parallelism", spec["parallelism"], 4.0)
	eq(t, "backoffLimit", spec["backoffLimit"], 0.0)
	eq(t, "ttlSecondsAfterFinished", spec["ttlSecondsAfterFinished"], 3600.0)
	eq(t, "activeDeadlineSeconds", spec["activeDeadlineSeconds"], 120.0+300)
	if _, ok := spec["selector"]; ok {
		t.Error("the Job sets a selector (Kubernetes generates it)")
	}

	pod := get(t, spec, "template", "spec")
	eq(t, "template labels", get(t, spec, "template", "metadata", "labels"), wantLoadgenLabels("dev"))
	eq(t, "restartPolicy", get(t, pod, "restartPolicy"), "Never")
	eq(t, "automountServiceAccountToken", get(t, pod, "automountServiceAccountToken"), false)
	containers := get(t, pod, "containers").([]any)
	if len(containers) != 1 {
		t.Fatalf("%d containers", len(containers))
	}
	c := containers[0]
	eq(t, "container name", get(t, c, "name"), "loadgen")
	eq(t, "image", get(t, c, "image"), testClientRef)
	eq(t, "imagePullPolicy", get(t, c, "imagePullPolicy"), "IfNotPresent")
	eq(t, "args", get(t, c, "args"), []any{
		"--url", "http://" + mockClusterIP + ":5000/?cpu=2ms",
		"--rate", "250",
		"--duration", "2m0s",
		"--format", "json",
		"--out=",
		"--quiet",
		"--no-observe",
		"--timeout", "2s",
	})
	// The defaults of loadgen.resources.*.
	eq(t, "resources", get(t, c, "resources"), map[string]any{
		"requests": map[string]any{"cpu": "250m", "memory": "64Mi"},
		"limits":   map[string]any{"cpu": "1", "memory": "256Mi"},
	})
	if _, ok := c.(map[string]any)["command"]; ok {
		t.Error("the container overrides the image's ENTRYPOINT [\"/client\"]")
	}

	// The same restricted security context as the app.
	appPod := get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec")
	eq(t, "pod securityContext", get(t, pod, "securityContext"), get(t, appPod, "securityContext"))
	eq(t, "container securityContext", get(t, c, "securityContext"), get(t, appPod, "containers", 0, "securityContext"))
	eq(t, "readOnlyRootFilesystem", get(t, c, "securityContext", "readOnlyRootFilesystem"), true)
	// Yet /tmp is writable, for a long run's spilled histograms.
	eq(t, "volumes", get(t, pod, "volumes"), []any{map[string]any{"name": "tmp", "emptyDir": map[string]any{}}})
	eq(t, "volumeMounts", get(t, c, "volumeMounts"), []any{map[string]any{"name": "tmp", "mountPath": "/tmp"}})

	// Neither the Service nor the PDB selects the load generator's pods.
	sel := get(t, m.only(t, typeService).Inputs, "spec", "selector").(map[string]any)
	if sel["app.kubernetes.io/component"] == wantLoadgenLabels("dev")["app.kubernetes.io/component"] {
		t.Error("the Service selects the load generator's pods")
	}

	// Replaced, deleted first, after the Deployment and the Service.
	eq(t, "replaceOnChanges", job.ReplaceOnChanges, []string{"spec"})
	eq(t, "deleteBeforeReplace", job.DeleteBeforeReplace, true)
	deps := strings.Join(job.Dependencies, " ")
	for _, want := range []string{"kubernetes:apps/v1:Deployment::cloudperf", "kubernetes:core/v1:Service::cloudperf"} {
		if !strings.Contains(deps, want) {
			t.Errorf("the Job does not depend on %s (dependencies %v)", want, job.Dependencies)
		}
	}
}

func TestLoadgenJobResources(t *testing.T) {
	for _, tc := range []struct {
		name string
		res  ResourcesConfig
	}{
		{"defaults", DefaultConfig().Loadgen.Resources},
		{"bigger", ResourcesConfig{CPURequest: "2", CPULimit: "4", MemoryRequest: "512Mi", MemoryLimit: "1Gi"}},
		{"request equals limit", ResourcesConfig{CPURequest: "500m", CPULimit: "500m", MemoryRequest: "128Mi", MemoryLimit: "128Mi"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := loadgenConfig()
			cfg.Loadgen.Resources = tc.res
			m, _ := mustDeploy(t, cfg)
			c := get(t, m.only(t, typeJob).Inputs, "spec", "template", "spec", "containers", 0)
			eq(t, "loadgen resources", get(t, c, "resources"), map[string]any{
				"requests": map[string]any{"cpu": tc.res.CPURequest, "memory": tc.res.MemoryRequest},
				"limits":   map[string]any{"cpu": tc.res.CPULimit, "memory": tc.res.MemoryLimit},
			})
			// The app's own stay resources.*.
			app := get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec", "containers", 0, "resources")
			eq(t, "app resources", app, map[string]any{
				"requests": map[string]any{"cpu": "100m", "memory": "32Mi"},
				"limits":   map[string]any{"cpu": "500m", "memory": "64Mi"},
			})
		})
	}
}

// From the stack's config to the registered Job, through Load.
func TestRunLoadgenResourcesFromConfig(t *testing.T) {
	config := map[string]string{
		"cloudperf:loadgen.parallelism":             "2",
		"cloudperf:loadgen.image.build":             "false",
		"cloudperf:loadgen.image.ref":               testClientRef,
		"cloudperf:loadgen.resources.cpuRequest":    "750m",
		"cloudperf:loadgen.resources.memoryLimit":   "384Mi",
		"cloudperf:loadgen.resources.memoryRequest": "96Mi",
	}
	for k, v := range givenImage {
		config[k] = v
	}
	m, _, err := run(t, config)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "resources", get(t, m.only(t, typeJob).Inputs, "spec", "template", "spec", "containers", 0, "resources"), map[string]any{
		"requests": map[string]any{"cpu": "750m", "memory": "96Mi"},
		"limits":   map[string]any{"cpu": "1", "memory": "384Mi"}, // cpuLimit unset: the default
	})

	// A request above its limit fails before anything is registered.
	config["cloudperf:loadgen.resources.cpuRequest"] = "2"
	m, _, err = run(t, config)
	if err == nil || !strings.Contains(err.Error(), "cloudperf:loadgen.resources.cpuRequest (2) must not exceed cloudperf:loadgen.resources.cpuLimit (1)") {
		t.Fatalf("error %v", err)
	}
	if typs := m.programTypes(); typs != nil {
		t.Errorf("registered %v despite invalid config", typs)
	}
}

func TestLoadgenRateSplit(t *testing.T) {
	for _, tc := range []struct {
		pods  int
		rate  float64
		want  string
		delta time.Duration
	}{
		{1, 300, "300", 0},
		{3, 1000, "333.3333333333333", 0},
		{8, 100, "12.5", 0},
		{100, 1, "0.01", 0},
	} {
		cfg := loadgenConfig()
		cfg.Loadgen.Parallelism, cfg.Loadgen.Rate, cfg.Loadgen.ExtraArgs = tc.pods, tc.rate, []string{}
		m, _ := mustDeploy(t, cfg)
		job := m.only(t, typeJob)
		args := get(t, job.Inputs, "spec", "template", "spec", "containers", 0, "args").([]any)
		eq(t, "rate arg", args[3], tc.want)
		per, err := strconv.ParseFloat(args[3].(string), 64)
		if err != nil || abs(per*float64(tc.pods)-tc.rate) > 1e-9*tc.rate {
			t.Errorf("%d pods × %v/s = %v/s, want %v", tc.pods, per, per*float64(tc.pods), tc.rate)
		}
		eq(t, "completions", get(t, job.Inputs, "spec", "completions"), float64(tc.pods))
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func TestLoadgenDeadlineAndNamespace(t *testing.T) {
	cfg := loadgenConfig()
	cfg.Loadgen.Duration = 90*time.Second + 500*time.Millisecond
	cfg.Namespace, cfg.CreateNamespace = "perf", true
	cfg.Port = 8080
	cfg.Loadgen.Path = "/"
	m, _ := mustDeploy(t, cfg)
	job := m.only(t, typeJob)
	eq(t, "activeDeadlineSeconds", get(t, job.Inputs, "spec", "activeDeadlineSeconds"), 391.0)
	eq(t, "namespace", get(t, job.Inputs, "metadata", "namespace"), "perf")
	args := get(t, job.Inputs, "spec", "template", "spec", "containers", 0, "args").([]any)
	eq(t, "url", args[1], "http://"+mockClusterIP+":8080/")
	eq(t, "duration", args[5], "1m30.5s")
	if !strings.Contains(strings.Join(job.Dependencies, " "), "kubernetes:core/v1:Namespace::perf") {
		t.Errorf("the Job does not depend on the namespace it goes into: %v", job.Dependencies)
	}
}

func TestLoadgenImageBuild(t *testing.T) {
	dir := testProject(t)
	cfg := DefaultConfig()
	cfg.Loadgen.Parallelism = 2
	m, _, err := deploy(t, cfg, withRoot(dir))
	if err != nil {
		t.Fatal(err)
	}
	if n := m.count(typeImage); n != 2 {
		t.Fatalf("%d images registered, want the app's and the client's", n)
	}
	app := m.named(t, typeImage, "cloudperf-app")
	client := m.named(t, typeImage, "cloudperf-client")
	name := client.Inputs["imageName"].(string)
	if !regexp.MustCompile(`^cloudperf-client:[0-9a-f]{16}$`).MatchString(name) {
		t.Errorf("client imageName = %q", name)
	}
	if name[len("cloudperf-client:"):] == app.Inputs["imageName"].(string)[len("cloudperf-app:"):] {
		t.Error("the client and the app images have one content tag")
	}
	eq(t, "client build", client.Inputs["build"], map[string]any{
		"context":        dir,
		"dockerfile":     filepath.Join(dir, "client", "Dockerfile"),
		"platform":       "linux/amd64",
		"builderVersion": "BuilderBuildKit",
	})
	eq(t, "skipPush", client.Inputs["skipPush"], true)
	eq(t, "Job image", get(t, m.only(t, typeJob).Inputs, "spec", "template", "spec", "containers", 0, "image"), name)
	eq(t, "app image", get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec", "containers", 0, "image"), app.Inputs["imageName"])
}

func TestLoadgenImagePushed(t *testing.T) {
	dir := testProject(t)
	cfg := DefaultConfig()
	cfg.Image.Push, cfg.Image.Registry = true, "ghcr.io/me"
	cfg.Loadgen.Parallelism = 1
	cfg.Loadgen.Image.Name = "perf/client"
	m, _, err := deploy(t, cfg, withRoot(dir))
	if err != nil {
		t.Fatal(err)
	}
	client := m.named(t, typeImage, "cloudperf-client")
	if name := client.Inputs["imageName"].(string); !strings.HasPrefix(name, "ghcr.io/me/perf/client:") {
		t.Errorf("imageName = %q", name)
	}
	eq(t, "Job image", get(t, m.only(t, typeJob).Inputs, "spec", "template", "spec", "containers", 0, "image"),
		"ghcr.io/me/perf/client@sha256:"+fakeDigest)
}

func TestLoadgenImageBuiltWhileTheAppsIsGiven(t *testing.T) {
	dir := testProject(t)
	cfg := refConfig()
	cfg.Loadgen.Parallelism = 2
	m, _, err := deploy(t, cfg, withRoot(dir))
	if err != nil {
		t.Fatal(err)
	}
	if n := m.count(typeImage); n != 1 {
		t.Fatalf("%d images registered, want the client's only", n)
	}
	eq(t, "app image", get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec", "containers", 0, "image"), testRef)
}

func TestLoadgenMissingDockerfile(t *testing.T) {
	dir := testProject(t)
	if err := removeFile(filepath.Join(dir, "client", "Dockerfile")); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Loadgen.Parallelism = 2
	m, _, err := deploy(t, cfg, withRoot(dir))
	if err == nil || !strings.Contains(err.Error(), "cloudperf:loadgen.image.build") || !strings.Contains(err.Error(), "client/Dockerfile") {
		t.Fatalf("error = %v, want one naming cloudperf:loadgen.image.build and client/Dockerfile", err)
	}
	if n := m.count(typeJob); n != 0 {
		t.Error("a Job registered without its image")
	}
}

func TestLoadgenValidation(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*LoadgenConfig)
		want   string // "" valid
	}{
		{"the test config", func(*LoadgenConfig) {}, ""},
		{"off, rate 0", func(l *LoadgenConfig) { l.Parallelism, l.Rate = 0, 0 }, ""},
		{"off, ref unset", func(l *LoadgenConfig) { l.Parallelism, l.Image.Ref = 0, "" }, ""},
		{"100 pods", func(l *LoadgenConfig) { l.Parallelism = 100 }, ""},
		{"negative pods", func(l *LoadgenConfig) { l.Parallelism = -1 }, "cloudperf:loadgen.parallelism (-1) must be from 0"},
		{"too many pods", func(l *LoadgenConfig) { l.Parallelism = 101 }, "cloudperf:loadgen.parallelism (101)"},
		{"no rate", func(l *LoadgenConfig) { l.Rate = 0 }, "cloudperf:loadgen.rate (0) must be above 0 when cloudperf:loadgen.parallelism is 4"},
		{"negative rate", func(l *LoadgenConfig) { l.Rate = -5 }, "cloudperf:loadgen.rate (-5)"},
		{"rate per pod too high", func(l *LoadgenConfig) { l.Rate = 1e9 }, "per pod"},
		{"no duration", func(l *LoadgenConfig) { l.Duration = 0 }, "cloudperf:loadgen.duration (0s) must be above 0"},
		{"no duration, off", func(l *LoadgenConfig) { l.Parallelism, l.Duration = 0, 0 }, "cloudperf:loadgen.duration"},
		{"too long", func(l *LoadgenConfig) { l.Duration = 2000 * time.Hour }, "cloudperf:loadgen.duration"},
		{"path without slash", func(l *LoadgenConfig) { l.Path = "api" }, "cloudperf:loadgen.path"},
		{"path with fragment", func(l *LoadgenConfig) { l.Path = "/#x" }, "cloudperf:loadgen.path"},
		{"extra --rate", func(l *LoadgenConfig) { l.ExtraArgs = []string{"--rate", "5"} }, "cloudperf:loadgen.extraArgs sets --rate"},
		{"extra -out=", func(l *LoadgenConfig) { l.ExtraArgs = []string{"-out=run.csv"} }, "sets -out=run.csv"},
		{"extra --stages", func(l *LoadgenConfig) { l.ExtraArgs = []string{"--stages=30s:5"} }, "sets --stages"},
		{"extra value like a flag name", func(l *LoadgenConfig) { l.ExtraArgs = []string{"--header", "url: x"} }, ""},
		{"ref without build", func(l *LoadgenConfig) { l.Image.Ref = "" }, "cloudperf:loadgen.image.ref must be set when cloudperf:loadgen.image.build is false"},
		{"ref with spaces", func(l *LoadgenConfig) { l.Image.Ref = "a b" }, "cloudperf:loadgen.image.ref"},
		{"build and ref", func(l *LoadgenConfig) { l.Image.Build, l.Image.Name = true, "c" }, "cloudperf:loadgen.image.ref (\"" + testClientRef + "\") is only used"},
		{"bad name", func(l *LoadgenConfig) { l.Image = LoadgenImageConfig{Build: true, Name: "Client:1"} }, "cloudperf:loadgen.image.name"},
		{"no name", func(l *LoadgenConfig) { l.Image = LoadgenImageConfig{Build: true} }, "cloudperf:loadgen.image.name must not be empty"},
		{"cpu request above limit", func(l *LoadgenConfig) { l.Resources.CPURequest = "2" },
			"cloudperf:loadgen.resources.cpuRequest (2) must not exceed cloudperf:loadgen.resources.cpuLimit (1)"},
		{"memory limit garbage", func(l *LoadgenConfig) { l.Resources.MemoryLimit = "lots" },
			`cloudperf:loadgen.resources.memoryLimit ("lots") is not a Kubernetes quantity`},
		{"memory limit garbage, off", func(l *LoadgenConfig) { l.Parallelism, l.Resources.MemoryLimit = 0, "lots" },
			`cloudperf:loadgen.resources.memoryLimit ("lots")`},
	} {
		cfg := loadgenConfig()
		tc.mutate(&cfg.Loadgen)
		err := cfg.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}

	// A built client image with a given app image: the shared build
	// settings are checked too.
	cfg := loadgenConfig()
	cfg.Loadgen.Image = LoadgenImageConfig{Build: true, Name: "cloudperf-client"}
	cfg.Image.Platform = "amd64"
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "cloudperf:image.platform") {
		t.Errorf("bad platform for the client build: %v", err)
	}
}

func TestRunExportsTheLoadgenJob(t *testing.T) {
	config := map[string]string{
		"cloudperf:loadgen.parallelism": "3",
		"cloudperf:loadgen.rate":        "600",
		"cloudperf:loadgen.duration":    "30s",
		"cloudperf:loadgen.image.build": "false",
		"cloudperf:loadgen.image.ref":   testClientRef,
	}
	for k, v := range givenImage {
		config[k] = v
	}
	m, exports, err := run(t, config)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "loadgenJob", exports[stack.OutputLoadgenJob], "cloudperf-loadgen-0a1b2c3d")
	var names []string
	for n := range exports {
		if n != stack.OutputLoadgenJob {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	// Beside it, exactly what the client reads.
	eq(t, "other outputs", names, stack.OutputNames())
	// The client reading these outputs (client --from-stack) takes the extra one in its stride.
	data, err := json.Marshal(exports)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	if out, err := clientstack.DecodeOutputs(raw); err != nil || out.Endpoint != "http://127.0.0.1:31234" {
		t.Errorf("the client decodes %+v, %v", out, err)
	}
	args := get(t, m.only(t, typeJob).Inputs, "spec", "template", "spec", "containers", 0, "args").([]any)
	eq(t, "rate", args[3], "200")
	eq(t, "duration", args[5], "30s")

	// Bad loadgen config fails before anything is registered.
	config["cloudperf:loadgen.rate"] = "0"
	m, _, err = run(t, config)
	if err == nil || !strings.Contains(err.Error(), "cloudperf:loadgen.rate (0)") {
		t.Fatalf("error %v", err)
	}
	if typs := m.programTypes(); typs != nil {
		t.Errorf("registered %v despite invalid config", typs)
	}
}

func removeFile(p string) error { return os.Remove(p) }
