package cluster

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"text/template"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/restmapper"
)

// kwokConfig is kwok's --config: Stages (node and pod lifecycle), the Metric
// that serves /metrics/nodes/{node}/metrics/resource for metrics-server, and the
// ClusterResourceUsage that reads pod CPU/memory from the
// kwok.x-k8s.io/usage-cpu and kwok.x-k8s.io/usage-memory annotations. It must
// hold no KwokConfiguration document: kwok's options are passed as flags.
//
//go:embed manifests/kwok.yaml
var kwokConfig []byte

// nodeManifest is the fake node kwok manages.
//
//go:embed manifests/node.yaml
var nodeManifest []byte

// metricsServerManifest registers metrics-server (a local process) as the
// metrics.k8s.io APIService; {{.Port}} is its secure port.
//
//go:embed manifests/metrics-server.yaml
var metricsServerManifest string

// NodeName is the name of the fake node.
const NodeName = "kwok-node-0"

// fieldManager is the server-side apply field manager of this package.
const fieldManager = "cloudperf-e2e-cluster"

var apiServiceGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// metricsAPIService is the name of the APIService metrics-server serves.
const metricsAPIService = "v1beta1.metrics.k8s.io"

func renderMetricsServerManifest(port int) ([]byte, error) {
	t, err := template.New("metrics-server.yaml").Option("missingkey=error").Parse(metricsServerManifest)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := t.Execute(&b, struct{ Port int }{port}); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// decodeNode parses the embedded node manifest.
func decodeNode() (*corev1.Node, error) {
	var n corev1.Node
	if err := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(nodeManifest), 4096).Decode(&n); err != nil {
		return nil, fmt.Errorf("cluster: decode node manifest: %w", err)
	}
	return &n, nil
}

// decodeManifests splits multi-document YAML (or JSON) into objects, skipping
// empty documents.
func decodeManifests(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		var raw runtime.RawExtension
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, fmt.Errorf("cluster: decode manifest %d: %w", len(objs)+1, err)
		}
		if b := bytes.TrimSpace(raw.Raw); len(b) == 0 || bytes.Equal(b, []byte("null")) || bytes.Equal(b, []byte("{}")) {
			continue
		}
		// Unstructured's own JSON decoding keeps integers as int64.
		u := &unstructured.Unstructured{}
		if err := u.UnmarshalJSON(raw.Raw); err != nil {
			return nil, fmt.Errorf("cluster: manifest %d: %w", len(objs)+1, err)
		}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, fmt.Errorf("cluster: manifest %d has no kind or apiVersion", len(objs)+1)
		}
		objs = append(objs, u)
	}
}

// Apply server-side applies every object of a multi-document YAML or JSON
// manifest (field manager "cloudperf-e2e-cluster", conflicts forced).
// Namespaced objects without a namespace go to "default". Status in the
// manifest is ignored by the apiserver, as with kubectl apply --server-side.
func (c *Cluster) Apply(ctx context.Context, manifest []byte) error {
	objs, err := decodeManifests(manifest)
	if err != nil {
		return err
	}
	dyn, err := dynamic.NewForConfig(c.restConfig)
	if err != nil {
		return err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(c.client.Discovery()))
	for _, obj := range objs {
		gvk := obj.GroupVersionKind()
		mapping, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if meta.IsNoMatchError(err) {
			mapper.Reset() // a CRD or APIService registered a moment ago
			mapping, err = mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		}
		if err != nil {
			return fmt.Errorf("cluster: apply %s %s: %w", gvk.Kind, obj.GetName(), err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(mapping.Resource)
		if mapping.Scope.Name() == meta.RESTScopeNameNamespace {
			if obj.GetNamespace() == "" {
				obj.SetNamespace(metav1.NamespaceDefault)
			}
			ri = dyn.Resource(mapping.Resource).Namespace(obj.GetNamespace())
		}
		if _, err := ri.Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: fieldManager, Force: true}); err != nil {
			return fmt.Errorf("cluster: apply %s %s: %w", gvk.Kind, obj.GetName(), err)
		}
	}
	return nil
}

// createNode creates the fake node with a typed Create, not server-side apply:
// apply drops .status on the main resource, and the node's capacity and
// allocatable come from its manifest (kwok keeps what is there).
func (c *Cluster) createNode(ctx context.Context) error {
	n, err := decodeNode()
	if err != nil {
		return err
	}
	if _, err := c.client.CoreV1().Nodes().Create(ctx, n, metav1.CreateOptions{FieldManager: fieldManager}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("cluster: create node %s: %w", n.Name, err)
	}
	return nil
}

// apiServiceAvailable returns nil when the named APIService has condition
// Available=True, else an error carrying the condition's message.
func (c *Cluster) apiServiceAvailable(ctx context.Context, name string) error {
	dyn, err := dynamic.NewForConfig(c.restConfig)
	if err != nil {
		return err
	}
	u, err := dyn.Resource(apiServiceGVR).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, raw := range conds {
		m, ok := raw.(map[string]any)
		if !ok || m["type"] != "Available" {
			continue
		}
		if m["status"] == "True" {
			return nil
		}
		return fmt.Errorf("APIService %s not available: %v: %v", name, m["reason"], m["message"])
	}
	return fmt.Errorf("APIService %s has no Available condition yet", name)
}
