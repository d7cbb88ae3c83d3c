package program

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/cloudperf/cloudperf/infra/stack"
)

// projectRoot is the folder of Pulumi.yaml, which relative image paths
// (image.context, image.dockerfile) are resolved against.
//
// The working directory cannot be used for that: with `main: infra/` the
// engine runs the program in <root>/infra (pkg/engine/project.go getPwdMain:
// "we still need to pass the pwd of the main program's parent directory"),
// while an inline Automation API program runs in its caller's directory. So:
//  1. ctx.RootDirectory(), which the Go language host sets from
//     PULUMI_ROOT_DIRECTORY (empty for inline programs and mocks);
//  2. else the nearest folder at or above the working directory holding
//     Pulumi.yaml (an e2e test running in infra/e2e finds the repo root);
//  3. else the working directory.
func projectRoot(ctx *pulumi.Context) (string, error) {
	if root := ctx.RootDirectory(); root != "" {
		return filepath.Abs(root)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	dir, err := stack.FindProject(wd)
	var none *stack.ProjectNotFoundError
	if errors.As(err, &none) {
		return wd, nil
	}
	return dir, err
}

// resolve makes p absolute against root. Absolute paths are passed to the
// Docker provider because it resolves relative ones against its own
// working directory, not the project (pulumi-docker issues #529, #572).
func resolve(root, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(root, p)
}
