package program

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// writeTree creates files (slash paths → content) under dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for p, content := range files {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// testProject is a project folder shaped like this repository.
func testProject(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{
		"Pulumi.yaml":         "name: cloudperf\nruntime: go\nmain: infra/\n",
		".dockerignore":       "*\n!go.mod\n!go.sum\n!app/\napp/**/*_test.go\n!client/\nclient/**/*_test.go\n",
		"go.mod":              "module example\n",
		"go.sum":              "",
		"app/Dockerfile":      "FROM scratch\nCOPY go.mod go.sum ./\nCOPY app/ ./app/\n",
		"app/main.go":         "package main\n",
		"app/hello/server.go": "package hello\n",
		"app/hello/x_test.go": "package hello\n",
		"client/Dockerfile":   "FROM scratch\nCOPY go.mod go.sum ./\nCOPY app/hello/ ./app/hello/\nCOPY client/ ./client/\n",
		"client/main.go":      "package main\n",
		"client/x_test.go":    "package main\n",
		"README.md":           "docs\n",
	})
	return dir
}

var tagRE = regexp.MustCompile(`^cloudperf-app:[0-9a-f]{16}$`)

func TestImageRefRegistersNoDockerResource(t *testing.T) {
	m, out := mustDeploy(t, refConfig())
	if n := m.count(typeImage); n != 0 {
		t.Fatalf("%d docker images registered with image.build=false, want 0", n)
	}
	eq(t, "container image", get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec", "containers", 0, "image"), testRef)
	eq(t, "image output", out.Image, testRef)
}

func TestImageBuildLocal(t *testing.T) {
	dir := testProject(t)
	m, out, err := deploy(t, DefaultConfig(), withRoot(dir))
	if err != nil {
		t.Fatal(err)
	}
	img := m.only(t, typeImage)
	name, _ := img.Inputs["imageName"].(string)
	if !tagRE.MatchString(name) {
		t.Errorf("imageName = %q, want cloudperf-app:<content tag>", name)
	}
	eq(t, "build", img.Inputs["build"], map[string]any{
		"context":        dir,
		"dockerfile":     filepath.Join(dir, "app", "Dockerfile"),
		"platform":       "linux/amd64",
		"builderVersion": "BuilderBuildKit",
	})
	eq(t, "skipPush", img.Inputs["skipPush"], true)
	if _, ok := img.Inputs["registry"]; ok {
		t.Errorf("registry set for a local image: %v", img.Inputs["registry"])
	}
	eq(t, "container image", get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec", "containers", 0, "image"), name)
	eq(t, "imagePullPolicy", get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec", "containers", 0, "imagePullPolicy"), "IfNotPresent")
	eq(t, "image output", out.Image, name)
}

func TestImageBuildPush(t *testing.T) {
	dir := testProject(t)
	cfg := DefaultConfig()
	cfg.Image.Push = true
	cfg.Image.Registry = "ghcr.io/me"
	cfg.Image.RegistryUsername = "me"
	cfg.Image.RegistryPassword = "hunter2"
	cfg.Image.Platform = "linux/arm64"
	m, out, err := deploy(t, cfg, withRoot(dir))
	if err != nil {
		t.Fatal(err)
	}
	img := m.only(t, typeImage)
	name := img.Inputs["imageName"].(string)
	if !regexp.MustCompile(`^ghcr\.io/me/cloudperf-app:[0-9a-f]{16}$`).MatchString(name) {
		t.Errorf("imageName = %q", name)
	}
	eq(t, "skipPush", img.Inputs["skipPush"], false)
	eq(t, "platform", get(t, img.Inputs, "build", "platform"), "linux/arm64")
	reg := img.Raw["registry"].ObjectValue()
	eq(t, "registry server", reg["server"].StringValue(), "ghcr.io")
	eq(t, "registry username", reg["username"].StringValue(), "me")
	if !reg["password"].IsSecret() {
		t.Errorf("registry password is not a secret: %v", reg["password"])
	}
	// The pod runs the pushed digest, not the mutable tag.
	want := "ghcr.io/me/cloudperf-app@sha256:" + fakeDigest
	eq(t, "container image", get(t, m.only(t, typeDeployment).Inputs, "spec", "template", "spec", "containers", 0, "image"), want)
	eq(t, "image output", out.Image, want)
}

func TestImageTagFollowsSources(t *testing.T) {
	dir := testProject(t)
	tag := func() string {
		t.Helper()
		m, _, err := deploy(t, DefaultConfig(), withRoot(dir))
		if err != nil {
			t.Fatal(err)
		}
		return m.only(t, typeImage).Inputs["imageName"].(string)
	}
	first := tag()
	eq(t, "same sources, same tag", tag(), first)

	// Files the build does not see leave the tag alone.
	writeTree(t, dir, map[string]string{"client/main.go": "package main // changed\n", "app/hello/x_test.go": "package hello // changed\n"})
	eq(t, "tag after changes outside the build context", tag(), first)

	// A source file of the image changes it: the Deployment rolls.
	writeTree(t, dir, map[string]string{"app/hello/server.go": "package hello // changed\n"})
	second := tag()
	if second == first {
		t.Fatalf("tag %s unchanged after app/hello/server.go changed", first)
	}
	writeTree(t, dir, map[string]string{"app/Dockerfile": "FROM scratch\nUSER 65532\n"})
	if third := tag(); third == second {
		t.Fatalf("tag %s unchanged after app/Dockerfile changed", second)
	}
}

func TestImagePathsResolveFromProjectRoot(t *testing.T) {
	// Without a root directory from the engine (inline programs, mocks) the
	// program walks up from the working directory (infra/program) to the
	// repository's Pulumi.yaml, so the defaults "." and "app/Dockerfile"
	// name the real build context.
	repo, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(repo, "app", "Dockerfile")); err != nil {
		t.Skip("app/Dockerfile not in this checkout")
	}
	m, _, err := deploy(t, DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	build := m.only(t, typeImage).Inputs["build"]
	eq(t, "context", get(t, build, "context"), repo)
	eq(t, "dockerfile", get(t, build, "dockerfile"), filepath.Join(repo, "app", "Dockerfile"))
}

func TestImageAbsolutePaths(t *testing.T) {
	dir := testProject(t)
	cfg := DefaultConfig()
	cfg.Image.Context = dir
	cfg.Image.Dockerfile = filepath.Join(dir, "app", "Dockerfile")
	m, _, err := deploy(t, cfg, withRoot(t.TempDir()))
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "context", get(t, m.only(t, typeImage).Inputs, "build", "context"), dir)
}

func TestImageMissingFiles(t *testing.T) {
	for _, tc := range []struct {
		name    string
		mutate  func(*Config)
		wantKey string
	}{
		{"no dockerfile", func(c *Config) { c.Image.Dockerfile = "nope/Dockerfile" }, "cloudperf:image.dockerfile"},
		{"no context", func(c *Config) { c.Image.Context = "nope" }, "cloudperf:image.context"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			tc.mutate(&cfg)
			m, _, err := deploy(t, cfg, withRoot(testProject(t)))
			if err == nil || !strings.Contains(err.Error(), tc.wantKey) {
				t.Fatalf("error = %v, want one naming %s", err, tc.wantKey)
			}
			if n := m.count(typeDeployment); n != 0 {
				t.Errorf("Deployment registered despite the image error")
			}
		})
	}
}
