package dockerfile

import (
	"bytes"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// No Docker engine runs in CI, so the images are checked by parsing
// app/Dockerfile and client/Dockerfile with BuildKit's parser (Check) and by
// checking that the context the root .dockerignore lets through holds what
// the client's build needs. Paths are from the repository root.

// root is the repository root, from this package's folder.
const root = "../.."

// clientSources are what client/Dockerfile copies: the client, the service
// it embeds for --local and the stack contract.
var clientSources = []string{"go.mod", "go.sum", "app/hello/", "infra/stack/", "client/"}

func TestDockerfiles(t *testing.T) {
	goVersion, err := GoModVersion(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		file       string
		rules      Rules
		entrypoint string
	}{
		{"app/Dockerfile", Rules{GoVersion: goVersion, Sources: []string{"go.mod", "go.sum", "app/"}, Expose: "5000"}, `ENTRYPOINT ["/app"]`},
		{"client/Dockerfile", Rules{GoVersion: goVersion, Sources: clientSources}, `ENTRYPOINT ["/client"]`},
	} {
		src, err := os.ReadFile(filepath.Join(root, tc.file))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range Check(string(src), tc.rules) {
			t.Errorf("%s: %s", tc.file, p)
		}
		if !bytes.Contains(src, []byte(tc.entrypoint)) {
			t.Errorf("%s: want %s", tc.file, tc.entrypoint)
		}
	}
}

// dockerignore is the root .dockerignore, matched by Docker's own matcher.
func dockerignore(t *testing.T) *patternmatcher.PatternMatcher {
	t.Helper()
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		t.Fatal(err)
	}
	return pm
}

// contextFiles lists what a build from the repository root sees.
func contextFiles(t *testing.T) []string {
	t.Helper()
	pm := dockerignore(t)
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if rel == "." || d.IsDir() {
			if rel == ".git" {
				return filepath.SkipDir
			}
			return nil
		}
		if out, err := pm.MatchesOrParentMatches(rel); err != nil || !out {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func TestDockerignore(t *testing.T) {
	pm := dockerignore(t)
	for path, want := range map[string]bool{
		// In: the client (with its embedded report assets), the service.
		"go.mod": true, "go.sum": true,
		"client/main.go": true, "client/cli/merge.go": true, "client/results/merge.go": true,
		"client/report/assets/report.js": true, "client/Dockerfile": true,
		"app/main.go": true, "app/hello/server.go": true, "app/Dockerfile": true,
		// Out: tests, test binaries, everything else.
		"client/cli/merge_test.go": false, "client/load/load.test": false, "app/hello/server_test.go": false,
		"infra/dockerfile/check.go": false, "infra/dockerfile/images_test.go": false,
		"infra/stack/outputs.go": true, "infra/stack/project_test.go": false,
		"infra/program/config.go": false, "Pulumi.yaml": false, "README.md": false, ".git/config": false,
	} {
		out, err := pm.MatchesOrParentMatches(path)
		if err != nil {
			t.Fatal(err)
		}
		if out == want {
			t.Errorf("%s: in the build context %v, want %v", path, !out, want)
		}
	}
	// Every file of the packages the client builds from is in the context.
	for _, f := range contextFiles(t) {
		if strings.HasSuffix(f, "_test.go") {
			t.Errorf("%s: a test in the build context", f)
		}
	}
}

// The context holds everything go build needs for ./client: copied to a
// folder as client/Dockerfile lays it out, every package resolves (embedded
// files included) without the rest of the repository.
func TestContextBuildsTheClient(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	dir := t.TempDir()
	copied := 0
	for _, f := range contextFiles(t) {
		if !inSources(f) {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
		copied++
	}
	if copied == 0 {
		t.Fatal("nothing copied")
	}
	cmd := exec.Command(goTool, "list", "-deps", "-f", "{{with .Error}}{{.}}{{end}}{{range .DepsErrors}}{{.}}{{end}}", "./client")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=readonly", "GOPROXY=off", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Fatalf("go list ./client in the build context: %v\n%s", err, out)
	}
}

// inSources reports whether client/Dockerfile copies f.
func inSources(f string) bool {
	for _, s := range clientSources {
		if f == s || strings.HasSuffix(s, "/") && strings.HasPrefix(f, s) {
			return true
		}
	}
	return false
}
