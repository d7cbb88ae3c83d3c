package program

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
)

// The app's own limits on simulated work (app/hello/work.go MaxCPU and
// MaxDelay): it refuses to start with more.
const (
	maxWorkCPU   = time.Second
	maxWorkDelay = 10 * time.Second
)

// Node ports Kubernetes allocates from by default (--service-node-port-range).
const (
	minNodePort = 30000
	maxNodePort = 32767
)

// Namespaces a cluster comes with; createNamespace must not claim them.
var systemNamespaces = map[string]bool{"default": true, "kube-system": true, "kube-public": true, "kube-node-lease": true}

var (
	// A repository as `docker build -t` takes it, without tag or digest.
	repositoryRE = regexp.MustCompile(`^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$`)
	// A registry host[:port][/path], e.g. ghcr.io/me or localhost:5000.
	registryRE = regexp.MustCompile(`^[a-zA-Z0-9.-]+(?::[0-9]+)?(?:/[a-z0-9._-]+)*$`)
	platformRE = regexp.MustCompile(`^[a-z0-9]+/[a-z0-9_]+(?:/[a-z0-9]+)?$`)
)

// Validate reports every setting the program cannot deploy, each naming
// its config key, e.g. "cloudperf:hpa.minReplicas (5) must not exceed
// cloudperf:hpa.maxReplicas (3)". It runs before any resource is
// registered, so bad values fail `pulumi preview`.
func (cfg Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	k := qualified

	// Image.
	img := cfg.Image
	if img.Build {
		switch {
		case img.Name == "":
			add("%s must not be empty when %s is true", k(KeyImageName), k(KeyImageBuild))
		case !repositoryRE.MatchString(img.Name):
			add("%s (%q) must be a repository name without tag, like cloudperf-app (the tag is computed from the build context)", k(KeyImageName), img.Name)
		}
		if img.Context == "" {
			add("%s must not be empty when %s is true", k(KeyImageContext), k(KeyImageBuild))
		}
		if img.Dockerfile == "" {
			add("%s must not be empty when %s is true", k(KeyImageDockerfile), k(KeyImageBuild))
		}
		if !platformRE.MatchString(img.Platform) {
			add("%s (%q) must be an OS/architecture like linux/amd64", k(KeyImagePlatform), img.Platform)
		}
		if img.Ref != "" {
			add("%s (%q) is only used when %s is false; unset one of them", k(KeyImageRef), img.Ref, k(KeyImageBuild))
		}
	} else {
		if img.Ref == "" {
			add("%s must be set when %s is false: it names the image to deploy", k(KeyImageRef), k(KeyImageBuild))
		} else if strings.ContainsAny(img.Ref, " \t\n") {
			add("%s (%q) must be an image reference without spaces", k(KeyImageRef), img.Ref)
		}
		if img.Push {
			add("%s needs %s to be true: there is nothing to push", k(KeyImagePush), k(KeyImageBuild))
		}
	}
	if img.Push {
		if img.Registry == "" {
			add("%s must be set when %s is true, e.g. ghcr.io/me", k(KeyImageRegistry), k(KeyImagePush))
		} else if !registryRE.MatchString(img.Registry) {
			add("%s (%q) must be a registry host and optional path, like ghcr.io/me", k(KeyImageRegistry), img.Registry)
		}
	}
	if img.RegistryPassword != "" && img.RegistryUsername == "" {
		add("%s is set but %s is not", k(KeyImageRegistryPassword), k(KeyImageRegistryUsername))
	}

	// Namespace.
	for _, msg := range validation.IsDNS1123Label(cfg.Namespace) {
		add("%s (%q) is not a namespace name: %s", k(KeyNamespace), cfg.Namespace, msg)
	}
	if cfg.CreateNamespace && systemNamespaces[cfg.Namespace] {
		add("%s (%q) already exists in every cluster: set %s to false, or name a new namespace", k(KeyNamespace), cfg.Namespace, k(KeyCreateNamespace))
	}
	if len(cfg.NamespaceLabels) > 0 && !cfg.CreateNamespace {
		add("%s is set but %s is false: labels apply only to a namespace the program creates", k(KeyNamespaceLabels), k(KeyCreateNamespace))
	}
	for key, v := range cfg.NamespaceLabels {
		for _, msg := range validation.IsQualifiedName(key) {
			add("%s: label key %q: %s", k(KeyNamespaceLabels), key, msg)
		}
		for _, msg := range validation.IsValidLabelValue(v) {
			add("%s: label %q value %q: %s", k(KeyNamespaceLabels), key, v, msg)
		}
	}

	// Replicas and autoscaler.
	hpa := cfg.HPA
	if cfg.Replicas < 1 {
		add("%s (%d) must be at least 1", k(KeyReplicas), cfg.Replicas)
	}
	if hpa.MinReplicas < 1 {
		add("%s (%d) must be at least 1", k(KeyMinReplicas), hpa.MinReplicas)
	}
	if hpa.MaxReplicas < 1 {
		add("%s (%d) must be at least 1", k(KeyMaxReplicas), hpa.MaxReplicas)
	}
	if hpa.MinReplicas > hpa.MaxReplicas {
		add("%s (%d) must not exceed %s (%d)", k(KeyMinReplicas), hpa.MinReplicas, k(KeyMaxReplicas), hpa.MaxReplicas)
	} else if cfg.Replicas >= 1 && hpa.MinReplicas >= 1 &&
		(cfg.Replicas < hpa.MinReplicas || cfg.Replicas > hpa.MaxReplicas) {
		add("%s (%d) must be within %s..%s (%d..%d): the HPA would resize it at once",
			k(KeyReplicas), cfg.Replicas, k(KeyMinReplicas), k(KeyMaxReplicas), hpa.MinReplicas, hpa.MaxReplicas)
	}
	if hpa.CPUUtilization < 1 || hpa.CPUUtilization > 100 {
		add("%s (%d) must be a percentage from 1 to 100", k(KeyCPUUtilization), hpa.CPUUtilization)
	}
	if hpa.ScaleDownStabilizationSeconds < 0 || hpa.ScaleDownStabilizationSeconds > 3600 {
		add("%s (%d) must be from 0 to 3600", k(KeyScaleDownStabilizationSecs), hpa.ScaleDownStabilizationSeconds)
	}

	// The app's resources (the load generator's are checked alike, below).
	errs = append(errs, checkResources(cfg.Resources, KeyCPURequest, KeyCPULimit, KeyMemoryRequest, KeyMemoryLimit)...)

	// Network.
	if cfg.Port < 1 || cfg.Port > 65535 {
		add("%s (%d) must be a port from 1 to 65535", k(KeyPort), cfg.Port)
	}
	if cfg.NodePort != 0 && (cfg.NodePort < minNodePort || cfg.NodePort > maxNodePort) {
		add("%s (%d) must be 0 (allocated by Kubernetes) or from %d to %d", k(KeyNodePort), cfg.NodePort, minNodePort, maxNodePort)
	}
	if msg := checkHost(cfg.NodeAddress); msg != "" {
		add("%s (%q) %s", k(KeyNodeAddress), cfg.NodeAddress, msg)
	}

	// The app's timing.
	if cfg.WorkCPU < 0 || cfg.WorkCPU > maxWorkCPU {
		add("%s (%v) must be from 0 to %v", k(KeyWorkCPU), cfg.WorkCPU, maxWorkCPU)
	}
	if cfg.WorkDelay < 0 || cfg.WorkDelay > maxWorkDelay {
		add("%s (%v) must be from 0 to %v", k(KeyWorkDelay), cfg.WorkDelay, maxWorkDelay)
	}
	if cfg.DrainDelay < 0 {
		add("%s (%v) must not be negative", k(KeyDrainDelay), cfg.DrainDelay)
	}
	if cfg.GracePeriod < 0 {
		add("%s (%v) must not be negative", k(KeyGracePeriod), cfg.GracePeriod)
	}

	// The in-cluster load generator (loadgen.go).
	errs = append(errs, cfg.Loadgen.problems(cfg.Image)...)
	return errors.Join(errs...)
}

