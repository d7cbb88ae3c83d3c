package cluster

import (
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestEmbeddedKwokConfig(t *testing.T) {
	objs, err := decodeManifests(kwokConfig)
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, o := range objs {
		if o.GetAPIVersion() != "kwok.x-k8s.io/v1alpha1" {
			t.Errorf("%s %s: apiVersion %s", o.GetKind(), o.GetName(), o.GetAPIVersion())
		}
		kinds[o.GetKind()]++
	}
	// kwok must get no KwokConfiguration in --config: its options are flags.
	if kinds["KwokConfiguration"] != 0 {
		t.Error("kwok.yaml holds a KwokConfiguration")
	}
	if kinds["Stage"] != 5 || kinds["Metric"] != 1 || kinds["ClusterResourceUsage"] != 1 {
		t.Errorf("kinds %v", kinds)
	}
	if !strings.Contains(string(kwokConfig), `"`+UsageCPUAnnotation+`"`) {
		t.Errorf("kwok.yaml does not read %s", UsageCPUAnnotation)
	}
}

func TestNodeManifest(t *testing.T) {
	n, err := decodeNode()
	if err != nil {
		t.Fatal(err)
	}
	if n.Name != NodeName || n.Status.Allocatable.Cpu().String() != "32" {
		t.Errorf("node %s allocatable cpu %s", n.Name, n.Status.Allocatable.Cpu())
	}
}

func TestMetricsServerManifest(t *testing.T) {
	b, err := renderMetricsServerManifest(24443)
	if err != nil {
		t.Fatal(err)
	}
	objs, err := decodeManifests(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].GetKind() != "Service" || objs[1].GetKind() != "APIService" {
		t.Fatalf("objects %v", objs)
	}
	port, _, _ := unstructured.NestedInt64(objs[1].Object, "spec", "service", "port")
	if port != 24443 || objs[1].GetName() != metricsAPIService {
		t.Errorf("APIService %s port %d", objs[1].GetName(), port)
	}
}

func TestDecodeManifests(t *testing.T) {
	objs, err := decodeManifests([]byte("---\n# comment only\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {n: \"1\"}\n---\n\n---\n{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"b\"}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(objs) != 2 || objs[0].GetName() != "a" || objs[1].GetKind() != "Namespace" {
		t.Fatalf("got %d objects: %v", len(objs), objs)
	}
	if _, err := decodeManifests([]byte("metadata: {name: x}\n")); err == nil {
		t.Error("object without kind accepted")
	}
	if _, err := decodeManifests([]byte("kind: [unclosed\n")); err == nil {
		t.Error("bad YAML accepted")
	}
}
