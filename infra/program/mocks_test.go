package program

import (
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// Resource type tokens the program registers.
const (
	typeNamespace  = "kubernetes:core/v1:Namespace"
	typeDeployment = "kubernetes:apps/v1:Deployment"
	typeService    = "kubernetes:core/v1:Service"
	mockClusterIP  = "192.0.2.77"
	typeHPA        = "kubernetes:autoscaling/v2:HorizontalPodAutoscaler"
	typePDB        = "kubernetes:policy/v1:PodDisruptionBudget"
	typeImage      = "docker:index/image:Image"
	typeJob        = "kubernetes:batch/v1:Job"
)

// mockNodePort is the node port the mocked API server allocates.
const mockNodePort = 31234

// registered is one resource the program registered.
type registered struct {
	Name          string
	Inputs        map[string]any // plain values: numbers are float64
	Raw           resource.PropertyMap
	IgnoreChanges []string
	// The resource options the program gave.
	ReplaceOnChanges    []string
	DeleteBeforeReplace bool
	Dependencies        []string // URNs
}

// mocks implements pulumi.MockResourceMonitor: it records every resource's
// inputs and answers with state the way the providers would: Kubernetes
// autonames objects and allocates node ports; docker reports the image name
// and a digest.
type mocks struct {
	mu  sync.Mutex
	got map[string][]registered
}

func newMocks() *mocks { return &mocks{got: map[string][]registered{}} }

func (m *mocks) NewResource(args pulumi.MockResourceArgs) (string, resource.PropertyMap, error) {
	reg := registered{Name: args.Name, Inputs: args.Inputs.Mappable(), Raw: args.Inputs}
	if rpc := args.RegisterRPC; rpc != nil {
		reg.IgnoreChanges = rpc.GetIgnoreChanges()
		reg.ReplaceOnChanges = rpc.GetReplaceOnChanges()
		reg.DeleteBeforeReplace = rpc.GetDeleteBeforeReplace()
		reg.Dependencies = rpc.GetDependencies()
	}
	m.mu.Lock()
	m.got[args.TypeToken] = append(m.got[args.TypeToken], reg)
	m.mu.Unlock()

	state := args.Inputs.Copy()
	switch args.TypeToken {
	case typeImage:
		name := args.Inputs["imageName"].StringValue()
		if push := args.Inputs["skipPush"]; push.IsBool() && !push.BoolValue() {
			repo := name
			if i := lastColon(name); i > 0 {
				repo = name[:i]
			}
			state["repoDigest"] = resource.NewStringProperty(repo + "@sha256:" + fakeDigest)
		} else {
			state["repoDigest"] = resource.NewStringProperty("sha256:" + fakeDigest)
		}
	default:
		if meta, ok := state["metadata"]; ok && meta.IsObject() {
			md := meta.ObjectValue().Copy()
			if _, named := md["name"]; !named {
				md["name"] = resource.NewStringProperty(args.Name + "-0a1b2c3d")
			}
			state["metadata"] = resource.NewObjectProperty(md)
		}
	}
	if args.TypeToken == typeService {
		spec := state["spec"].ObjectValue().Copy()
		ports := spec["ports"].ArrayValue()
		out := make([]resource.PropertyValue, len(ports))
		for i, p := range ports {
			pm := p.ObjectValue().Copy()
			if _, ok := pm["nodePort"]; !ok {
				pm["nodePort"] = resource.NewNumberProperty(mockNodePort)
			}
			out[i] = resource.NewObjectProperty(pm)
		}
		spec["ports"] = resource.NewArrayProperty(out)
		spec["clusterIP"] = resource.NewStringProperty(mockClusterIP) // the apiserver allocates it
		state["spec"] = resource.NewObjectProperty(spec)
	}
	return args.Name + "-id", state, nil
}

func (m *mocks) Call(pulumi.MockCallArgs) (resource.PropertyMap, error) {
	return resource.PropertyMap{}, nil
}

const fakeDigest = "6f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0"

func lastColon(s string) int {
	for i := len(s) - 1; i >= 0 && s[i] != '/'; i-- {
		if s[i] == ':' {
			return i
		}
	}
	return -1
}

// only returns the single resource of type typ.
func (m *mocks) only(t *testing.T, typ string) registered {
	t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if n := len(m.got[typ]); n != 1 {
		t.Fatalf("%d resources of type %s registered, want 1 (all: %v)", n, typ, m.typesLocked())
	}
	return m.got[typ][0]
}

func (m *mocks) count(typ string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.got[typ])
}

