package stack

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	contract "github.com/cloudperf/cloudperf/infra/stack"
)

// pulumiCLI finds the real CLI: on PATH, else where `make tools` builds it.
// Without it the test is skipped (CI runs `make tools` first, so there it
// always runs).
func pulumiCLI(t *testing.T) string {
	t.Helper()
	if p, err := exec.LookPath("pulumi"); err == nil {
		return p
	}
	cache := os.Getenv("XDG_CACHE_HOME")
	if cache == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			t.Skipf("pulumi CLI not on PATH and no home folder: run `make tools` first")
		}
		cache = filepath.Join(home, ".cache")
	}
	p := filepath.Join(cache, "cloudperf", "tools", "bin", "pulumi")
	if fi, err := os.Stat(p); err != nil || fi.IsDir() {
		t.Skipf("pulumi CLI not on PATH nor at %s: run `make tools` first", p)
	}
	return p
}

// offlinePulumi points the CLI at a file backend in a temp folder, with no
// update checks, plugin downloads or prompts, and returns a project folder
// (Pulumi.yaml: name cloudperf, runtime go) like this repository's.
func offlinePulumi(t *testing.T, cli string) (project string) {
	t.Helper()
	tmp := t.TempDir()
	project = filepath.Join(tmp, "project")
	mkfile(t, filepath.Join(project, "Pulumi.yaml"), "name: cloudperf\nruntime: go\nmain: infra/\n")
	if err := os.MkdirAll(filepath.Join(project, "infra"), 0o755); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"PULUMI_BACKEND_URL":                          "file://" + filepath.Join(tmp, "state"),
		"PULUMI_CONFIG_PASSPHRASE":                    "test",
		"PULUMI_SKIP_UPDATE_CHECK":                    "true",
		"PULUMI_HOME":                                 filepath.Join(tmp, "pulumi-home"),
		"PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK":    "true",
		"PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
		"PATH": filepath.Dir(cli) + string(os.PathListSeparator) + os.Getenv("PATH"),
	} {
		t.Setenv(k, v)
	}
	if err := os.MkdirAll(filepath.Join(tmp, "state"), 0o755); err != nil {
		t.Fatal(err)
	}
	return project
}

// upStack deploys an inline program that only exports outputs, into the
// project's stack name: no language host or provider plugin is involved.
func upStack(ctx context.Context, t *testing.T, project, name string, outputs map[string]any) {
	t.Helper()
	program := func(ctx *pulumi.Context) error {
		for k, v := range outputs {
			ctx.Export(k, pulumi.Any(v))
		}
		return nil
	}
	s, err := auto.UpsertStackInlineSource(ctx, name, "cloudperf", program, auto.WorkDir(project))
	if err != nil {
		t.Fatalf("create stack %s: %v", name, err)
	}
	if _, err := s.Up(ctx); err != nil {
		t.Fatalf("up %s: %v", name, err)
	}
}

