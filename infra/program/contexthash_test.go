package program

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDockerignoreMatching(t *testing.T) {
	// This repository's .dockerignore.
	repoRules := "# comment\n*\n!go.mod\n!go.sum\n!app/\napp/**/*_test.go\n!client/\nclient/**/*_test.go\nclient/**/*.test\n!infra/stack/\ninfra/stack/*_test.go\n"
	if data, err := os.ReadFile("../../.dockerignore"); err == nil {
		var lines []string
		for _, l := range strings.Split(string(data), "\n") {
			if l != "" && !strings.HasPrefix(l, "#") {
				lines = append(lines, l)
			}
		}
		if got := "# comment\n" + strings.Join(lines, "\n") + "\n"; got != repoRules {
			t.Errorf("the repository's .dockerignore changed: update repoRules to\n%q", got)
		}
	}
	for _, tc := range []struct {
		rules string
		path  string
		out   bool
	}{
		{repoRules, "go.mod", false},
		{repoRules, "go.sum", false},
		{repoRules, "app", false},
		{repoRules, "app/main.go", false},
		{repoRules, "app/Dockerfile", false},
		{repoRules, "app/hello/server.go", false},
		{repoRules, "app/main_test.go", true},
		{repoRules, "app/hello/server_test.go", true},
		{repoRules, "client/main.go", false},
		{repoRules, "client/report/assets/report.js", false},
		{repoRules, "client/cli/merge_test.go", true},
		{repoRules, "client/load/load.test", true},
		{repoRules, "infra/dockerfile/check.go", true},
		{repoRules, ".git/config", true},
		{repoRules, "Pulumi.yaml", true},
		{repoRules, "infra/program/config.go", true},
		{repoRules, "infra/stack/outputs.go", false},
		{repoRules, "infra/stack/project_test.go", true},
		{"", "anything", false},
		{"*.md\n", "README.md", true},
		{"*.md\n", "docs/README.md", false}, // * does not cross /
		{"**/*.md\n", "docs/deep/README.md", true},
		{"docs\n", "docs/a/b.txt", true}, // a matching parent folder excludes its files
		{"/bin\n", "bin/app", true},
		{"bin/\n", "bin/app", true},
		{"a?c\n", "abc", true},
		{"a?c\n", "a/c", false},
		{"[ab].txt\n", "b.txt", true},
		{"[^ab].txt\n", "b.txt", false}, // Go's class negation is ^; Docker reads [!ab] as the set {!, a, b}
		{"[!ab].txt\n", "b.txt", true},
		{"*.log\n!keep.log\n", "keep.log", false},
		{"!keep.log\n*.log\n", "keep.log", true}, // the last match wins
		{"**\n!app/**\n", "app/x/y.go", false},
	} {
		di, err := parseDockerignore([]byte(tc.rules))
		if err != nil {
			t.Fatalf("%q: %v", tc.rules, err)
		}
		if got := di.excluded(tc.path); got != tc.out {
			t.Errorf("rules %q: excluded(%q) = %v, want %v", tc.rules, tc.path, got, tc.out)
		}
	}
}

func TestDockerignoreBadPattern(t *testing.T) {
	if _, err := parseDockerignore([]byte("[abc\n")); err == nil {
		t.Error("unterminated [ accepted")
	}
}

func TestContentTagSeesWhatDockerSees(t *testing.T) {
	dir := testProject(t)
	dockerfile := filepath.Join(dir, "app", "Dockerfile")
	tag := func(platform string) string {
		t.Helper()
		got, err := contentTag(dir, dockerfile, platform)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 16 {
			t.Fatalf("tag %q is not 16 hex digits", got)
		}
		return got
	}
	base := tag("linux/amd64")
	if tag("linux/arm64") == base {
		t.Error("the platform does not change the tag")
	}
	// A new file the context includes changes it; an excluded one does not.
	writeTree(t, dir, map[string]string{"docs/notes.md": "x"})
	if tag("linux/amd64") != base {
		t.Error("an excluded file changed the tag")
	}
	writeTree(t, dir, map[string]string{"app/new.go": "package main\n"})
	withNew := tag("linux/amd64")
	if withNew == base {
		t.Error("a new file in app/ did not change the tag")
	}
	// The executable bit is part of the content.
	if err := os.Chmod(filepath.Join(dir, "app", "new.go"), 0o755); err != nil {
		t.Fatal(err)
	}
	if tag("linux/amd64") == withNew {
		t.Error("a mode change did not change the tag")
	}
}