func (m *mocks) types() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.typesLocked()
}

// programTypes are the types of the resources the program registered (the
// stack resource is the mocks' own), sorted.
func (m *mocks) programTypes() []string {
	var mine []string
	for _, typ := range m.types() {
		if strings.HasPrefix(typ, "kubernetes:") || strings.HasPrefix(typ, "docker:") {
			mine = append(mine, typ)
		}
	}
	return mine
}

func (m *mocks) typesLocked() []string {
	var ts []string
	for t, rs := range m.got {
		for range rs {
			ts = append(ts, t)
		}
	}
	sort.Strings(ts)
	return ts
}

// withConfig sets the run's config ("cloudperf:KEY" → raw value), as the
// engine passes it to a program in PULUMI_CONFIG.
func withConfig(cfg map[string]string) pulumi.RunOption {
	return func(info *pulumi.RunInfo) { info.Config = cfg }
}

// withRoot sets the project root, as the Go language host does from
// PULUMI_ROOT_DIRECTORY.
func withRoot(dir string) pulumi.RunOption {
	return func(info *pulumi.RunInfo) { info.RootDirectory = dir }
}

// resolved are the Outputs' values after the run.
type resolved struct {
	Endpoint, Namespace, DeploymentName, ServiceName, HPAName, Image string
	NodePort                                                         int
}

// deploy runs Deploy(cfg) against mocks and returns what was registered and
// the resolved outputs.
func deploy(t *testing.T, cfg Config, opts ...pulumi.RunOption) (*mocks, resolved, error) {
	t.Helper()
	m := newMocks()
	var got resolved
	opts = append([]pulumi.RunOption{pulumi.WithMocks("cloudperf", "dev", m)}, opts...)
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		out, err := Deploy(ctx, cfg)
		if err != nil {
			return err
		}
		got = await(t, out)
		return nil
	}, opts...)
	return m, got, err
}

// run runs Run (Load → Deploy → Export) against mocks with the given
// config (nil: the process's PULUMI_CONFIG), and returns the exported names
// and values.
func run(t *testing.T, config map[string]string, opts ...pulumi.RunOption) (*mocks, map[string]any, error) {
	t.Helper()
	m := newMocks()
	exports := map[string]any{}
	pre := []pulumi.RunOption{pulumi.WithMocks("cloudperf", "dev", m)}
	if config != nil {
		pre = append(pre, withConfig(config))
	}
	opts = append(pre, opts...)
	err := pulumi.RunErr(func(ctx *pulumi.Context) error {
		if err := Run(ctx); err != nil {
			return err
		}
		names := []string{}
		outs := []any{}
		for name, in := range ctx.GetCurrentExportMap() {
			o, ok := in.(pulumi.Output)
			if !ok {
				return errors.New("export " + name + " is not an Output")
			}
			names = append(names, name)
			outs = append(outs, o)
		}
		done := make(chan []any, 1)
		pulumi.All(outs...).ApplyT(func(vs []any) error { done <- vs; return nil })
		vs := <-done
		for i, n := range names {
			exports[n] = vs[i]
		}
		return nil
	}, opts...)
	return m, exports, err
}

// await resolves the outputs inside a mocked run.
func await(t *testing.T, out *Outputs) resolved {
	t.Helper()
	done := make(chan resolved, 1)
	pulumi.All(out.Endpoint, out.NodePort, out.Namespace, out.DeploymentName, out.ServiceName, out.HPAName, out.Image).
		ApplyT(func(vs []any) error {
			done <- resolved{
				Endpoint: vs[0].(string), NodePort: vs[1].(int), Namespace: vs[2].(string),
				DeploymentName: vs[3].(string), ServiceName: vs[4].(string), HPAName: vs[5].(string),
				Image: vs[6].(string),
			}
			return nil
		})
	return <-done
}

// get walks a plain value along keys (string: map key, int: index).
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: %T is not an object", path, v)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at %v: %v has no element %d", path, v, k)
			}
			v = a[k]
		}
	}
	return v
}