// checkResources checks a container's requests and limits, res, read from
// the four keys given: each parses and is positive, and each request is not
// above its limit. Every error names its key.
func checkResources(res ResourcesConfig, cpuRequestKey, cpuLimitKey, memoryRequestKey, memoryLimitKey string) []error {
	errs := checkQuantities(cpuRequestKey, res.CPURequest, cpuLimitKey, res.CPULimit)
	return append(errs, checkQuantities(memoryRequestKey, res.MemoryRequest, memoryLimitKey, res.MemoryLimit)...)
}

// checkQuantities parses a request and its limit: both positive, request
// not above limit.
func checkQuantities(reqKey, req, limKey, lim string) []error {
	var errs []error
	parse := func(key, v string) (resource.Quantity, bool) {
		q, err := resource.ParseQuantity(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s (%q) is not a Kubernetes quantity like 100m or 64Mi", qualified(key), v))
			return q, false
		}
		if q.Sign() <= 0 {
			errs = append(errs, fmt.Errorf("%s (%q) must be positive", qualified(key), v))
			return q, false
		}
		return q, true
	}
	rq, okReq := parse(reqKey, req)
	lq, okLim := parse(limKey, lim)
	if okReq && okLim && rq.Cmp(lq) > 0 {
		errs = append(errs, fmt.Errorf("%s (%s) must not exceed %s (%s)", qualified(reqKey), req, qualified(limKey), lim))
	}
	return errs
}

// checkHost accepts an IP address or a DNS name; it returns what is wrong.
func checkHost(host string) string {
	switch {
	case host == "":
		return "must be set to a node's address, e.g. $(minikube ip)"
	case strings.Contains(host, "://"):
		return "must be an address without scheme, e.g. 192.168.49.2"
	case net.ParseIP(host) != nil:
		return ""
	case len(validation.IsDNS1123Subdomain(strings.ToLower(host))) > 0:
		return "is neither an IP address nor a host name"
	}
	return ""
}
