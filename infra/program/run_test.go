package program

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"

	clientstack "github.com/cloudperf/cloudperf/client/stack"
	"github.com/cloudperf/cloudperf/infra/stack"
)

// givenImage is the config of a run that deploys a given image.
var givenImage = map[string]string{
	"cloudperf:image.build": "false",
	"cloudperf:image.ref":   testRef,
}

func TestRunExportsExactlyTheClientsOutputs(t *testing.T) {
	_, exports, err := run(t, givenImage)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for n := range exports {
		names = append(names, n)
	}
	sort.Strings(names)
	if want := stack.OutputNames(); !reflect.DeepEqual(names, want) {
		t.Fatalf("exported %v, want exactly %v", names, want)
	}
	want := map[string]any{
		stack.OutputEndpoint:   "http://127.0.0.1:31234",
		stack.OutputNodePort:   mockNodePort,
		stack.OutputNamespace:  "default",
		stack.OutputDeployment: "cloudperf-0a1b2c3d",
		stack.OutputService:    "cloudperf-0a1b2c3d",
		stack.OutputHPA:        "cloudperf-0a1b2c3d",
		stack.OutputImage:      testRef,
	}
	if !reflect.DeepEqual(exports, want) {
		t.Errorf("exports = %v, want %v", exports, want)
	}

	// What the client decodes from these exports (as `pulumi stack output
	// --json` prints them) is the same.
	data, err := json.Marshal(exports)
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	out, err := clientstack.DecodeOutputs(raw)
	if err != nil {
		t.Fatalf("the client rejects the program's outputs: %v", err)
	}
	if out.Endpoint != "http://127.0.0.1:31234" || out.NodePort != mockNodePort || out.HPA != "cloudperf-0a1b2c3d" {
		t.Errorf("client decoded %+v", out)
	}
}

func TestRunReadsStackConfig(t *testing.T) {
	cfg := map[string]string{
		"cloudperf:nodeAddress":        "192.168.49.2",
		"cloudperf:nodePort":           "30080",
		"cloudperf:hpa.maxReplicas":    "6",
		"cloudperf:hpa.cpuUtilization": "75",
		"cloudperf:workCPU":            "3ms",
	}
	for k, v := range givenImage {
		cfg[k] = v
	}
	m, exports, err := run(t, cfg)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "endpoint", exports[stack.OutputEndpoint], "http://192.168.49.2:30080")
	spec := get(t, m.only(t, typeHPA).Inputs, "spec")
	eq(t, "maxReplicas", get(t, spec, "maxReplicas"), 6.0)
	eq(t, "averageUtilization", get(t, spec, "metrics", 0, "resource", "target", "averageUtilization"), 75.0)
	env := get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec", "containers", 0, "env").([]any)
	eq(t, "WORK_CPU", env[len(env)-1], map[string]any{"name": "WORK_CPU", "value": "3ms"})
}

func TestRunReadsPulumiConfigEnv(t *testing.T) {
	// A program run by the Go language host gets its config as JSON in
	// PULUMI_CONFIG (sdk/go/pulumi/run.go getEnvInfo).
	cfg := map[string]string{"cloudperf:namespace": "perf", "cloudperf:replicas": "4"}
	for k, v := range givenImage {
		cfg[k] = v
	}
	data, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("PULUMI_CONFIG", string(data))
	m, exports, err := run(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "namespace output", exports[stack.OutputNamespace], "perf")
	eq(t, "replicas", get(t, m.only(t, typeDeployment).Inputs, "spec", "replicas"), 4.0)
}

func TestRunRejectsBadConfigBeforeRegistering(t *testing.T) {
	for _, tc := range []struct {
		config map[string]string
		want   string
	}{
		{map[string]string{"cloudperf:hpa.minReplicas": "5", "cloudperf:hpa.maxReplicas": "3"},
			"cloudperf:hpa.minReplicas (5) must not exceed cloudperf:hpa.maxReplicas (3)"},
		{map[string]string{"cloudperf:image.build": "false"}, "cloudperf:image.ref must be set"},
		{map[string]string{"cloudperf:nodePort": "80"}, "cloudperf:nodePort (80)"},
		{map[string]string{"cloudperf:hpa.cpuUtilization": "150"}, "cloudperf:hpa.cpuUtilization (150)"},
		{map[string]string{"cloudperf:resources.memoryRequest": "-1Mi"}, "cloudperf:resources.memoryRequest"},
		{map[string]string{"cloudperf:replicas": "many"}, `cloudperf:replicas: "many" is not a whole number`},
	} {
		m, _, err := run(t, tc.config)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("config %v: error %v, want %q", tc.config, err, tc.want)
		}
		if typs := m.programTypes(); typs != nil {
			t.Errorf("config %v: registered %v", tc.config, typs)
		}
	}
}
