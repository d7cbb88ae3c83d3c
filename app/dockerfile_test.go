package main

import (
	"os"
	"testing"

	"github.com/cloudperf/cloudperf/app/dockerfilecheck"
)

// No Docker engine runs in CI, so the image is checked by parsing app/Dockerfile
// with BuildKit's own parser and holding it to the rules of the issue (see
// app/dockerfilecheck, shared with client/Dockerfile).

func TestDockerfile(t *testing.T) {
	src, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	goVersion, err := dockerfilecheck.GoModVersion("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	rules := dockerfilecheck.Rules{GoVersion: goVersion, Sources: []string{"go.mod", "go.sum", "app/"}, Expose: "5000"}
	for _, p := range dockerfilecheck.Check(string(src), rules) {
		t.Errorf("app/Dockerfile: %s", p)
	}
}
