package stack

import (
	"fmt"
	"os"
	"path/filepath"
)

// projectFiles are the names a Pulumi project file may have.
var projectFiles = []string{"Pulumi.yaml", "Pulumi.yml"}

// ProjectNotFoundError: no project file in Start or any folder above it.
type ProjectNotFoundError struct {
	Start string // absolute
}

func (e *ProjectNotFoundError) Error() string {
	return fmt.Sprintf("no Pulumi.yaml found in %s or any folder above it", e.Start)
}

// FindProject returns the nearest folder at or above start that holds
// Pulumi.yaml (or Pulumi.yml). start may be relative, empty (the working
// directory) or a file (the walk begins at its folder). When no folder up
// to the root holds one, the error is a *ProjectNotFoundError.
func FindProject(start string) (string, error) {
	if start == "" {
		start = "."
	}
	abs, err := filepath.Abs(start)
	if err != nil {
		return "", fmt.Errorf("project folder: %w", err)
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		abs = filepath.Dir(abs)
	}
	for dir := abs; ; dir = filepath.Dir(dir) {
		for _, name := range projectFiles {
			if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
				return dir, nil
			}
		}
		if filepath.Dir(dir) == dir {
			return "", &ProjectNotFoundError{Start: abs}
		}
	}
}