func TestContentTagEmptyContext(t *testing.T) {
	dir := t.TempDir()
	writeTree(t, dir, map[string]string{".dockerignore": "*\n", "Dockerfile": "FROM scratch\n"})
	if _, err := contentTag(dir, filepath.Join(dir, "Dockerfile"), "linux/amd64"); err == nil {
		t.Error("a context with no files after .dockerignore was accepted")
	}
}

func TestCopiedPaths(t *testing.T) {
	for _, tc := range []struct {
		dockerfile string
		want       []string // nil: the whole context
	}{
		{"FROM scratch\n", []string{}},
		{"FROM golang AS b\nCOPY go.mod go.sum ./\nCOPY app/ ./app/\nFROM scratch\nCOPY --from=b /out/app /app\n", []string{"go.mod", "go.sum", "app"}},
		{"FROM scratch\nCOPY [\"client/\", \"/src/client/\"]\nADD https://example.com/x.tgz /x\n", []string{"client"}},
		{"FROM scratch\nCOPY --chown=1:1 /app/hello/ ./\n", []string{"app/hello"}},
		{"FROM scratch\nCOPY . .\n", nil},
		{"FROM scratch\nCOPY ./ /src/\n", nil},
		{"FROM scratch\nCOPY *.go ./\n", nil},
		{"FROM scratch\nARG DIR\nCOPY $DIR ./\n", nil},
		{"FROM scratch\nCOPY --parents app/ ./\n", nil},
		{"FROM golang\nRUN --mount=type=bind,target=/src go build ./...\n", nil},
		{"FROM golang\nRUN --mount=target=/src go build ./...\n", nil},
		{"FROM golang\nRUN --mount=type=cache,target=/root/.cache/go-build --mount=type=bind,from=b,target=/x true\nCOPY app/ ./\n", []string{"app"}},
		{"# syntax=docker/dockerfile:1\nFROM scratch\nCOPY <<EOF /x\nhello\nEOF\n", nil},
		{"FROM scratch\nCOPY\n", nil},
	} {
		got := copiedPaths([]byte(tc.dockerfile))
		if tc.want == nil {
			if !got.everything {
				t.Errorf("%q: scope %v, want the whole context", tc.dockerfile, got.paths)
			}
			continue
		}
		if got.everything || len(got.paths) != len(tc.want) {
			t.Errorf("%q: scope %+v, want %v", tc.dockerfile, got, tc.want)
			continue
		}
		for i := range tc.want {
			if got.paths[i] != tc.want[i] {
				t.Errorf("%q: scope %v, want %v", tc.dockerfile, got.paths, tc.want)
			}
		}
	}
	scope := copyScope{paths: []string{"app", "go.mod"}}
	for p, want := range map[string]bool{"app": true, "app/x.go": true, "go.mod": true, "apps/x.go": false, "go.modx": false, "client/x.go": false} {
		if scope.has(p) != want {
			t.Errorf("scope %v has %q = %v", scope.paths, p, !want)
		}
	}
}

// One context, two images: each tag follows only the sources its
// Dockerfile copies.
func TestContentTagFollowsOnlyCopiedSources(t *testing.T) {
	dir := testProject(t)
	tags := func() (app, client string) {
		t.Helper()
		var err error
		if app, err = contentTag(dir, filepath.Join(dir, "app", "Dockerfile"), "linux/amd64"); err != nil {
			t.Fatal(err)
		}
		if client, err = contentTag(dir, filepath.Join(dir, "client", "Dockerfile"), "linux/amd64"); err != nil {
			t.Fatal(err)
		}
		return app, client
	}
	app0, client0 := tags()
	if app0 == client0 {
		t.Fatal("the two Dockerfiles give one tag")
	}
	writeTree(t, dir, map[string]string{"client/main.go": "package main // changed\n"})
	app1, client1 := tags()
	if app1 != app0 || client1 == client0 {
		t.Errorf("client/main.go changed: app tag changed %v, client tag changed %v; want false, true", app1 != app0, client1 != client0)
	}
	writeTree(t, dir, map[string]string{"app/main.go": "package main // changed\n"})
	app2, client2 := tags()
	if app2 == app1 || client2 != client1 {
		t.Errorf("app/main.go changed: app tag changed %v, client tag changed %v; want true, false", app2 != app1, client2 != client1)
	}
	writeTree(t, dir, map[string]string{"app/hello/server.go": "package hello // changed\n"})
	app3, client3 := tags()
	if app3 == app2 || client3 == client2 {
		t.Errorf("app/hello/server.go changed: app tag changed %v, client tag changed %v; want both", app3 != app2, client3 != client2)
	}
	writeTree(t, dir, map[string]string{"go.sum": "x v1.0.0 h1:abc\n"})
	if app4, client4 := tags(); app4 == app3 || client4 == client3 {
		t.Error("go.sum changed and a tag did not")
	}
}
