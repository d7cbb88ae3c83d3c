package program

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"
)

const testRef = "registry.example/cloudperf-app@sha256:0123"

// refConfig deploys a given image, as every real-engine run here does.
func refConfig() Config {
	cfg := DefaultConfig()
	cfg.Image.Build = false
	cfg.Image.Ref = testRef
	return cfg
}

func mustDeploy(t *testing.T, cfg Config) (*mocks, resolved) {
	t.Helper()
	m, out, err := deploy(t, cfg)
	if err != nil {
		t.Fatalf("Deploy: %v", err)
	}
	return m, out
}

func wantLabels(stack string) map[string]any {
	return map[string]any{
		"app.kubernetes.io/name":       "cloudperf",
		"app.kubernetes.io/instance":   stack,
		"app.kubernetes.io/component":  "app",
		"app.kubernetes.io/managed-by": "pulumi",
	}
}

func wantSelector(stack string) map[string]any {
	return map[string]any{
		"app.kubernetes.io/name":      "cloudperf",
		"app.kubernetes.io/instance":  stack,
		"app.kubernetes.io/component": "app",
	}
}

func eq(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

func TestDeploymentMetadataAndReplicas(t *testing.T) {
	m, _ := mustDeploy(t, refConfig())
	d := m.only(t, typeDeployment)
	eq(t, "metadata.labels", get(t, d.Inputs, "metadata", "labels"), wantLabels("dev"))
	eq(t, "metadata.namespace", get(t, d.Inputs, "metadata", "namespace"), "default")
	eq(t, "spec.replicas", get(t, d.Inputs, "spec", "replicas"), 3.0)
	// The HPA owns spec.replicas after creation (see workload.go).
	eq(t, "ignoreChanges", d.IgnoreChanges, []string{"spec.replicas"})
	eq(t, "strategy", get(t, d.Inputs, "spec", "strategy"), map[string]any{
		"type":          "RollingUpdate",
		"rollingUpdate": map[string]any{"maxSurge": "25%", "maxUnavailable": 0.0},
	})
}

func TestDeploymentSelectorMatchesTemplate(t *testing.T) {
	m, _ := mustDeploy(t, refConfig())
	d := m.only(t, typeDeployment)
	sel := get(t, d.Inputs, "spec", "selector", "matchLabels").(map[string]any)
	tmpl := get(t, d.Inputs, "spec", "template", "metadata", "labels").(map[string]any)
	eq(t, "selector", sel, wantSelector("dev"))
	eq(t, "template labels", tmpl, wantLabels("dev"))
	for k, v := range sel {
		if tmpl[k] != v {
			t.Errorf("selector %s=%v not in the pod template's labels %v", k, v, tmpl)
		}
	}
}

func TestDeploymentContainer(t *testing.T) {
	m, _ := mustDeploy(t, refConfig())
	d := m.only(t, typeDeployment)
	pod := get(t, d.Inputs, "spec", "template", "spec")
	containers := get(t, pod, "containers").([]any)
	if len(containers) != 1 {
		t.Fatalf("%d containers, want 1", len(containers))
	}
	c := containers[0]
	eq(t, "name", get(t, c, "name"), "app")
	eq(t, "image", get(t, c, "image"), testRef)
	eq(t, "imagePullPolicy", get(t, c, "imagePullPolicy"), "IfNotPresent")
	eq(t, "ports", get(t, c, "ports"), []any{map[string]any{"name": "http", "containerPort": 5000.0, "protocol": "TCP"}})
	eq(t, "resources", get(t, c, "resources"), map[string]any{
		"requests": map[string]any{"cpu": "100m", "memory": "32Mi"},
		"limits":   map[string]any{"cpu": "500m", "memory": "64Mi"},
	})
	eq(t, "env", get(t, c, "env"), []any{
		map[string]any{"name": "PORT", "value": "5000"},
		map[string]any{"name": "DRAIN_DELAY", "value": "2s"},
		map[string]any{"name": "GRACE_PERIOD", "value": "10s"},
	})
}

func TestDeploymentProbes(t *testing.T) {
	m, _ := mustDeploy(t, refConfig())
	c := get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec", "containers", 0)
	eq(t, "readinessProbe", get(t, c, "readinessProbe"), map[string]any{
		"httpGet":          map[string]any{"path": "/readyz", "port": "http"},
		"periodSeconds":    2.0,
		"failureThreshold": 2.0,
		"timeoutSeconds":   1.0,
	})
	eq(t, "livenessProbe", get(t, c, "livenessProbe"), map[string]any{
		"httpGet":          map[string]any{"path": "/healthz", "port": "http"},
		"periodSeconds":    10.0,
		"failureThreshold": 3.0,
		"timeoutSeconds":   1.0,
	})
}

func TestDeploymentSecurityContext(t *testing.T) {
	m, _ := mustDeploy(t, refConfig())
	pod := get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec")
	eq(t, "pod securityContext", get(t, pod, "securityContext"), map[string]any{
		"runAsNonRoot":   true,
		"runAsUser":      65532.0,
		"runAsGroup":     65532.0,
		"seccompProfile": map[string]any{"type": "RuntimeDefault"},
	})
	eq(t, "container securityContext", get(t, pod, "containers", 0, "securityContext"), map[string]any{
		"allowPrivilegeEscalation": false,
		"readOnlyRootFilesystem":   true,
		"runAsNonRoot":             true,
		"capabilities":             map[string]any{"drop": []any{"ALL"}},
	})
	eq(t, "automountServiceAccountToken", get(t, pod, "automountServiceAccountToken"), false)
}

func TestTerminationGracePeriodCoversDrain(t *testing.T) {
	for _, tc := range []struct {
		drain, grace time.Duration
		want         float64
	}{
		{2 * time.Second, 10 * time.Second, 17}, // the defaults
		{2500 * time.Millisecond, 10 * time.Second, 18},
		{0, 0, 5},
		{30 * time.Second, time.Minute, 95},
	} {
		cfg := refConfig()
		cfg.DrainDelay, cfg.GracePeriod = tc.drain, tc.grace
		m, _ := mustDeploy(t, cfg)
		pod := get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec")
		got := get(t, pod, "terminationGracePeriodSeconds").(float64)
		if got != tc.want {
			t.Errorf("drain %v + grace %v: terminationGracePeriodSeconds = %v, want %v", tc.drain, tc.grace, got, tc.want)
		}
		if min := (tc.drain + tc.grace + 5*time.Second).Seconds(); got < min {
			t.Errorf("terminationGracePeriodSeconds %v < drainDelay + gracePeriod + 5s = %v", got, min)
		}
		env := get(t, pod, "containers", 0, "env").([]any)
		eq(t, "DRAIN_DELAY", get(t, env[1], "value"), tc.drain.String())
		eq(t, "GRACE_PERIOD", get(t, env[2], "value"), tc.grace.String())
	}
}

func TestWorkEnv(t *testing.T) {
	cfg := refConfig()
	cfg.WorkCPU = 5 * time.Millisecond
	cfg.WorkDelay = 20 * time.Millisecond
	cfg.Port = 8080
	m, _ := mustDeploy(t, cfg)
	c := get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec", "containers", 0)
	eq(t, "env", get(t, c, "env"), []any{
		map[string]any{"name": "PORT", "value": "8080"},
		map[string]any{"name": "DRAIN_DELAY", "value": "2s"},
		map[string]any{"name": "GRACE_PERIOD", "value": "10s"},
		map[string]any{"name": "WORK_CPU", "value": "5ms"},
		map[string]any{"name": "WORK_DELAY", "value": "20ms"},
	})
	eq(t, "containerPort", get(t, c, "ports", 0, "containerPort"), 8080.0)
}

func TestService(t *testing.T) {
	m, out := mustDeploy(t, refConfig())
	s := m.only(t, typeService)
	eq(t, "metadata.labels", get(t, s.Inputs, "metadata", "labels"), wantLabels("dev"))
	eq(t, "type", get(t, s.Inputs, "spec", "type"), "NodePort")
	eq(t, "selector", get(t, s.Inputs, "spec", "selector"), wantSelector("dev"))
	eq(t, "ports", get(t, s.Inputs, "spec", "ports"), []any{map[string]any{
		"name": "http", "protocol": "TCP", "port": 5000.0, "targetPort": "http",
	}})
	eq(t, "endpoint", out.Endpoint, "http://127.0.0.1:31234")
	eq(t, "nodePort", out.NodePort, mockNodePort)
}

func TestServiceFixedNodePort(t *testing.T) {
	cfg := refConfig()
	cfg.NodePort = 30080
	cfg.NodeAddress = "192.168.49.2"
	m, out := mustDeploy(t, cfg)
	eq(t, "nodePort input", get(t, m.only(t, typeService).Inputs, "spec", "ports", 0, "nodePort"), 30080.0)
	eq(t, "endpoint", out.Endpoint, "http://192.168.49.2:30080")
	eq(t, "nodePort", out.NodePort, 30080)
}

func TestHPA(t *testing.T) {
	m, out := mustDeploy(t, refConfig())
	h := m.only(t, typeHPA)
	spec := get(t, h.Inputs, "spec")
	eq(t, "scaleTargetRef", get(t, spec, "scaleTargetRef"), map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment", "name": out.DeploymentName,
	})
	if out.DeploymentName == "" {
		t.Error("the HPA targets a Deployment with no name")
	}
	eq(t, "minReplicas", get(t, spec, "minReplicas"), 3.0)
	eq(t, "maxReplicas", get(t, spec, "maxReplicas"), 10.0)
	eq(t, "metrics", get(t, spec, "metrics"), []any{map[string]any{
		"type": "Resource",
		"resource": map[string]any{
			"name":   "cpu",
			"target": map[string]any{"type": "Utilization", "averageUtilization": 50.0},
		},
	}})
	eq(t, "behavior.scaleDown", get(t, spec, "behavior", "scaleDown"), map[string]any{
		"stabilizationWindowSeconds": 60.0,
		"selectPolicy":               "Max",
		"policies":                   []any{map[string]any{"type": "Percent", "value": 50.0, "periodSeconds": 30.0}},
	})
	eq(t, "behavior.scaleUp", get(t, spec, "behavior", "scaleUp"), map[string]any{
		"stabilizationWindowSeconds": 0.0,
		"selectPolicy":               "Max",
		"policies": []any{
			map[string]any{"type": "Percent", "value": 100.0, "periodSeconds": 15.0},
			map[string]any{"type": "Pods", "value": 4.0, "periodSeconds": 15.0},
		},
	})
}

