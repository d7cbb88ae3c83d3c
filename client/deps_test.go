package main

import (
	"os/exec"
	"strings"
	"testing"
)

// The client starts at once and writes nothing to the terminal it did not
// mean to: it links no terminal UI library. Pulumi's SDK brought in
// charmbracelet/bubbletea, whose package init asks the terminal for its
// background colour (ESC]11;?) and waits up to 5 s for an answer that tmux,
// screen, CI logs and many IDE terminals never give. client/stack runs the
// pulumi CLI instead of linking the SDK.
func TestLinksNoTerminalUIOrPulumiSDK(t *testing.T) {
	for _, pkg := range deps(t, ".") {
		for _, banned := range []string{"github.com/charmbracelet/", "github.com/muesli/termenv", "github.com/pulumi/pulumi/sdk/"} {
			if strings.HasPrefix(pkg, banned) {
				t.Errorf("the client links %s", pkg)
			}
		}
	}
}

// In a terminal that never answers colour queries (script(1) gives the
// client a pseudo-terminal that does not) the client writes no escape
// sequence: `--help` prints the help and nothing else.
func TestNoEscapeCodesInASilentTerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) to give the client a terminal")
	}
	bin := buildClient(t)
	out, err := exec.Command(script, "-qec", bin+" --help", "/dev/null").CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%q", err, out)
	}
	if !strings.Contains(string(out), "--url") {
		t.Fatalf("no help in %q", out)
	}
	if i := strings.IndexByte(string(out), 0x1b); i >= 0 {
		t.Errorf("escape sequence in the output: %q", out[i:min(len(out), i+16)])
	}
}

// Each room links only what it needs: what describes a run (plan, results)
// and what reads one (kube, report, capacity) link neither the load engine
// nor its HTTP engine, and plan links nothing beyond the standard library.
func TestRoomsLinkNoEngine(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	const module = "github.com/cloudperf/cloudperf/client/"
	engine := []string{module + "load", "github.com/valyala/fasthttp"}
	for _, tt := range []struct {
		pkg    string
		banned []string // import paths, or "." for any package outside the standard library
	}{
		{"plan", []string{"."}},
		{"results", engine},
		{"kube", engine},
		{"report", engine},
		{"capacity", engine},
	} {
		t.Run(tt.pkg, func(t *testing.T) {
			for _, dep := range deps(t, "./"+tt.pkg) {
				for _, banned := range tt.banned {
					outside := banned == "." && dep != module+tt.pkg && strings.Contains(strings.Split(dep, "/")[0], ".")
					if outside || dep == banned || strings.HasPrefix(dep, banned+"/") {
						t.Errorf("client/%s links %s", tt.pkg, dep)
					}
				}
			}
		})
	}
}

// Every run of the generator pays for what its packages' init does, watching
// a cluster or not: client-go's clientset scheme registers every API group
// at init and, with the apply configurations the typed clients bring, made
// the peak RSS at 10k/s 8 MiB larger; client-go/testing (the fakes, which
// gentype links) added managed fields and OpenAPI. client/kube uses neither.
func TestLinksNoClientsetScheme(t *testing.T) {
	for _, pkg := range deps(t, ".") {
		for _, banned := range []string{"k8s.io/client-go/kubernetes", "k8s.io/client-go/applyconfigurations", "k8s.io/client-go/informers", "k8s.io/client-go/testing"} {
			if pkg == banned || strings.HasPrefix(pkg, banned+"/") {
				t.Errorf("the client links %s", pkg)
			}
		}
	}
}

// deps is what `go list -deps pkg` lists: every package pkg links.
func deps(t *testing.T, pkg string) []string {
	t.Helper()
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
	}
	return strings.Fields(string(out))
}

// The embedded service (--local) runs without metrics: nobody can scrape a
// server on a random port inside the client, and Prometheus' client with
// the protobuf runtime it brings made the client's binary 2.4 MB larger and
// its peak RSS at 10k/s 2.2 MiB larger, run after run, local or not.
func TestLinksNoPrometheus(t *testing.T) {
	for _, pkg := range deps(t, ".") {
		for _, banned := range []string{"github.com/prometheus/", "google.golang.org/protobuf/", "github.com/cloudperf/cloudperf/app/metrics"} {
			if strings.HasPrefix(pkg+"/", banned) {
				t.Errorf("the client links %s", pkg)
			}
		}
	}
}
