package stack

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/auto"
)

// Options say which stack to read.
type Options struct {
	// ProjectDir is the folder holding Pulumi.yaml, or one below it;
	// empty means the working directory.
	ProjectDir string
	// Stack is the stack's name, e.g. "dev"; empty means the project's
	// selected stack.
	Stack string
}

// FindProject walks up from start to the nearest folder holding Pulumi.yaml
// (or Pulumi.yml) and returns it, or a *ProjectNotFoundError.
func FindProject(start string) (string, error) {
	if start == "" {
		start = "."
	}
	abs, err := filepath.Abs(start)
	if err != nil {
		return "", &ProjectNotFoundError{Start: start}
	}
	if fi, err := os.Stat(abs); err == nil && !fi.IsDir() {
		abs = filepath.Dir(abs)
	}
	for dir := abs; ; dir = filepath.Dir(dir) {
		for _, name := range []string{"Pulumi.yaml", "Pulumi.yml"} {
			if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && fi.Mode().IsRegular() {
				return dir, nil
			}
		}
		if filepath.Dir(dir) == dir {
			return "", &ProjectNotFoundError{Start: abs}
		}
	}
}

// Read returns the outputs of opts.Stack in the project at or above
// opts.ProjectDir, with a valid Endpoint. It runs `pulumi stack ls` and
// `pulumi stack output --json` through the Automation API's LocalWorkspace:
// neither runs the program, so no language host or provider plugin is
// needed, and it does not change which stack is selected. Outputs are read
// without --show-secrets, so no secrets passphrase is needed either (the
// program exports no secrets).
//
// Errors are *CLINotFoundError, *ProjectNotFoundError, *StackNotFoundError,
// *OutputMissingError, *EndpointError, *OutputTypeError or *CommandError,
// each a single line a person can act on; or the context's error.
func Read(ctx context.Context, opts Options) (Outputs, error) {
	dir, err := FindProject(opts.ProjectDir)
	if err != nil {
		return Outputs{}, err
	}
	cmd, err := pulumiCommand()
	if err != nil {
		return Outputs{}, err
	}
	ws, err := auto.NewLocalWorkspace(ctx, auto.WorkDir(dir), auto.Pulumi(cmd))
	if err != nil {
		return Outputs{}, &CommandError{Command: "pulumi version", ProjectDir: dir, Message: firstLine(err.Error())}
	}
	run := func(args ...string) (string, error) {
		stdout, stderr, _, err := ws.PulumiCommand().Run(ctx, dir, nil, nil, nil, nil, args...)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return "", ctxErr
		}
		if err != nil {
			return "", &CommandError{Command: "pulumi " + strings.Join(args[:2], " "), ProjectDir: dir, Message: cliMessage(stderr)}
		}
		return stdout, nil
	}

	stdout, err := run("stack", "ls", "--json")
	if err != nil {
		return Outputs{}, err
	}
	var stacks []auto.StackSummary
	if err := json.Unmarshal([]byte(stdout), &stacks); err != nil {
		return Outputs{}, &CommandError{Command: "pulumi stack ls", ProjectDir: dir, Message: "unreadable output: " + err.Error()}
	}
	name, ok := pickStack(stacks, opts.Stack)
	if !ok {
		return Outputs{}, &StackNotFoundError{Stack: opts.Stack, ProjectDir: dir, Available: stackNames(stacks)}
	}

	stdout, err = run("stack", "output", "--json", "--stack", name)
	if err != nil {
		return Outputs{}, err
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		return Outputs{}, &CommandError{Command: "pulumi stack output", ProjectDir: dir, Message: "unreadable output: " + err.Error()}
	}
	if raw == nil {
		raw = map[string]any{}
	}
	out, err := DecodeOutputs(raw)
	return out, withStack(err, name)
}

// pulumiCommand finds the CLI on PATH, else in $PULUMI_HOME/bin or
// ~/.pulumi/bin (where the installer puts it).
func pulumiCommand() (auto.PulumiCommand, error) {
	if _, err := exec.LookPath("pulumi"); err == nil {
		return newCommand("")
	}
	var searched []string
	var homes []string
	if h := os.Getenv("PULUMI_HOME"); h != "" {
		homes = append(homes, h)
	}
	if h, err := os.UserHomeDir(); err == nil {
		homes = append(homes, filepath.Join(h, ".pulumi"))
	}
	for _, h := range homes {
		bin := filepath.Join(h, "bin", "pulumi")
		searched = append(searched, bin)
		if fi, err := os.Stat(bin); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return newCommand(h)
		}
	}
	return nil, &CLINotFoundError{Searched: searched}
}

func newCommand(root string) (auto.PulumiCommand, error) {
	cmd, err := auto.NewPulumiCommand(&auto.PulumiCommandOptions{Root: root})
	if err != nil {
		// `pulumi version` failed or is too old for the Automation API.
		return nil, &CommandError{Command: "pulumi version", Message: firstLine(err.Error())}
	}
	return cmd, nil
}

// pickStack finds want among the stacks. Backends may list a stack as
// "org/project/name": a bare name matches its last element. An empty want
// picks the selected stack.
func pickStack(stacks []auto.StackSummary, want string) (string, bool) {
	for _, s := range stacks {
		if want == "" && s.Current {
			return s.Name, true
		}
		if want != "" && (s.Name == want || (!strings.Contains(want, "/") && strings.HasSuffix(s.Name, "/"+want))) {
			return s.Name, true
		}
	}
	return "", false
}

func stackNames(stacks []auto.StackSummary) []string {
	names := make([]string, 0, len(stacks))
	for _, s := range stacks {
		names = append(names, s.Name)
	}
	return names
}

// withStack names the stack in output errors.
func withStack(err error, name string) error {
	var (
		missing *OutputMissingError
		bad     *EndpointError
		typ     *OutputTypeError
	)
	switch {
	case errors.As(err, &missing):
		missing.Stack = name
	case errors.As(err, &bad):
		bad.Stack = name
	case errors.As(err, &typ):
		typ.Stack = name
	}
	return err
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}
