package program

import (
	"fmt"
	"io"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/pulumi/pulumi/sdk/v3/go/common/diag"
	"github.com/pulumi/pulumi/sdk/v3/go/common/diag/colors"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/config"
	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
)

const (
	projectFile  = "../../Pulumi.yaml"
	devStackFile = "../../Pulumi.dev.yaml"
)

// loadProject reads Pulumi.yaml the way the CLI does, schema checks included.
func loadProject(t *testing.T) *workspace.Project {
	t.Helper()
	proj, err := workspace.LoadProject(projectFile)
	if err != nil {
		t.Fatalf("Pulumi.yaml: %v", err)
	}
	return proj
}

// keysRead lists every key load reads.
func keysRead(t *testing.T) []string {
	t.Helper()
	var keys []string
	_, _ = load(func(k string) (string, bool) {
		keys = append(keys, strings.TrimPrefix(k, Namespace+":"))
		return "", false
	})
	sort.Strings(keys)
	return keys
}

// projectDefaults are the config values the engine gives a stack that sets
// nothing: each default stringified as pkg/workspace createConfigValue does.
func projectDefaults(t *testing.T, proj *workspace.Project) map[string]string {
	t.Helper()
	vals := map[string]string{}
	for key, ct := range proj.Config {
		v := config.NewValue(fmt.Sprintf("%v", ct.Default))
		if m, ok := ct.Default.(map[string]any); ok {
			if len(m) != 0 {
				t.Fatalf("%s: object default %v: the test only knows {}", key, m)
			}
			v = config.NewObjectValue("{}")
		}
		s, err := v.Value(config.NopDecrypter)
		if err != nil {
			t.Fatal(err)
		}
		vals[Namespace+":"+key] = s
	}
	return vals
}

func TestPulumiYAMLProject(t *testing.T) {
	proj := loadProject(t)
	if proj.Name != "cloudperf" || proj.Runtime.Name() != "go" || proj.Main != "infra/" {
		t.Errorf("name %q runtime %q main %q, want cloudperf, go, infra/", proj.Name, proj.Runtime.Name(), proj.Main)
	}
	if proj.Description == nil || *proj.Description == "" {
		t.Error("Pulumi.yaml has no description")
	}
}

func TestPulumiYAMLDeclaresEveryKey(t *testing.T) {
	proj := loadProject(t)
	var declared []string
	for key, ct := range proj.Config {
		declared = append(declared, key)
		if !ct.IsExplicitlyTyped() {
			t.Errorf("%s: no type", key)
		}
		if ct.Description == "" {
			t.Errorf("%s: no description", key)
		}
		// A key without default would be required of every stack.
		if ct.Default == nil {
			t.Errorf("%s: no default", key)
		}
	}
	sort.Strings(declared)
	if read := keysRead(t); !reflect.DeepEqual(declared, read) {
		t.Errorf("Pulumi.yaml declares\n%v\nthe program reads\n%v", declared, read)
	}
}

func TestPulumiYAMLDefaultsAreDefaultConfig(t *testing.T) {
	proj := loadProject(t)
	got, err := load(mapSource(projectDefaults(t, proj)))
	if err != nil {
		t.Fatalf("the declared defaults do not load: %v", err)
	}
	want := DefaultConfig()
	// {} and nil are the same empty label set.
	if len(got.NamespaceLabels) == 0 {
		got.NamespaceLabels = nil
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Pulumi.yaml defaults load as\n%+v\nDefaultConfig() is\n%+v", got, want)
	}
}

// The containers' resources, the app's and the load generator's: each key
// declared as a string (a quantity, "1" included) with DefaultConfig's value.
func TestPulumiYAMLResources(t *testing.T) {
	proj := loadProject(t)
	def := DefaultConfig()
	for key, want := range map[string]string{
		KeyCPURequest:           def.Resources.CPURequest,
		KeyCPULimit:             def.Resources.CPULimit,
		KeyMemoryRequest:        def.Resources.MemoryRequest,
		KeyMemoryLimit:          def.Resources.MemoryLimit,
		KeyLoadgenCPURequest:    def.Loadgen.Resources.CPURequest,
		KeyLoadgenCPULimit:      def.Loadgen.Resources.CPULimit,
		KeyLoadgenMemoryRequest: def.Loadgen.Resources.MemoryRequest,
		KeyLoadgenMemoryLimit:   def.Loadgen.Resources.MemoryLimit,
	} {
		ct, ok := proj.Config[key]
		if !ok {
			t.Errorf("Pulumi.yaml does not declare %s", key)
			continue
		}
		if ct.TypeName() != "string" {
			t.Errorf("%s: type %s, want string", key, ct.TypeName())
		}
		if got, ok := ct.Default.(string); !ok || got != want {
			t.Errorf("%s: default %#v, want %q", key, ct.Default, want)
		}
	}
}

func TestPulumiDevStack(t *testing.T) {
	proj := loadProject(t)
	sink := diag.DefaultSink(io.Discard, io.Discard, diag.FormatOptions{Color: colors.Never})
	st, err := workspace.LoadProjectStack(sink, proj, devStackFile)
	if err != nil {
		t.Fatalf("Pulumi.dev.yaml: %v", err)
	}
	vals := projectDefaults(t, proj)
	for key, v := range st.Config {
		if key.Namespace() != Namespace {
			t.Errorf("Pulumi.dev.yaml sets %s outside the cloudperf namespace", key)
			continue
		}
		if _, ok := proj.Config[key.Name()]; !ok {
			t.Errorf("Pulumi.dev.yaml sets %s, which Pulumi.yaml does not declare", key)
		}
		s, err := v.Value(config.NopDecrypter)
		if err != nil {
			t.Fatal(err)
		}
		vals[key.String()] = s
	}
	cfg, err := load(mapSource(vals))
	if err != nil {
		t.Fatalf("the dev stack's config does not load: %v", err)
	}
	if !cfg.Image.Build || cfg.Image.Push {
		t.Errorf("dev stack: image.build %v, image.push %v; want a local build, not pushed", cfg.Image.Build, cfg.Image.Push)
	}
}
