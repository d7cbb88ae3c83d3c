package program

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// realPulumi finds the CLI (PATH, else where `make tools` builds it) and
// points it at a file backend in a temp folder, offline. It skips the test
// when there is no CLI; CI runs `make tools` first.
func realPulumi(t *testing.T) {
	t.Helper()
	cli, err := exec.LookPath("pulumi")
	if err != nil {
		cache := os.Getenv("XDG_CACHE_HOME")
		if cache == "" {
			home, _ := os.UserHomeDir()
			cache = filepath.Join(home, ".cache")
		}
		cli = filepath.Join(cache, "cloudperf", "tools", "bin", "pulumi")
		if _, err := os.Stat(cli); err != nil {
			t.Skipf("pulumi CLI not on PATH nor at %s: run `make tools` first", cli)
		}
	}
	tmp := t.TempDir()
	if err := os.MkdirAll(filepath.Join(tmp, "state"), 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + filepath.Join(tmp, "state"),
		"PULUMI_CONFIG_PASSPHRASE":                    "test",
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_HOME":                                 filepath.Join(tmp, "home"),
		"PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK":    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PATH": filepath.Dir(cli) + string(os.PathListSeparator) + os.Getenv("PATH"),
	} {
		t.Setenv(k, v)
	}
}

// TestConfigThroughRealEngine runs Load under the real engine with this
// repository's Pulumi.yaml (copied to a temp project, so no stack file
// lands in the checkout): the engine must accept the config schema, give
// the program the declared defaults, pass `pulumi config set` values, and
// the program must fail on bad ones with its message.
func TestConfigThroughRealEngine(t *testing.T) {
	realPulumi(t)
	project := t.TempDir()
	data, err := os.ReadFile(projectFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(project, "Pulumi.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(project, "infra"), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	// The inline program: Load, and export what it loaded.
	program := func(ctx *pulumi.Context) error {
		cfg, err := Load(ctx)
		if err != nil {
			return err
		}
		b, err := json.Marshal(cfg)
		if err != nil {
			return err
		}
		ctx.Export("config", pulumi.String(string(b)))
		return nil
	}
	s, err := auto.UpsertStackInlineSource(ctx, "config", "cloudperf", program, auto.WorkDir(project))
	if err != nil {
		t.Fatal(err)
	}
	loaded := func() Config {
		t.Helper()
		res, err := s.Up(ctx)
		if err != nil {
			t.Fatalf("up: %v", err)
		}
		var cfg Config
		if err := json.Unmarshal([]byte(res.Outputs["config"].Value.(string)), &cfg); err != nil {
			t.Fatal(err)
		}
		if len(cfg.NamespaceLabels) == 0 {
			cfg.NamespaceLabels = nil
		}
		return cfg
	}

	if got := loaded(); !reflect.DeepEqual(got, DefaultConfig()) {
		t.Errorf("with Pulumi.yaml's defaults the program loaded\n%+v\nwant DefaultConfig()\n%+v", got, DefaultConfig())
	}

	set := func(kv map[string]string) {
		t.Helper()
		for k, v := range kv {
			if err := s.SetConfig(ctx, k, auto.ConfigValue{Value: v}); err != nil {
				t.Fatalf("config set %s: %v", k, err)
			}
		}
	}
	set(map[string]string{
		"nodeAddress":     "192.168.49.2",
		"hpa.maxReplicas": "6",
		"drainDelay":      "3s",
		"namespace":       "perf",
		"createNamespace": "true",
	})
	// namespaceLabels is a JSON object in a string: one plain `config set`.
	set(map[string]string{"namespaceLabels": `{"pod-security.kubernetes.io/enforce":"restricted"}`})
	want := DefaultConfig()
	want.NodeAddress, want.HPA.MaxReplicas, want.DrainDelay = "192.168.49.2", 6, 3*time.Second
	want.Namespace, want.CreateNamespace = "perf", true
	want.NamespaceLabels = map[string]string{"pod-security.kubernetes.io/enforce": "restricted"}
	if got := loaded(); !reflect.DeepEqual(got, want) {
		t.Errorf("after config set the program loaded\n%+v\nwant\n%+v", got, want)
	}

	set(map[string]string{"hpa.minReplicas": "5", "hpa.maxReplicas": "3"})
	_, err = s.Up(ctx)
	if msg := "cloudperf:hpa.minReplicas (5) must not exceed cloudperf:hpa.maxReplicas (3)"; err == nil || !strings.Contains(err.Error(), msg) {
		t.Errorf("up with min > max: %v\nwant an error containing %q", err, msg)
	}
}
