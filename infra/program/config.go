// Package program is cloudperf's Pulumi program: the service under test
// (app/) as a Kubernetes Deployment behind a NodePort Service, scaled by a
// CPU HorizontalPodAutoscaler and guarded by a PodDisruptionBudget; and,
// when loadgen.parallelism is set, the load generator (client/) as an
// Indexed Job loading the Service from inside the cluster (loadgen.go).
//
// It is a function of its Config: Load reads the config from the stack,
// Deploy registers the resources and returns their Outputs, Run does both
// and exports the outputs. infra/main.go runs Run under the Go language host;
// tests run Deploy with mocks, and the e2e through the Automation API.
package program

import "time"

// Namespace is the project's config namespace: keys are "cloudperf:<key>".
const Namespace = "cloudperf"

// Config keys, as in Pulumi.yaml's config block and `pulumi config set KEY`.
const (
	KeyImageBuild            = "image.build"
	KeyImageName             = "image.name"
	KeyImagePush             = "image.push"
	KeyImageRegistry         = "image.registry"
	KeyImageRegistryUsername = "image.registryUsername"
	KeyImageRegistryPassword = "image.registryPassword"
	KeyImageRef              = "image.ref"
	KeyImageContext          = "image.context"
	KeyImageDockerfile       = "image.dockerfile"
	KeyImagePlatform         = "image.platform"

	KeyNamespace       = "namespace"
	KeyCreateNamespace = "createNamespace"
	KeyNamespaceLabels = "namespaceLabels"

	KeyReplicas                   = "replicas"
	KeyMinReplicas                = "hpa.minReplicas"
	KeyMaxReplicas                = "hpa.maxReplicas"
	KeyCPUUtilization             = "hpa.cpuUtilization"
	KeyScaleDownStabilizationSecs = "hpa.scaleDownStabilizationSeconds"

	KeyCPURequest    = "resources.cpuRequest"
	KeyCPULimit      = "resources.cpuLimit"
	KeyMemoryRequest = "resources.memoryRequest"
	KeyMemoryLimit   = "resources.memoryLimit"

	KeyPort        = "port"
	KeyNodeAddress = "nodeAddress"
	KeyNodePort    = "nodePort"

	KeyWorkCPU     = "workCPU"
	KeyWorkDelay   = "workDelay"
	KeyDrainDelay  = "drainDelay"
	KeyGracePeriod = "gracePeriod"

	KeyLoadgenParallelism = "loadgen.parallelism"
	KeyLoadgenRate        = "loadgen.rate"
	KeyLoadgenDuration    = "loadgen.duration"
	KeyLoadgenPath        = "loadgen.path"
	KeyLoadgenExtraArgs   = "loadgen.extraArgs"
	KeyLoadgenImageBuild  = "loadgen.image.build"
	KeyLoadgenImageName   = "loadgen.image.name"
	KeyLoadgenImageRef    = "loadgen.image.ref"

	KeyLoadgenCPURequest    = "loadgen.resources.cpuRequest"
	KeyLoadgenCPULimit      = "loadgen.resources.cpuLimit"
	KeyLoadgenMemoryRequest = "loadgen.resources.memoryRequest"
	KeyLoadgenMemoryLimit   = "loadgen.resources.memoryLimit"
)

// Config is everything the program can be told. DefaultConfig fills it in;
// Load overlays the stack's config; Validate checks it.
type Config struct {
	Image ImageConfig

	// Namespace the resources go into. With CreateNamespace the program
	// creates it (with NamespaceLabels, e.g. pod-security enforcement) and
	// deletes it on destroy; otherwise it must exist.
	Namespace       string
	CreateNamespace bool
	NamespaceLabels map[string]string

	// Replicas is the Deployment's size at creation only: afterwards the HPA
	// owns spec.replicas (see workload.go).
	Replicas  int
	HPA       HPAConfig
	Resources ResourcesConfig

	// Port the app listens on (PORT) and the Service exposes.
	Port int
	// NodeAddress is a node's address as seen by the load generator, e.g.
	// `minikube ip`; the endpoint output is http://NodeAddress:NodePort.
	NodeAddress string
	// NodePort pins the Service's node port (30000-32767); 0 lets
	// Kubernetes allocate one.
	NodePort int

	// Per-request simulated work, the app's WORK_CPU and WORK_DELAY (0 = none).
	WorkCPU   time.Duration
	WorkDelay time.Duration
	// The app's shutdown: readiness 503 for DrainDelay with the listener
	// open, then GracePeriod for in-flight requests.
	DrainDelay  time.Duration
	GracePeriod time.Duration

	// Loadgen runs the load generator in the cluster (see loadgen.go).
	Loadgen LoadgenConfig
}

