package stack

import (
	"os/exec"
	"strings"
	"testing"
)

// The client links this package, and must not link Pulumi's SDK through it
// (its terminal libraries stall the client's start; see client/deps_test.go):
// it imports the standard library only.
func TestLinksOnlyTheStandardLibrary(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	const self = "github.com/cloudperf/cloudperf/infra/stack"
	for _, pkg := range strings.Fields(string(out)) {
		if pkg != self {
			t.Errorf("infra/stack links %s: the stack contract must stay free of dependencies (no github.com/pulumi package)", pkg)
		}
	}
}
