package stack

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func mkfile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Without a project above, the client's error names where it looked and
// what to pass instead; with one, the walk (infra/stack's) finds it.
func TestFindProject(t *testing.T) {
	root := t.TempDir()
	mkfile(t, filepath.Join(root, "Pulumi.yaml"), "name: cloudperf\n")
	below := filepath.Join(root, "client", "load")
	mkfile(t, filepath.Join(below, "run.go"), "package load\n")
	if got, err := FindProject(below); err != nil || got != root {
		t.Errorf("FindProject(%s) = %q, %v; want %s", below, got, err, root)
	}

	none := t.TempDir()
	_, err := FindProject(none)
	var nf *ProjectNotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("FindProject(%s) error = %v, want *ProjectNotFoundError", none, err)
	}
	if !strings.Contains(err.Error(), none) || !strings.Contains(err.Error(), "--project-dir") {
		t.Errorf("message %q should name %s and suggest --project-dir", err, none)
	}
}

func TestErrorsAreOneActionableLine(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want []string
	}{
		{&CLINotFoundError{Searched: []string{"/h/.pulumi/bin/pulumi"}},
			[]string{"pulumi CLI not found on PATH", "/h/.pulumi/bin/pulumi", "install", "PULUMI_HOME", "PATH"}},
		{&ProjectNotFoundError{Start: "/tmp/x"}, []string{"no Pulumi.yaml", "/tmp/x", "--project-dir"}},
		{&StackNotFoundError{Stack: "prod", ProjectDir: "/repo", Available: []string{"dev", "e2e"}},
			[]string{`no stack "prod" in /repo`, "stacks there: dev, e2e"}},
		{&StackNotFoundError{Stack: "dev", ProjectDir: "/repo"}, []string{`no stack "dev"`, "no stacks yet", "pulumi up", "PULUMI_BACKEND_URL"}},
		{&StackNotFoundError{ProjectDir: "/repo", Available: []string{"dev"}}, []string{"no stack selected", "stacks there: dev"}},
		{&OutputMissingError{Stack: "dev", Output: "endpoint", Available: []string{"image", "namespace"}},
			[]string{`stack "dev" has no output "endpoint"`, "its outputs: image, namespace"}},
		{&EndpointError{Stack: "dev", Value: "http://x", Reason: "it has no port"},
			[]string{`stack "dev"'s endpoint output "http://x"`, "it has no port", "nodeAddress"}},
		{&OutputTypeError{Stack: "dev", Output: "nodePort", Value: "x", Want: "a port"}, []string{`"nodePort" is "x", want a port`}},
		{&CommandError{Command: "pulumi stack ls", ProjectDir: "/repo", Message: "PULUMI_ACCESS_TOKEN must be set"},
			[]string{"`pulumi stack ls` in /repo failed: PULUMI_ACCESS_TOKEN must be set"}},
	} {
		msg := tc.err.Error()
		if strings.Contains(msg, "\n") {
			t.Errorf("%T is not one line: %q", tc.err, msg)
		}
		for _, w := range tc.want {
			if !strings.Contains(msg, w) {
				t.Errorf("%T: %q does not contain %q", tc.err, msg, w)
			}
		}
	}
}

func TestCLIMessage(t *testing.T) {
	for _, tc := range []struct{ stderr, want string }{
		{"error: no stack named 'x' found\n", "no stack named 'x' found"},
		{"warning: something\nerror: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions\n",
			"PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions"},
		{"panic-ish noise\n  last line  \n\n", "last line"},
		{"", "no error message"},
	} {
		if got := cliMessage(tc.stderr); got != tc.want {
			t.Errorf("cliMessage(%q) = %q, want %q", tc.stderr, got, tc.want)
		}
	}
}
