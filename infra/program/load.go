package program

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Load reads the stack's "cloudperf:" config over DefaultConfig and
// validates it. Keys that are not set keep their defaults (Pulumi.yaml
// declares the same defaults, so `pulumi config` shows them). Every
// malformed or invalid value is reported, each naming its key.
func Load(ctx *pulumi.Context) (Config, error) {
	return load(ctx.GetConfig)
}

// load is Load over any source of raw config values, keyed "cloudperf:KEY".
func load(get func(key string) (string, bool)) (Config, error) {
	cfg := DefaultConfig()
	r := reader{get: get}

	r.bool(KeyImageBuild, &cfg.Image.Build)
	r.str(KeyImageName, &cfg.Image.Name)
	r.bool(KeyImagePush, &cfg.Image.Push)
	r.str(KeyImageRegistry, &cfg.Image.Registry)
	r.str(KeyImageRegistryUsername, &cfg.Image.RegistryUsername)
	// The password is read as a plain string here and wrapped as a secret
	// where it is used (image.go), so it never reaches the state in clear.
	r.str(KeyImageRegistryPassword, &cfg.Image.RegistryPassword)
	r.str(KeyImageRef, &cfg.Image.Ref)
	r.str(KeyImageContext, &cfg.Image.Context)
	r.str(KeyImageDockerfile, &cfg.Image.Dockerfile)
	r.str(KeyImagePlatform, &cfg.Image.Platform)

	r.str(KeyNamespace, &cfg.Namespace)
	r.bool(KeyCreateNamespace, &cfg.CreateNamespace)
	r.stringMap(KeyNamespaceLabels, &cfg.NamespaceLabels)

	r.int(KeyReplicas, &cfg.Replicas)
	r.int(KeyMinReplicas, &cfg.HPA.MinReplicas)
	r.int(KeyMaxReplicas, &cfg.HPA.MaxReplicas)
	r.int(KeyCPUUtilization, &cfg.HPA.CPUUtilization)
	r.int(KeyScaleDownStabilizationSecs, &cfg.HPA.ScaleDownStabilizationSeconds)

	r.str(KeyCPURequest, &cfg.Resources.CPURequest)
	r.str(KeyCPULimit, &cfg.Resources.CPULimit)
	r.str(KeyMemoryRequest, &cfg.Resources.MemoryRequest)
	r.str(KeyMemoryLimit, &cfg.Resources.MemoryLimit)

	r.int(KeyPort, &cfg.Port)
	r.str(KeyNodeAddress, &cfg.NodeAddress)
	r.int(KeyNodePort, &cfg.NodePort)

	r.duration(KeyWorkCPU, &cfg.WorkCPU)
	r.duration(KeyWorkDelay, &cfg.WorkDelay)
	r.duration(KeyDrainDelay, &cfg.DrainDelay)
	r.duration(KeyGracePeriod, &cfg.GracePeriod)

	r.int(KeyLoadgenParallelism, &cfg.Loadgen.Parallelism)
	r.float(KeyLoadgenRate, &cfg.Loadgen.Rate)
	r.duration(KeyLoadgenDuration, &cfg.Loadgen.Duration)
	r.str(KeyLoadgenPath, &cfg.Loadgen.Path)
	r.stringList(KeyLoadgenExtraArgs, &cfg.Loadgen.ExtraArgs)
	r.bool(KeyLoadgenImageBuild, &cfg.Loadgen.Image.Build)
	r.str(KeyLoadgenImageName, &cfg.Loadgen.Image.Name)
	r.str(KeyLoadgenImageRef, &cfg.Loadgen.Image.Ref)
	r.str(KeyLoadgenCPURequest, &cfg.Loadgen.Resources.CPURequest)
	r.str(KeyLoadgenCPULimit, &cfg.Loadgen.Resources.CPULimit)
	r.str(KeyLoadgenMemoryRequest, &cfg.Loadgen.Resources.MemoryRequest)
	r.str(KeyLoadgenMemoryLimit, &cfg.Loadgen.Resources.MemoryLimit)

	if len(r.errs) > 0 {
		return cfg, errors.Join(r.errs...)
	}
	return cfg, cfg.Validate()
}

// reader parses raw config strings, collecting one error per bad key.
type reader struct {
	get  func(key string) (string, bool)
	errs []error
}

// raw is the value of cloudperf:KEY, if set. An empty string counts as set
// only for string keys: `pulumi config set image.ref ""` clears it.
func (r *reader) raw(key string) (string, bool) {
	return r.get(qualified(key))
}

func (r *reader) fail(key, v, want string) {
	r.errs = append(r.errs, fmt.Errorf("%s: %q is not %s", qualified(key), v, want))
}

func (r *reader) str(key string, dst *string) {
	if v, ok := r.raw(key); ok {
		*dst = v
	}
}

func (r *reader) bool(key string, dst *bool) {
	v, ok := r.raw(key)
	if !ok || v == "" {
		return
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(key, v, "true or false")
		return
	}
	*dst = b
}

func (r *reader) int(key string, dst *int) {
	v, ok := r.raw(key)
	if !ok || v == "" {
		return
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		r.fail(key, v, "a whole number")
		return
	}
	*dst = n
}

func (r *reader) float(key string, dst *float64) {
	v, ok := r.raw(key)
	if !ok || v == "" {
		return
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		r.fail(key, v, "a number")
		return
	}
	*dst = f
}

// stringList reads a JSON array of strings, e.g. ["--timeout", "2s"].
func (r *reader) stringList(key string, dst *[]string) {
	v, ok := r.raw(key)
	if !ok || v == "" {
		return
	}
	var list []string
	if err := json.Unmarshal([]byte(v), &list); err != nil || list == nil {
		r.fail(key, v, `a JSON array of strings like ["--timeout", "2s"]`)
		return
	}
	*dst = list
}

func (r *reader) duration(key string, dst *time.Duration) {
	v, ok := r.raw(key)
	if !ok || v == "" {
		return
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.fail(key, v, "a duration like 2s or 500ms")
		return
	}
	*dst = d
}

func (r *reader) stringMap(key string, dst *map[string]string) {
	v, ok := r.raw(key)
	if !ok || v == "" {
		return
	}
	// A JSON object in a string (Pulumi.yaml: type string, so one plain
	// `pulumi config set` sets it); an object config value set with --path
	// arrives as the same JSON. Label values are strings: true and 1 are
	// taken as "true" and "1".
	var m map[string]any
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		r.fail(key, v, `an object like {"pod-security.kubernetes.io/enforce": "restricted"}`)
		return
	}
	out := make(map[string]string, len(m))
	for k, x := range m {
		switch x := x.(type) {
		case string:
			out[k] = x
		case bool, float64:
			out[k] = fmt.Sprint(x)
		default:
			r.fail(key, v, "an object of plain values (label "+strconv.Quote(k)+" is not)")
			return
		}
	}
	*dst = out
}
