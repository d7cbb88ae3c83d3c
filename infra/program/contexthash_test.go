package program

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDockerignoreMatching(t *testing.T) {
	// This repository's .dockerignore.
	repoRules := "# comment\n*\n!go.mod\n!go.sum\n!app/\napp/**/*_test.go\n"
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
		{repoRules, "app/dockerfile_test.go", true},
		{repoRules, "app/hello/server_test.go", true},
		{repoRules, "client/main.go", true},
		{repoRules, ".git/config", true},
		{repoRules, "Pulumi.yaml", true},
		{repoRules, "infra/program/config.go", true},
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
