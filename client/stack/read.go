package stack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	contract "github.com/cloudperf/cloudperf/infra/stack"
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

// FindProject is infra/stack's walk up from start to the nearest folder
// holding Pulumi.yaml, with the client's advice when there is none (a
// *ProjectNotFoundError).
func FindProject(start string) (string, error) {
	dir, err := contract.FindProject(start)
	var none *contract.ProjectNotFoundError
	if errors.As(err, &none) {
		return "", &ProjectNotFoundError{Start: none.Start}
	}
	return dir, err
}

// Read returns the outputs of opts.Stack in the project at or above
// opts.ProjectDir, with a valid Endpoint. It runs `pulumi stack ls --json`
// and `pulumi stack output --json` in the project's folder: neither runs the
// program, so no language host or provider plugin is needed, and it does not
// change which stack is selected. Outputs are read without --show-secrets,
// so no secrets passphrase is needed either (the program exports no
// secrets). The CLI is run directly, not through Pulumi's Automation API,
// so the client links no Pulumi SDK (and none of its terminal libraries).
//
// Errors are *CLINotFoundError, *ProjectNotFoundError, *StackNotFoundError,
// *OutputMissingError, *EndpointError, *OutputTypeError or *CommandError,
// each a single line a person can act on; or the context's error.
func Read(ctx context.Context, opts Options) (Outputs, error) {
	dir, err := FindProject(opts.ProjectDir)
	if err != nil {
		return Outputs{}, err
	}
	cli, err := pulumiCommand()
	if err != nil {
		return Outputs{}, err
	}
	run := func(args ...string) ([]byte, error) {
		name := "pulumi " + strings.Join(args[:2], " ")
		stdout, stderr, err := runCLI(ctx, cli, dir, args...)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return nil, ctxErr
		}
		if err != nil {
			msg := cliMessage(stderr)
			if stderr == "" {
				msg = err.Error() // it did not start, or died without a word
			}
			return nil, &CommandError{Command: name, ProjectDir: dir, Message: msg}
		}
		return stdout, nil
	}

	stdout, err := run("stack", "ls", "--json")
	if err != nil {
		return Outputs{}, err
	}
	var stacks []stackSummary
	if err := json.Unmarshal(stdout, &stacks); err != nil {
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
	if err := json.Unmarshal(stdout, &raw); err != nil {
		return Outputs{}, &CommandError{Command: "pulumi stack output", ProjectDir: dir, Message: "unreadable output: " + err.Error()}
	}
	if raw == nil {
		raw = map[string]any{}
	}
	out, err := DecodeOutputs(raw)
	return out, withStack(err, name)
}

// stackSummary is one entry of `pulumi stack ls --json`.
type stackSummary struct {
	Name    string `json:"name"`
	Current bool   `json:"current"`
}

// runCLI runs the pulumi CLI in dir, never interactively (a command that
// would prompt fails instead), and returns its output.
func runCLI(ctx context.Context, cli, dir string, args ...string) (stdout []byte, stderr string, err error) {
	cmd := exec.CommandContext(ctx, cli, append(args, "--non-interactive")...)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	if _, set := os.LookupEnv("PULUMI_SKIP_UPDATE_CHECK"); !set {
		cmd.Env = append(cmd.Env, "PULUMI_SKIP_UPDATE_CHECK=true") // no network round trip before every run
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	cmd.WaitDelay = 5 * time.Second // a cancelled CLI's children do not hold its pipes for long
	err = cmd.Run()
	return out.Bytes(), errOut.String(), err
}

// pulumiCommand finds the CLI on PATH, else in $PULUMI_HOME/bin or
// ~/.pulumi/bin (where the installer puts it).
func pulumiCommand() (string, error) {
	if p, err := exec.LookPath("pulumi"); err == nil {
		return p, nil
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
			return bin, nil
		}
	}
	return "", &CLINotFoundError{Searched: searched}
}

// pickStack finds want among the stacks. Backends may list a stack as
// "org/project/name": a bare name matches its last element. An empty want
// picks the selected stack.
func pickStack(stacks []stackSummary, want string) (string, bool) {
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

func stackNames(stacks []stackSummary) []string {
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