func TestHPAFollowsConfig(t *testing.T) {
	cfg := refConfig()
	cfg.Replicas = 2
	cfg.HPA = HPAConfig{MinReplicas: 2, MaxReplicas: 4, CPUUtilization: 80, ScaleDownStabilizationSeconds: 0}
	m, _ := mustDeploy(t, cfg)
	spec := get(t, m.only(t, typeHPA).Inputs, "spec")
	eq(t, "minReplicas", get(t, spec, "minReplicas"), 2.0)
	eq(t, "maxReplicas", get(t, spec, "maxReplicas"), 4.0)
	eq(t, "averageUtilization", get(t, spec, "metrics", 0, "resource", "target", "averageUtilization"), 80.0)
	eq(t, "scaleDown window", get(t, spec, "behavior", "scaleDown", "stabilizationWindowSeconds"), 0.0)
	eq(t, "deployment replicas", get(t, m.only(t, typeDeployment).Inputs, "spec", "replicas"), 2.0)
}

func TestPodDisruptionBudget(t *testing.T) {
	m, _ := mustDeploy(t, refConfig())
	p := m.only(t, typePDB)
	eq(t, "spec", get(t, p.Inputs, "spec"), map[string]any{
		"maxUnavailable":             1.0,
		"selector":                   map[string]any{"matchLabels": wantSelector("dev")},
		"unhealthyPodEvictionPolicy": "AlwaysAllow",
	})
	eq(t, "namespace", get(t, p.Inputs, "metadata", "namespace"), "default")
}

