package cluster

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	kubeproxyv1alpha1 "k8s.io/kube-proxy/config/v1alpha1"
	kubeletv1beta1 "k8s.io/kubelet/config/v1beta1"
	"sigs.k8s.io/yaml"
)

var nodeData = map[string]string{
	"CgroupRoot": "/cloudperf-node-1-1", "RuntimeSocket": "/w/containerd/containerd.sock", "NodeIP": "198.51.100.6",
	"PKIDir": "/w/pki", "ResolvConf": "/w/resolv.conf", "PodLogsDir": "/w/pod-logs",
	"Kubeconfig": "/w/kubeconfig/kube-proxy.kubeconfig", "NodeName": NodeName, "PodSubnet": podSubnet,
	"Dir": "/w/containerd", "Socket": "/w/containerd/containerd.sock", "PauseImage": PauseImage,
	"Runc": "/bin/runc", "CNIBinDir": "/bin/cni", "CNIConfDir": "/w/cni/net.d",
	"IPAMDir": "/w/cni/ipam", "PodGateway": podGateway,
}

// The kubelet and kube-proxy read their files strictly: an unknown or
// misspelt field is fatal at start, so decode them with the real types.
func TestKubeletConfig(t *testing.T) {
	b, err := render("kubelet.yaml", kubeletConfig, nodeData)
	if err != nil {
		t.Fatal(err)
	}
	var cfg kubeletv1beta1.KubeletConfiguration
	if err := yaml.UnmarshalStrict(b, &cfg); err != nil {
		t.Fatalf("kubelet.yaml: %v\n%s", err, b)
	}
	if cfg.FailCgroupV1 == nil || *cfg.FailCgroupV1 || cfg.CgroupDriver != "cgroupfs" || cfg.CgroupRoot != nodeData["CgroupRoot"] {
		t.Errorf("cgroup v1 with cgroupfs under the node's root: failCgroupV1 %v driver %q root %q", cfg.FailCgroupV1, cfg.CgroupDriver, cfg.CgroupRoot)
	}
	if cfg.Authentication.Anonymous.Enabled == nil || *cfg.Authentication.Anonymous.Enabled || cfg.Authorization.Mode != "Webhook" {
		t.Error("the kubelet must refuse anonymous requests and ask the apiserver")
	}
	if cfg.Address != "198.51.100.6" || cfg.ContainerRuntimeEndpoint != "unix:///w/containerd/containerd.sock" || cfg.PodLogsDir != "/w/pod-logs" {
		t.Errorf("address %q runtime %q pod logs %q", cfg.Address, cfg.ContainerRuntimeEndpoint, cfg.PodLogsDir)
	}
	if *cfg.ImageGCHighThresholdPercent != 100 {
		t.Error("imported images must never be garbage-collected: nothing can pull them again")
	}
}

func TestKubeProxyConfig(t *testing.T) {
	b, err := render("kube-proxy.yaml", kubeProxyConfig, nodeData)
	if err != nil {
		t.Fatal(err)
	}
	var cfg kubeproxyv1alpha1.KubeProxyConfiguration
	if err := yaml.UnmarshalStrict(b, &cfg); err != nil {
		t.Fatalf("kube-proxy.yaml: %v\n%s", err, b)
	}
	if cfg.Mode != "iptables" || strings.Join(cfg.NodePortAddresses, ",") != "198.51.100.6/32" || cfg.HostnameOverride != NodeName {
		t.Errorf("mode %q nodePortAddresses %v hostname %q", cfg.Mode, cfg.NodePortAddresses, cfg.HostnameOverride)
	}
	// Zero: leave the (global) conntrack table size and timeouts alone.
	if *cfg.Conntrack.MaxPerCore != 0 || cfg.Conntrack.TCPEstablishedTimeout.Duration != 0 {
		t.Errorf("conntrack %+v", cfg.Conntrack)
	}
}

func TestContainerdConfig(t *testing.T) {
	b, err := render("containerd.toml", containerdConfig, nodeData)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Version int
		Plugins map[string]map[string]any
	}
	if err := toml.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("containerd.toml: %v\n%s", err, b)
	}
	rt := cfg.Plugins["io.containerd.cri.v1.runtime"]
	if cfg.Version != 3 || rt["restrict_oom_score_adj"] != true {
		t.Errorf("version %d, restrict_oom_score_adj %v (nothing here may lower oom_score_adj)", cfg.Version, rt["restrict_oom_score_adj"])
	}
	opts := rt["containerd"].(map[string]any)["runtimes"].(map[string]any)["runc"].(map[string]any)["options"].(map[string]any)
	if opts["SystemdCgroup"] != false || opts["BinaryName"] != "/bin/runc" {
		t.Errorf("runc options %v", opts)
	}
	images := cfg.Plugins["io.containerd.cri.v1.images"]
	if images["pinned_images"].(map[string]any)["sandbox"] != PauseImage {
		t.Errorf("sandbox image %v", images["pinned_images"])
	}
}

func TestCNIConfig(t *testing.T) {
	b, err := render("cni.conflist", cniConfig, nodeData)
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Name    string
		Plugins []map[string]any
	}
	if err := json.Unmarshal(b, &cfg); err != nil {
		t.Fatalf("cni.conflist: %v\n%s", err, b)
	}
	if len(cfg.Plugins) != 2 || cfg.Plugins[0]["type"] != "bridge" || cfg.Plugins[1]["type"] != "portmap" {
		t.Fatalf("plugins %v", cfg.Plugins)
	}
	if !strings.Contains(string(b), `"subnet": "203.0.113.0/24"`) {
		t.Errorf("pod subnet not in %s", b)
	}
}

func TestRenderRefusesMissingFields(t *testing.T) {
	if _, err := render("kubelet.yaml", kubeletConfig, map[string]string{"NodeIP": "x"}); err == nil {
		t.Error("a template field without a value must be an error")
	}
}

func TestMetricsServerManifest(t *testing.T) {
	b, err := render("metrics-server.yaml", metricsServerManifest, map[string]int{"Port": 24443})
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
