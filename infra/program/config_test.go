package program

import (
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// mapSource is a config source like ctx.GetConfig over a map of
// "cloudperf:KEY" → raw value.
func mapSource(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func TestDefaultConfigIsValid(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func TestLoadNothingSetGivesDefaults(t *testing.T) {
	got, err := load(mapSource(nil))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, DefaultConfig()) {
		t.Errorf("load() = %+v, want DefaultConfig() %+v", got, DefaultConfig())
	}
}

func TestLoadEveryKey(t *testing.T) {
	raw := map[string]string{
		"cloudperf:image.build":                       "true",
		"cloudperf:image.name":                        "perf/app",
		"cloudperf:image.push":                        "true",
		"cloudperf:image.registry":                    "ghcr.io/me",
		"cloudperf:image.registryUsername":            "me",
		"cloudperf:image.registryPassword":            "s3cret",
		"cloudperf:image.ref":                         "",
		"cloudperf:image.context":                     "/src",
		"cloudperf:image.dockerfile":                  "/src/app/Dockerfile",
		"cloudperf:image.platform":                    "linux/arm64",
		"cloudperf:namespace":                         "perf",
		"cloudperf:createNamespace":                   "true",
		"cloudperf:namespaceLabels":                   `{"pod-security.kubernetes.io/enforce":"restricted"}`,
		"cloudperf:replicas":                          "4",
		"cloudperf:hpa.minReplicas":                   "2",
		"cloudperf:hpa.maxReplicas":                   "20",
		"cloudperf:hpa.cpuUtilization":                "70",
		"cloudperf:hpa.scaleDownStabilizationSeconds": "120",
		"cloudperf:resources.cpuRequest":              "250m",
		"cloudperf:resources.cpuLimit":                "1",
		"cloudperf:resources.memoryRequest":           "64Mi",
		"cloudperf:resources.memoryLimit":             "128Mi",
		"cloudperf:port":                              "8080",
		"cloudperf:nodeAddress":                       "192.168.49.2",
		"cloudperf:nodePort":                          "30080",
		"cloudperf:workCPU":                           "2ms",
		"cloudperf:workDelay":                         "10ms",
		"cloudperf:drainDelay":                        "5s",
		"cloudperf:gracePeriod":                       "30s",
		"cloudperf:loadgen.parallelism":               "4",
		"cloudperf:loadgen.rate":                      "2500.5",
		"cloudperf:loadgen.duration":                  "2m30s",
		"cloudperf:loadgen.path":                      "/?cpu=2ms",
		"cloudperf:loadgen.extraArgs":                 `["--timeout", "2s"]`,
		"cloudperf:loadgen.image.build":               "true",
		"cloudperf:loadgen.image.name":                "perf/client",
		"cloudperf:loadgen.image.ref":                 "",
		"cloudperf:loadgen.resources.cpuRequest":      "500m",
		"cloudperf:loadgen.resources.cpuLimit":        "2",
		"cloudperf:loadgen.resources.memoryRequest":   "128Mi",
		"cloudperf:loadgen.resources.memoryLimit":     "512Mi",
	}
	got, err := load(mapSource(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		Image: ImageConfig{
			Build: true, Name: "perf/app", Push: true, Registry: "ghcr.io/me",
			RegistryUsername: "me", RegistryPassword: "s3cret",
			Context: "/src", Dockerfile: "/src/app/Dockerfile", Platform: "linux/arm64",
		},
		Namespace:       "perf",
		CreateNamespace: true,
		NamespaceLabels: map[string]string{"pod-security.kubernetes.io/enforce": "restricted"},
		Replicas:        4,
		HPA:             HPAConfig{MinReplicas: 2, MaxReplicas: 20, CPUUtilization: 70, ScaleDownStabilizationSeconds: 120},
		Resources:       ResourcesConfig{CPURequest: "250m", CPULimit: "1", MemoryRequest: "64Mi", MemoryLimit: "128Mi"},
		Port:            8080,
		NodeAddress:     "192.168.49.2",
		NodePort:        30080,
		WorkCPU:         2 * time.Millisecond,
		WorkDelay:       10 * time.Millisecond,
		DrainDelay:      5 * time.Second,
		GracePeriod:     30 * time.Second,
		Loadgen: LoadgenConfig{
			Parallelism: 4, Rate: 2500.5, Duration: 150 * time.Second, Path: "/?cpu=2ms",
			ExtraArgs: []string{"--timeout", "2s"},
			Image:     LoadgenImageConfig{Build: true, Name: "perf/client"},
			Resources: ResourcesConfig{CPURequest: "500m", CPULimit: "2", MemoryRequest: "128Mi", MemoryLimit: "512Mi"},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("load =\n%+v\nwant\n%+v", got, want)
	}
}

func TestLoadMalformedValuesNameTheKey(t *testing.T) {
	for key, v := range map[string]string{
		"cloudperf:image.build":        "yes please",
		"cloudperf:replicas":           "three",
		"cloudperf:hpa.maxReplicas":    "1.5",
		"cloudperf:nodePort":           "30080x",
		"cloudperf:drainDelay":         "2",
		"cloudperf:gracePeriod":        "ten seconds",
		"cloudperf:workCPU":            "5 ms",
		"cloudperf:namespaceLabels":    `["not", "an", "object"]`,
		"cloudperf:createNamespace":    "maybe",
		"cloudperf:hpa.minReplicas":    "",
		"cloudperf:hpa.cpuUtilization": "50%",
		"cloudperf:loadgen.rate":       "fast",
		"cloudperf:loadgen.extraArgs":  "--timeout 2s",
		"cloudperf:loadgen.duration":   "1 minute",
	} {
		_, err := load(mapSource(map[string]string{key: v}))
		if v == "" {
			// An empty value for a non-string key means "unset".
			if err != nil {
				t.Errorf("%s=%q: %v", key, v, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s=%q accepted", key, v)
			continue
		}
		if !strings.Contains(err.Error(), key) || !strings.Contains(err.Error(), strconv.Quote(v)) {
			t.Errorf("%s=%q: error %q does not name the key and value", key, v, err)
		}
	}
}

func TestLoadNamespaceLabels(t *testing.T) {
	// `pulumi config set --path` stores "true" and "1" as JSON true and 1.
	got, err := load(mapSource(map[string]string{
		"cloudperf:namespace":       "perf",
		"cloudperf:createNamespace": "true",
		"cloudperf:namespaceLabels": `{"pod-security.kubernetes.io/enforce":"restricted","team":"perf","canary":true,"tier":1}`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"pod-security.kubernetes.io/enforce": "restricted", "team": "perf", "canary": "true", "tier": "1"}
	if !reflect.DeepEqual(got.NamespaceLabels, want) {
		t.Errorf("labels = %v, want %v", got.NamespaceLabels, want)
	}
	_, err = load(mapSource(map[string]string{"cloudperf:namespaceLabels": `{"a":{"nested":"x"}}`}))
	if err == nil || !strings.Contains(err.Error(), `cloudperf:namespaceLabels`) || !strings.Contains(err.Error(), `label "a"`) {
		t.Errorf("nested label value: error %v", err)
	}
}

func TestLoadLoadgenResources(t *testing.T) {
	// Each key sets its own field; the others keep their defaults.
	for _, tc := range []struct {
		key, v string
		field  func(*Config) *string
	}{
		{KeyLoadgenCPURequest, "100m", func(c *Config) *string { return &c.Loadgen.Resources.CPURequest }},
		{KeyLoadgenCPULimit, "1500m", func(c *Config) *string { return &c.Loadgen.Resources.CPULimit }},
		{KeyLoadgenMemoryRequest, "100Mi", func(c *Config) *string { return &c.Loadgen.Resources.MemoryRequest }},
		{KeyLoadgenMemoryLimit, "1Gi", func(c *Config) *string { return &c.Loadgen.Resources.MemoryLimit }},
	} {
		got, err := load(mapSource(map[string]string{qualified(tc.key): tc.v}))
		if err != nil {
			t.Errorf("%s=%q: %v", tc.key, tc.v, err)
			continue
		}
		want := DefaultConfig()
		*tc.field(&want) = tc.v
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s=%q: load =\n%+v\nwant\n%+v", tc.key, tc.v, got.Loadgen.Resources, want.Loadgen.Resources)
		}
	}

	// A bad value fails the load, naming its key and not the app's.
	for _, tc := range []struct{ key, v, want string }{
		{KeyLoadgenCPURequest, "2", "cloudperf:loadgen.resources.cpuRequest (2) must not exceed cloudperf:loadgen.resources.cpuLimit (1)"},
		{KeyLoadgenCPULimit, "1 core", `cloudperf:loadgen.resources.cpuLimit ("1 core") is not a Kubernetes quantity`},
		{KeyLoadgenMemoryRequest, "0", `cloudperf:loadgen.resources.memoryRequest ("0") must be positive`},
		{KeyLoadgenMemoryLimit, "", `cloudperf:loadgen.resources.memoryLimit ("") is not a Kubernetes quantity`},
	} {
		_, err := load(mapSource(map[string]string{qualified(tc.key): tc.v}))
		switch {
		case err == nil || !strings.Contains(err.Error(), tc.want):
			t.Errorf("%s=%q: error %v, want %q", tc.key, tc.v, err, tc.want)
		case strings.Contains(err.Error(), "cloudperf:resources."):
			t.Errorf("%s=%q: error %q names the app's resources", tc.key, tc.v, err)
		}
	}
}

func TestLoadReportsEveryBadKey(t *testing.T) {
	_, err := load(mapSource(map[string]string{
		"cloudperf:replicas": "x",
		"cloudperf:port":     "y",
	}))
	if err == nil || !strings.Contains(err.Error(), "cloudperf:replicas") || !strings.Contains(err.Error(), "cloudperf:port") {
		t.Fatalf("error = %v, want both keys", err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		want   string // the message, or a part naming the key
	}{
		{"min above max", func(c *Config) { c.HPA.MinReplicas, c.HPA.MaxReplicas = 5, 3 },
			"cloudperf:hpa.minReplicas (5) must not exceed cloudperf:hpa.maxReplicas (3)"},
		{"min zero", func(c *Config) { c.HPA.MinReplicas = 0 }, "cloudperf:hpa.minReplicas (0) must be at least 1"},
		{"max zero", func(c *Config) { c.HPA.MaxReplicas = 0 }, "cloudperf:hpa.maxReplicas (0) must be at least 1"},
		{"replicas zero", func(c *Config) { c.Replicas = 0 }, "cloudperf:replicas (0) must be at least 1"},
		{"replicas above max", func(c *Config) { c.Replicas = 11 }, "cloudperf:replicas (11) must be within"},
		{"replicas below min", func(c *Config) { c.Replicas = 2 }, "cloudperf:replicas (2) must be within"},
		{"utilisation zero", func(c *Config) { c.HPA.CPUUtilization = 0 }, "cloudperf:hpa.cpuUtilization (0) must be a percentage from 1 to 100"},
		{"utilisation 101", func(c *Config) { c.HPA.CPUUtilization = 101 }, "cloudperf:hpa.cpuUtilization (101)"},
		{"stabilisation negative", func(c *Config) { c.HPA.ScaleDownStabilizationSeconds = -1 }, "cloudperf:hpa.scaleDownStabilizationSeconds (-1)"},
		{"stabilisation above an hour", func(c *Config) { c.HPA.ScaleDownStabilizationSeconds = 3601 }, "cloudperf:hpa.scaleDownStabilizationSeconds (3601)"},
		{"cpu request zero", func(c *Config) { c.Resources.CPURequest = "0" }, `cloudperf:resources.cpuRequest ("0") must be positive`},
		{"cpu request negative", func(c *Config) { c.Resources.CPURequest = "-100m" }, `cloudperf:resources.cpuRequest ("-100m") must be positive`},
		{"cpu request garbage", func(c *Config) { c.Resources.CPURequest = "lots" }, `cloudperf:resources.cpuRequest ("lots") is not a Kubernetes quantity`},
		{"cpu limit garbage", func(c *Config) { c.Resources.CPULimit = "1 core" }, `cloudperf:resources.cpuLimit ("1 core")`},
		{"cpu request above limit", func(c *Config) { c.Resources.CPURequest = "600m" },
			"cloudperf:resources.cpuRequest (600m) must not exceed cloudperf:resources.cpuLimit (500m)"},
		{"memory request above limit", func(c *Config) { c.Resources.MemoryRequest = "1Gi" },
			"cloudperf:resources.memoryRequest (1Gi) must not exceed cloudperf:resources.memoryLimit (64Mi)"},
		{"memory limit zero", func(c *Config) { c.Resources.MemoryLimit = "0Mi" }, `cloudperf:resources.memoryLimit ("0Mi") must be positive`},
		// The load generator's, checked the same way, whether or not it runs.
		{"loadgen cpu request zero", func(c *Config) { c.Loadgen.Resources.CPURequest = "0" },
			`cloudperf:loadgen.resources.cpuRequest ("0") must be positive`},
		{"loadgen cpu request negative", func(c *Config) { c.Loadgen.Resources.CPURequest = "-250m" },
			`cloudperf:loadgen.resources.cpuRequest ("-250m") must be positive`},
		{"loadgen cpu request garbage", func(c *Config) { c.Loadgen.Resources.CPURequest = "lots" },
			`cloudperf:loadgen.resources.cpuRequest ("lots") is not a Kubernetes quantity`},
		{"loadgen cpu limit garbage", func(c *Config) { c.Loadgen.Resources.CPULimit = "1 core" },
			`cloudperf:loadgen.resources.cpuLimit ("1 core") is not a Kubernetes quantity`},
		{"loadgen cpu limit zero", func(c *Config) { c.Loadgen.Resources.CPULimit = "0m" },
			`cloudperf:loadgen.resources.cpuLimit ("0m") must be positive`},
		{"loadgen cpu request above limit", func(c *Config) { c.Loadgen.Resources.CPURequest = "1500m" },
			"cloudperf:loadgen.resources.cpuRequest (1500m) must not exceed cloudperf:loadgen.resources.cpuLimit (1)"},
		{"loadgen memory request garbage", func(c *Config) { c.Loadgen.Resources.MemoryRequest = "64 MB" },
			`cloudperf:loadgen.resources.memoryRequest ("64 MB") is not a Kubernetes quantity`},
		{"loadgen memory request negative", func(c *Config) { c.Loadgen.Resources.MemoryRequest = "-1Mi" },
			`cloudperf:loadgen.resources.memoryRequest ("-1Mi") must be positive`},
		{"loadgen memory limit empty", func(c *Config) { c.Loadgen.Resources.MemoryLimit = "" },
			`cloudperf:loadgen.resources.memoryLimit ("") is not a Kubernetes quantity`},
		{"loadgen memory limit zero", func(c *Config) { c.Loadgen.Resources.MemoryLimit = "0" },
			`cloudperf:loadgen.resources.memoryLimit ("0") must be positive`},
		{"loadgen memory request above limit", func(c *Config) { c.Loadgen.Resources.MemoryRequest = "1Gi" },
			"cloudperf:loadgen.resources.memoryRequest (1Gi) must not exceed cloudperf:loadgen.resources.memoryLimit (256Mi)"},
		{"loadgen memory request above limit, running", func(c *Config) {
			c.Loadgen.Parallelism = 2
			c.Loadgen.Resources.MemoryRequest, c.Loadgen.Resources.MemoryLimit = "512Mi", "128Mi"
		}, "cloudperf:loadgen.resources.memoryRequest (512Mi) must not exceed cloudperf:loadgen.resources.memoryLimit (128Mi)"},
		{"node port low", func(c *Config) { c.NodePort = 8080 }, "cloudperf:nodePort (8080) must be 0 (allocated by Kubernetes) or from 30000 to 32767"},
		{"node port high", func(c *Config) { c.NodePort = 32768 }, "cloudperf:nodePort (32768)"},
		{"node port negative", func(c *Config) { c.NodePort = -1 }, "cloudperf:nodePort (-1)"},
		{"port zero", func(c *Config) { c.Port = 0 }, "cloudperf:port (0) must be a port from 1 to 65535"},
		{"port high", func(c *Config) { c.Port = 70000 }, "cloudperf:port (70000)"},
		{"node address empty", func(c *Config) { c.NodeAddress = "" }, `cloudperf:nodeAddress ("") must be set`},
		{"node address URL", func(c *Config) { c.NodeAddress = "http://192.168.49.2" }, `cloudperf:nodeAddress ("http://192.168.49.2") must be an address without scheme`},
		{"node address with port", func(c *Config) { c.NodeAddress = "192.168.49.2:30080" }, `cloudperf:nodeAddress ("192.168.49.2:30080") is neither`},
		{"build false without ref", func(c *Config) { c.Image.Build = false },
			"cloudperf:image.ref must be set when cloudperf:image.build is false"},
		{"ref while building", func(c *Config) { c.Image.Ref = "x:1" }, `cloudperf:image.ref ("x:1") is only used when cloudperf:image.build is false`},
		{"push without build", func(c *Config) {
			c.Image.Build, c.Image.Ref, c.Image.Push, c.Image.Registry = false, "x:1", true, "ghcr.io/me"
		},
			"cloudperf:image.push needs cloudperf:image.build to be true"},
		{"push without registry", func(c *Config) { c.Image.Push = true }, "cloudperf:image.registry must be set when cloudperf:image.push is true"},
		{"bad registry", func(c *Config) { c.Image.Push, c.Image.Registry = true, "https://ghcr.io" }, `cloudperf:image.registry ("https://ghcr.io")`},
		{"password without user", func(c *Config) { c.Image.RegistryPassword = "x" }, "cloudperf:image.registryPassword is set but cloudperf:image.registryUsername is not"},
		{"image name with tag", func(c *Config) { c.Image.Name = "app:v1" }, `cloudperf:image.name ("app:v1") must be a repository name without tag`},
		{"image name empty", func(c *Config) { c.Image.Name = "" }, "cloudperf:image.name must not be empty"},
		{"image name upper case", func(c *Config) { c.Image.Name = "App" }, `cloudperf:image.name ("App")`},
		{"context empty", func(c *Config) { c.Image.Context = "" }, "cloudperf:image.context must not be empty"},
		{"dockerfile empty", func(c *Config) { c.Image.Dockerfile = "" }, "cloudperf:image.dockerfile must not be empty"},
		{"platform", func(c *Config) { c.Image.Platform = "amd64" }, `cloudperf:image.platform ("amd64") must be an OS/architecture like linux/amd64`},
		{"namespace", func(c *Config) { c.Namespace = "Perf_Test" }, `cloudperf:namespace ("Perf_Test") is not a namespace name`},
		{"namespace empty", func(c *Config) { c.Namespace = "" }, `cloudperf:namespace ("")`},
		{"create default namespace", func(c *Config) { c.CreateNamespace = true }, `cloudperf:namespace ("default") already exists in every cluster`},
		{"labels without create", func(c *Config) { c.NamespaceLabels = map[string]string{"a": "b"} },
			"cloudperf:namespaceLabels is set but cloudperf:createNamespace is false"},
		{"bad label key", func(c *Config) {
			c.Namespace, c.CreateNamespace, c.NamespaceLabels = "perf", true, map[string]string{"bad key!": "x"}
		}, `cloudperf:namespaceLabels: label key "bad key!"`},
		{"bad label value", func(c *Config) {
			c.Namespace, c.CreateNamespace, c.NamespaceLabels = "perf", true, map[string]string{"a": "no spaces allowed"}
		}, `cloudperf:namespaceLabels: label "a" value "no spaces allowed"`},
		{"work cpu above app limit", func(c *Config) { c.WorkCPU = 2 * time.Second }, "cloudperf:workCPU (2s) must be from 0 to 1s"},
		{"work cpu negative", func(c *Config) { c.WorkCPU = -time.Millisecond }, "cloudperf:workCPU (-1ms)"},
		{"work delay above app limit", func(c *Config) { c.WorkDelay = 11 * time.Second }, "cloudperf:workDelay (11s) must be from 0 to 10s"},
		{"drain negative", func(c *Config) { c.DrainDelay = -time.Second }, "cloudperf:drainDelay (-1s) must not be negative"},
		{"grace negative", func(c *Config) { c.GracePeriod = -time.Second }, "cloudperf:gracePeriod (-1s) must not be negative"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.mutate(&cfg)
			err := cfg.Validate()
			if err == nil {
				t.Fatalf("accepted; want %q", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
	}{
		{"given image", func(c *Config) { c.Image.Build, c.Image.Ref = false, "ghcr.io/me/app@sha256:abc" }},
		{"push", func(c *Config) { c.Image.Push, c.Image.Registry = true, "localhost:5000/perf" }},
		{"registry credentials", func(c *Config) {
			c.Image.Push, c.Image.Registry, c.Image.RegistryUsername, c.Image.RegistryPassword = true, "ghcr.io/me", "me", "tok"
		}},
		{"nested image name", func(c *Config) { c.Image.Name = "team/cloudperf-app" }},
		{"host name node address", func(c *Config) { c.NodeAddress = "node-1.example.com" }},
		{"ipv6 node address", func(c *Config) { c.NodeAddress = "fd00::1" }},
		{"node port bounds", func(c *Config) { c.NodePort = 30000 }},
		{"created namespace", func(c *Config) {
			c.Namespace, c.CreateNamespace = "cloudperf-e2e", true
			c.NamespaceLabels = map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}
		}},
		{"request equals limit", func(c *Config) { c.Resources.CPURequest, c.Resources.CPULimit = "0.5", "500m" }},
		{"loadgen request equals limit", func(c *Config) {
			c.Loadgen.Parallelism = 2
			c.Loadgen.Resources = ResourcesConfig{CPURequest: "2", CPULimit: "2000m", MemoryRequest: "1Gi", MemoryLimit: "1024Mi"}
		}},
		// The two containers' resources are independent: the load
		// generator's request may exceed the app's limit.
		{"loadgen above the app's limits", func(c *Config) {
			c.Loadgen.Resources = ResourcesConfig{CPURequest: "4", CPULimit: "4", MemoryRequest: "2Gi", MemoryLimit: "4Gi"}
		}},
		{"one replica", func(c *Config) { c.Replicas, c.HPA.MinReplicas, c.HPA.MaxReplicas = 1, 1, 1 }},
		{"no drain", func(c *Config) { c.DrainDelay, c.GracePeriod = 0, 0 }},
		{"max work", func(c *Config) { c.WorkCPU, c.WorkDelay = time.Second, 10*time.Second }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.mutate(&cfg)
			if err := cfg.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

// The app's and the load generator's resources are checked alike, each
// error naming its own keys only.
func TestValidateResourcesNameTheirOwnKeys(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Resources.MemoryRequest = "1Gi"
	err := cfg.Validate()
	if err == nil || strings.Contains(err.Error(), "loadgen") {
		t.Errorf("app memory request above limit: error %v, want one not naming loadgen keys", err)
	}

	cfg = DefaultConfig()
	cfg.Loadgen.Resources.MemoryRequest = "1Gi"
	err = cfg.Validate()
	if err == nil || strings.Contains(err.Error(), "cloudperf:resources.") {
		t.Errorf("loadgen memory request above limit: error %v, want one not naming the app's keys", err)
	}

	// Both bad at once: both reported.
	cfg.Resources.CPURequest = "x"
	err = cfg.Validate()
	for _, want := range []string{"cloudperf:loadgen.resources.memoryRequest (1Gi)", `cloudperf:resources.cpuRequest ("x")`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not contain %q", err, want)
		}
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Port = 0
	cfg.NodePort = 1
	cfg.HPA.CPUUtilization = 0
	err := cfg.Validate()
	for _, key := range []string{"cloudperf:port", "cloudperf:nodePort", "cloudperf:hpa.cpuUtilization"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
}
