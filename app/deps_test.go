package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The service is ordinary net/http code in a room of its own: it links no
// package of the client's or infra's.
func TestLinksNoOtherProgram(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, other := range []string{"github.com/cloudperf/cloudperf/client/", "github.com/cloudperf/cloudperf/infra/"} {
			if strings.HasPrefix(pkg, other) {
				t.Errorf("the app links %s", pkg)
			}
		}
	}
}
