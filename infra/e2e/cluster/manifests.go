package cluster

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"text/template"

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

// The node's configuration files, Go templates filled in by render.
var (
	//go:embed manifests/containerd.toml
	containerdConfig string
	//go:embed manifests/cni.conflist
	cniConfig string
	//go:embed manifests/kubelet.yaml
	kubeletConfig string
	//go:embed manifests/kube-proxy.yaml
	kubeProxyConfig string
	// metricsServerManifest registers metrics-server (a process inside the
	// node) as the metrics.k8s.io APIService.
	//go:embed manifests/metrics-server.yaml
	metricsServerManifest string
)

// NodeName is the name of the node.
const NodeName = "cloudperf-node"

// fieldManager is the server-side apply field manager of this package.
const fieldManager = "cloudperf-e2e-cluster"

var apiServiceGVR = schema.GroupVersionResource{Group: "apiregistration.k8s.io", Version: "v1", Resource: "apiservices"}

// metricsAPIService is the name of the APIService metrics-server serves.
const metricsAPIService = "v1beta1.metrics.k8s.io"

// render fills in a configuration template; a field the data lacks is an error.
func render(name, text string, data any) ([]byte, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, fmt.Errorf("cluster: %s: %w", name, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, data); err != nil {
		return nil, fmt.Errorf("cluster: %s: %w", name, err)
	}
	return b.Bytes(), nil
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