// LoadgenConfig is the in-cluster load generator: an Indexed Job of
// Parallelism pods, each running the client at Rate/Parallelism requests per
// second for Duration against the Service, printing its JSON summary for
// `client merge`. Parallelism 0 (the default) registers no Job.
type LoadgenConfig struct {
	Parallelism int
	Rate        float64 // total requests per second, split evenly over the pods
	Duration    time.Duration
	// Path is the path and query each request asks for, e.g. "/?cpu=2ms".
	Path string
	// ExtraArgs are more client flags, e.g. ["--timeout", "2s"]; the ones the
	// program sets itself (target, rate, duration, output) are refused.
	ExtraArgs []string
	Image     LoadgenImageConfig
	// Resources are each pod's requests and limits, checked like the app's.
	Resources ResourcesConfig
}

// LoadgenImageConfig says where the client image comes from. A built one
// is client/Dockerfile, built like the app's image (same image.context,
// image.platform, image.push and image.registry).
type LoadgenImageConfig struct {
	Build bool
	Name  string // repository of the built image, without tag
	Ref   string // the image to run when Build is false
}

// ImageConfig says where the container image comes from.
type ImageConfig struct {
	// Build the image from Dockerfile in Context with pulumi-docker. When
	// false, Ref is deployed as given and no docker resource is registered.
	Build bool
	// Name is the repository of the built image, without tag; the tag is a
	// hash of the build context's content (see image.go).
	Name string
	// Push to Registry; when false the image stays in the local Docker
	// daemon (minikube: `eval $(minikube docker-env)` before `pulumi up`).
	Push bool
	// Registry host (and path), e.g. "ghcr.io/me", prefixed to Name when
	// pushing. Username and Password are optional: without them Docker's
	// own credentials are used.
	Registry         string
	RegistryUsername string
	RegistryPassword string // read from secret config; never exported
	// Ref is the image to deploy when Build is false, e.g.
	// "ghcr.io/me/cloudperf-app@sha256:…".
	Ref string
	// Context and Dockerfile are relative to the project root (the folder
	// of Pulumi.yaml) unless absolute.
	Context    string
	Dockerfile string
	// Platform to build for, e.g. "linux/amd64".
	Platform string
}

// HPAConfig is the autoscaler's range, target and scale-down damping.
type HPAConfig struct {
	MinReplicas    int
	MaxReplicas    int
	CPUUtilization int // average CPU, percent of the request
	// ScaleDownStabilizationSeconds: how long the HPA waits for load to stay
	// low before removing pods.
	ScaleDownStabilizationSeconds int
}

// ResourcesConfig is a container's requests and limits, as Kubernetes
// quantities ("100m", "64Mi"): the app's (resources.*) or the load
// generator's (loadgen.resources.*).
type ResourcesConfig struct {
	CPURequest    string
	CPULimit      string
	MemoryRequest string
	MemoryLimit   string
}

// DefaultConfig is the configuration Pulumi.yaml declares as defaults: a
// minikube-style cluster, the image built locally and not pushed.
func DefaultConfig() Config {
	return Config{
		Image: ImageConfig{
			Build:      true,
			Name:       "cloudperf-app",
			Context:    ".",
			Dockerfile: "app/Dockerfile",
			Platform:   "linux/amd64",
		},
		Namespace: "default",
		Replicas:  3,
		HPA: HPAConfig{
			MinReplicas:                   3,
			MaxReplicas:                   10,
			CPUUtilization:                50,
			ScaleDownStabilizationSeconds: 60,
		},
		Resources: ResourcesConfig{
			CPURequest:    "100m",
			CPULimit:      "500m",
			MemoryRequest: "32Mi",
			MemoryLimit:   "64Mi",
		},
		Port:        5000,
		NodeAddress: "127.0.0.1",
		DrainDelay:  2 * time.Second,
		GracePeriod: 10 * time.Second,
		Loadgen: LoadgenConfig{
			Rate:      100,
			Duration:  time.Minute,
			Path:      "/",
			ExtraArgs: []string{},
			Image:     LoadgenImageConfig{Build: true, Name: "cloudperf-client"},
			// Enough for the client at a few thousand requests per second; a
			// generator short of CPU measures its own lag, so the request is
			// generous and the limit a whole core.
			Resources: ResourcesConfig{
				CPURequest:    "250m",
				CPULimit:      "1",
				MemoryRequest: "64Mi",
				MemoryLimit:   "256Mi",
			},
		},
	}
}

// qualified is a key as the user sees it in messages: "cloudperf:port".
func qualified(key string) string { return Namespace + ":" + key }