func TestReadRealPulumi(t *testing.T) {
	cli := pulumiCLI(t)
	project := offlinePulumi(t, cli)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	upStack(ctx, t, project, "partial", map[string]any{"namespace": "default", "image": "cloudperf-app:abc"})
	upStack(ctx, t, project, "bad", map[string]any{"endpoint": "192.168.49.2:30080"})
	want := map[string]any{
		"endpoint":   "http://127.0.0.1:30080",
		"nodePort":   30080,
		"namespace":  "default",
		"deployment": "cloudperf-1a2b3c4d",
		"service":    "cloudperf-5e6f7a8b",
		"hpa":        "cloudperf-9c0d1e2f",
		"image":      "cloudperf-app:0123456789abcdef",
	}
	upStack(ctx, t, project, "test", want) // created last: the selected stack

	t.Run("outputs", func(t *testing.T) {
		// From a folder below the project, as `client --from-stack` runs.
		out, err := Read(ctx, Options{ProjectDir: filepath.Join(project, "infra"), Stack: "test"})
		if err != nil {
			t.Fatal(err)
		}
		got := Outputs{
			Endpoint: "http://127.0.0.1:30080", NodePort: 30080, Namespace: "default",
			Deployment: "cloudperf-1a2b3c4d", Service: "cloudperf-5e6f7a8b", HPA: "cloudperf-9c0d1e2f",
			Image: "cloudperf-app:0123456789abcdef", Raw: out.Raw,
		}
		if !reflect.DeepEqual(out, got) {
			t.Errorf("Read = %+v\nwant %+v", out, got)
		}
		if len(out.Raw) != len(want) {
			t.Errorf("Raw = %v, want the %d outputs", out.Raw, len(want))
		}
		if err := out.Require(contract.OutputNames()...); err != nil {
			t.Error(err)
		}
	})

	t.Run("selected stack", func(t *testing.T) {
		out, err := Read(ctx, Options{ProjectDir: project})
		if err != nil || out.Endpoint != "http://127.0.0.1:30080" {
			t.Errorf("Read(no stack name) = %+v, %v; want the selected stack test", out, err)
		}
	})

	t.Run("missing stack lists the stacks", func(t *testing.T) {
		_, err := Read(ctx, Options{ProjectDir: project, Stack: "prod"})
		t.Log(err)
		var nf *StackNotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("error %T %v, want *StackNotFoundError", err, err)
		}
		for _, s := range []string{"bad", "partial", "test"} {
			if !slices.ContainsFunc(nf.Available, func(a string) bool { return a == s || strings.HasSuffix(a, "/"+s) }) {
				t.Errorf("Available = %v, missing %s", nf.Available, s)
			}
		}
		if !strings.Contains(err.Error(), "test") || strings.Contains(err.Error(), "\n") {
			t.Errorf("message %q", err)
		}
	})

	t.Run("missing output lists the outputs", func(t *testing.T) {
		_, err := Read(ctx, Options{ProjectDir: project, Stack: "partial"})
		t.Log(err)
		var missing *OutputMissingError
		if !errors.As(err, &missing) {
			t.Fatalf("error %T %v, want *OutputMissingError", err, err)
		}
		if missing.Output != contract.OutputEndpoint || !reflect.DeepEqual(missing.Available, []string{"image", "namespace"}) {
			t.Errorf("missing %q, available %v", missing.Output, missing.Available)
		}
		if !strings.Contains(err.Error(), `stack "partial" has no output "endpoint"; its outputs: image, namespace`) {
			t.Errorf("message %q", err)
		}
	})

	t.Run("malformed endpoint shows the value", func(t *testing.T) {
		_, err := Read(ctx, Options{ProjectDir: project, Stack: "bad"})
		t.Log(err)
		var bad *EndpointError
		if !errors.As(err, &bad) || bad.Value != "192.168.49.2:30080" {
			t.Fatalf("error %T %v, want *EndpointError with the value", err, err)
		}
		if !strings.Contains(err.Error(), `"192.168.49.2:30080"`) {
			t.Errorf("message %q", err)
		}
	})

	t.Run("no project", func(t *testing.T) {
		_, err := Read(ctx, Options{ProjectDir: t.TempDir(), Stack: "test"})
		var nf *ProjectNotFoundError
		if !errors.As(err, &nf) {
			t.Fatalf("error %T %v, want *ProjectNotFoundError", err, err)
		}
	})

	t.Run("backend failure is one line", func(t *testing.T) {
		// A backend URL the CLI cannot use: the CLI's error line, no noise.
		t.Setenv("PULUMI_BACKEND_URL", "nosuchscheme://x")
		_, err := Read(ctx, Options{ProjectDir: project, Stack: "test"})
		t.Log(err)
		var ce *CommandError
		if !errors.As(err, &ce) {
			t.Fatalf("error %T %v, want *CommandError", err, err)
		}
		if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "pulumi stack ls") {
			t.Errorf("message %q", err)
		}
	})
}

func TestReadWithoutCLI(t *testing.T) {
	project := t.TempDir()
	mkfile(t, filepath.Join(project, "Pulumi.yaml"), "name: cloudperf\nruntime: go\n")
	home := t.TempDir()
	t.Setenv("PATH", "")
	t.Setenv("HOME", home)
	t.Setenv("PULUMI_HOME", filepath.Join(home, "pulumi-home"))

	_, err := Read(context.Background(), Options{ProjectDir: project, Stack: "dev"})
	t.Log(err)
	var nf *CLINotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("error %T %v, want *CLINotFoundError", err, err)
	}
	msg := err.Error()
	for _, want := range []string{"pulumi CLI not found on PATH", filepath.Join(home, "pulumi-home", "bin", "pulumi"), "PULUMI_HOME", "install"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q does not contain %q", msg, want)
		}
	}
	if strings.Contains(msg, "\n") {
		t.Errorf("message is not one line: %q", msg)
	}
}

