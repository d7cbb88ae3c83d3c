package stack

import (
	"fmt"
	"strings"

	contract "github.com/cloudperf/cloudperf/infra/stack"
)

// Every error Read returns is one of these: one line each, saying what to
// do, with no Pulumi engine output beyond the CLI's own error line.

// CLINotFoundError: the pulumi CLI is neither on PATH nor in
// $PULUMI_HOME/bin (default ~/.pulumi/bin).
type CLINotFoundError struct {
	Searched []string // where it was looked for besides PATH
}

func (e *CLINotFoundError) Error() string {
	msg := "pulumi CLI not found on PATH"
	if len(e.Searched) > 0 {
		msg += " or at " + strings.Join(e.Searched, ", ")
	}
	return msg + ": install it (https://www.pulumi.com/docs/install/, or `make tools` in this repository) " +
		"and put its folder on PATH, or set PULUMI_HOME to the folder holding bin/pulumi"
}

// ProjectNotFoundError: no Pulumi.yaml in Start or any folder above it.
type ProjectNotFoundError struct {
	Start string
}

func (e *ProjectNotFoundError) Error() string {
	return fmt.Sprintf("no Pulumi.yaml found in %s or any folder above it: run from the cloudperf checkout "+
		"or pass --project-dir DIR (the folder holding Pulumi.yaml)", e.Start)
}

// StackNotFoundError: the project has no stack of that name (or none is
// selected when no name was given).
type StackNotFoundError struct {
	Stack      string
	ProjectDir string
	Available  []string
}

func (e *StackNotFoundError) Error() string {
	var msg string
	if e.Stack == "" {
		msg = fmt.Sprintf("no stack selected in %s: name one", e.ProjectDir)
	} else {
		msg = fmt.Sprintf("no stack %q in %s", e.Stack, e.ProjectDir)
	}
	if len(e.Available) == 0 {
		return msg + "; it has no stacks yet: create one with `pulumi stack init dev` and `pulumi up` " +
			"(is PULUMI_BACKEND_URL or `pulumi login` the backend you deployed with?)"
	}
	return msg + "; stacks there: " + strings.Join(e.Available, ", ")
}

// OutputMissingError: the stack does not export Output (not deployed yet,
// or deployed by another version of infra/).
type OutputMissingError struct {
	Stack     string
	Output    string
	Available []string
}

func (e *OutputMissingError) Error() string {
	where := "the stack"
	if e.Stack != "" {
		where = fmt.Sprintf("stack %q", e.Stack)
	}
	if len(e.Available) == 0 {
		return fmt.Sprintf("%s has no output %q, nor any other: run `pulumi up` on it first", where, e.Output)
	}
	return fmt.Sprintf("%s has no output %q; its outputs: %s (run `pulumi up` with this checkout's infra/)",
		where, e.Output, strings.Join(e.Available, ", "))
}

// EndpointError: the endpoint output is not an absolute http(s) URL with a
// host and a port.
type EndpointError struct {
	Stack  string
	Value  string
	Reason string
}

func (e *EndpointError) Error() string {
	where := "the stack's"
	if e.Stack != "" {
		where = fmt.Sprintf("stack %q's", e.Stack)
	}
	return fmt.Sprintf("%s %s output %q is not a usable endpoint: %s (check `pulumi config get nodeAddress`)",
		where, contract.OutputEndpoint, e.Value, e.Reason)
}

// OutputTypeError: a known output has the wrong type.
type OutputTypeError struct {
	Stack  string
	Output string
	Value  string
	Want   string
}

func (e *OutputTypeError) Error() string {
	where := "the stack's"
	if e.Stack != "" {
		where = fmt.Sprintf("stack %q's", e.Stack)
	}
	return fmt.Sprintf("%s output %q is %q, want %s", where, e.Output, e.Value, e.Want)
}

// CommandError: the pulumi CLI failed for another reason (not logged in,
// a locked or unreadable backend, …). Message is the CLI's error line.
type CommandError struct {
	Command    string // e.g. "pulumi stack ls"
	ProjectDir string
	Message    string
}

func (e *CommandError) Error() string {
	if e.ProjectDir == "" {
		return fmt.Sprintf("`%s` failed: %s", e.Command, e.Message)
	}
	return fmt.Sprintf("`%s` in %s failed: %s", e.Command, e.ProjectDir, e.Message)
}

// cliMessage is the line of the CLI's stderr worth showing: its first
// "error:" line, else the last non-empty one.
func cliMessage(stderr string) string {
	var last string
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(line, "error:"); ok {
			return strings.TrimSpace(rest)
		}
		last = line
	}
	if last == "" {
		return "no error message"
	}
	return last
}
