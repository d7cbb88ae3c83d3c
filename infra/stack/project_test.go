package stack

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func mkfile(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("name: cloudperf\nruntime: go\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFindProject(t *testing.T) {
	root := t.TempDir()
	repo := filepath.Join(root, "repo")
	mkfile(t, filepath.Join(repo, "Pulumi.yaml"))
	mkfile(t, filepath.Join(repo, "client", "load", "run.go"))
	mkfile(t, filepath.Join(repo, "nested", "Pulumi.yaml")) // a project inside a project
	mkfile(t, filepath.Join(root, "yml", "Pulumi.yml"))
	// A folder named Pulumi.yaml is not a project file.
	if err := os.MkdirAll(filepath.Join(root, "fake", "Pulumi.yaml", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, start, want string // want "": *ProjectNotFoundError
	}{
		{"the project folder", repo, repo},
		{"one below", filepath.Join(repo, "client"), repo},
		{"two below", filepath.Join(repo, "client", "load"), repo},
		{"a file: its folder", filepath.Join(repo, "client", "load", "run.go"), repo},
		{"not clean", filepath.Join(repo, "client", "load", ".."), repo},
		{"the nearest project wins", filepath.Join(repo, "nested"), filepath.Join(repo, "nested")},
		{"Pulumi.yml", filepath.Join(root, "yml"), filepath.Join(root, "yml")},
		{"none above", root, ""},
		{"a folder named Pulumi.yaml", filepath.Join(root, "fake", "Pulumi.yaml", "x"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := FindProject(tc.start)
			if tc.want != "" {
				if err != nil || got != tc.want {
					t.Errorf("FindProject(%s) = %q, %v; want %q", tc.start, got, err, tc.want)
				}
				return
			}
			var nf *ProjectNotFoundError
			if !errors.As(err, &nf) || nf.Start != filepath.Clean(tc.start) {
				t.Fatalf("FindProject(%s) = %q, %v; want a *ProjectNotFoundError from %s", tc.start, got, err, tc.start)
			}
		})
	}
}

func TestFindProjectRelative(t *testing.T) {
	root := t.TempDir()
	mkfile(t, filepath.Join(root, "Pulumi.yaml"))
	if err := os.MkdirAll(filepath.Join(root, "a", "b"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir(filepath.Join(root, "a", "b"))
	// The temp dir may sit behind a symlink; compare resolved paths.
	want, err := filepath.EvalSymlinks(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, start := range []string{"", ".", "..", "../b/.."} {
		got, err := FindProject(start)
		if err != nil {
			t.Fatalf("FindProject(%q): %v", start, err)
		}
		if gotR, _ := filepath.EvalSymlinks(got); gotR != want {
			t.Errorf("FindProject(%q) = %s, want %s", start, got, root)
		}
	}
}