func TestReadFindsCLIInPulumiHome(t *testing.T) {
	// Installed by get.pulumi.com into $PULUMI_HOME/bin but not on PATH:
	// Read still finds it. A stub CLI that only answers `version` proves it.
	home := t.TempDir()
	bin := filepath.Join(home, "bin", "pulumi")
	mkfile(t, bin, "#!/bin/sh\nif [ \"$1\" = version ]; then echo v3.276.0; exit 0; fi\necho 'error: stub CLI' >&2\nexit 1\n")
	if err := os.Chmod(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	sh, _ := exec.LookPath("sh")
	project := t.TempDir()
	mkfile(t, filepath.Join(project, "Pulumi.yaml"), "name: cloudperf\nruntime: go\n")
	t.Setenv("PATH", filepath.Dir(sh)+"-nonexistent") // no pulumi, and the stub's #!/bin/sh is absolute
	t.Setenv("PULUMI_HOME", home)
	t.Setenv("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", "true")

	_, err := Read(context.Background(), Options{ProjectDir: project, Stack: "dev"})
	var ce *CommandError
	if !errors.As(err, &ce) || ce.Message != "stub CLI" {
		t.Fatalf("error %T %v, want the stub's CommandError", err, err)
	}
}

// Read runs the CLI itself: `pulumi stack ls --json` and `pulumi stack
// output --json --stack NAME` in the project's folder, never interactively.
// A stub CLI on PATH answers as the real one does and records its calls.
func TestReadRunsTheCLI(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	bin := t.TempDir()
	calls := filepath.Join(t.TempDir(), "calls")
	mkfile(t, filepath.Join(bin, "pulumi"), `#!`+sh+`
echo "$PWD|$*|$PULUMI_SKIP_UPDATE_CHECK" >> `+calls+`
case "$*" in
"stack ls --json --non-interactive") echo '[{"name":"dev","current":false},{"name":"org/cloudperf/test","current":true}]' ;;
"stack output --json --stack org/cloudperf/test --non-interactive") echo '{"endpoint":"http://127.0.0.1:30080","namespace":"default"}' ;;
*) echo "error: unexpected call $*" >&2; exit 1 ;;
esac
`)
	if err := os.Chmod(filepath.Join(bin, "pulumi"), 0o755); err != nil {
		t.Fatal(err)
	}
	project := t.TempDir()
	mkfile(t, filepath.Join(project, "Pulumi.yaml"), "name: cloudperf\nruntime: go\n")
	if err := os.MkdirAll(filepath.Join(project, "infra"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	t.Setenv("PULUMI_SKIP_UPDATE_CHECK", "")
	os.Unsetenv("PULUMI_SKIP_UPDATE_CHECK")

	for _, name := range []string{"test", ""} { // by name (a bare name matches org/project/name), and the selected one
		out, err := Read(context.Background(), Options{ProjectDir: filepath.Join(project, "infra"), Stack: name})
		if err != nil {
			t.Fatalf("Read(%q): %v", name, err)
		}
		if out.Endpoint != "http://127.0.0.1:30080" || out.Namespace != "default" {
			t.Errorf("Read(%q) = %+v", name, out)
		}
	}
	b, err := os.ReadFile(calls)
	if err != nil {
		t.Fatal(err)
	}
	dir, _ := filepath.EvalSymlinks(project)
	for _, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		wd, rest, _ := strings.Cut(line, "|")
		if got, _ := filepath.EvalSymlinks(wd); got != dir {
			t.Errorf("ran in %s, want the project %s", wd, dir)
		}
		if !strings.HasSuffix(rest, "--non-interactive|true") {
			t.Errorf("call %q: want --non-interactive and no update check", rest)
		}
	}

	_, err = Read(context.Background(), Options{ProjectDir: project, Stack: "prod"})
	var nf *StackNotFoundError
	if !errors.As(err, &nf) || !strings.Contains(err.Error(), "stacks there: dev, org/cloudperf/test") {
		t.Errorf("missing stack: %T %v", err, err)
	}
}