func TestOutputs(t *testing.T) {
	_, out := mustDeploy(t, refConfig())
	eq(t, "outputs", out, resolved{
		Endpoint:       "http://127.0.0.1:31234",
		NodePort:       mockNodePort,
		Namespace:      "default",
		DeploymentName: "cloudperf-0a1b2c3d",
		ServiceName:    "cloudperf-0a1b2c3d",
		HPAName:        "cloudperf-0a1b2c3d",
		Image:          testRef,
	})
}

func TestEndpointIPv6NodeAddress(t *testing.T) {
	cfg := refConfig()
	cfg.NodeAddress = "fd00::1"
	_, out := mustDeploy(t, cfg)
	eq(t, "endpoint", out.Endpoint, "http://[fd00::1]:31234")
}

func TestResourceSet(t *testing.T) {
	m, _ := mustDeploy(t, refConfig())
	want := []string{typeDeployment, typeHPA, typePDB, typeService}
	sort.Strings(want)
	eq(t, "resource types", m.programTypes(), want)
}

func TestCreateNamespace(t *testing.T) {
	cfg := refConfig()
	cfg.Namespace = "cloudperf-e2e"
	cfg.CreateNamespace = true
	cfg.NamespaceLabels = map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}
	m, out := mustDeploy(t, cfg)
	ns := m.only(t, typeNamespace)
	eq(t, "namespace metadata", get(t, ns.Inputs, "metadata"), map[string]any{
		"name":   "cloudperf-e2e",
		"labels": map[string]any{"pod-security.kubernetes.io/enforce": "restricted"},
	})
	for _, typ := range []string{typeDeployment, typeService, typeHPA, typePDB} {
		eq(t, typ+" namespace", get(t, m.only(t, typ).Inputs, "metadata", "namespace"), "cloudperf-e2e")
	}
	eq(t, "namespace output", out.Namespace, "cloudperf-e2e")
}

func TestExistingNamespaceIsNotCreated(t *testing.T) {
	cfg := refConfig()
	cfg.Namespace = "perf"
	m, out := mustDeploy(t, cfg)
	if n := m.count(typeNamespace); n != 0 {
		t.Errorf("%d Namespace resources registered, want 0", n)
	}
	eq(t, "deployment namespace", get(t, m.only(t, typeDeployment).Inputs, "metadata", "namespace"), "perf")
	eq(t, "namespace output", out.Namespace, "perf")
}

func TestInvalidConfigRegistersNothing(t *testing.T) {
	cfg := refConfig()
	cfg.HPA.MinReplicas, cfg.HPA.MaxReplicas = 5, 3
	m, _, err := deploy(t, cfg)
	if err == nil || !strings.Contains(err.Error(), "cloudperf:hpa.minReplicas (5) must not exceed cloudperf:hpa.maxReplicas (3)") {
		t.Fatalf("Deploy error = %v", err)
	}
	if typs := m.programTypes(); typs != nil {
		t.Errorf("registered %v despite invalid config", typs)
	}
}
