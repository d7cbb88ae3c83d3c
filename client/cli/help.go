package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// flagGroup is a heading of --help and the flags under it, in order.
type flagGroup struct {
	title string
	flags []string
}

// clientFlagGroups order the client's flags by purpose.
var clientFlagGroups = []flagGroup{
	{"Target: what to load (exactly one of --local, --url, --from-stack), and what to send", []string{
		"local", "url", "from-stack", "project-dir", "path", "method", "header", "body", "body-file", "insecure"}},
	{"Load: how much, how long, how", []string{
		"rate", "duration", "requests", "stages", "warmup", "mode", "max-in-flight", "tick", "timeout",
		"keepalive", "conn-max-age", "engine"}},
	{"Output", []string{"out", "report", "force", "format", "quiet", "cpuprofile", "version"}},
	{"Cluster: watch a Deployment, its pods and HPA during the run (automatic with --from-stack)", []string{
		"deployment", "namespace", "hpa", "kubeconfig", "context", "no-observe"}},
	{"Thresholds: exit 1 unless they hold", []string{"max-p99", "max-p50", "max-error-rate", "min-rate", "threshold"}},
}

// mergeFlagGroups order client merge's flags.
var mergeFlagGroups = []flagGroup{
	{"Output", []string{"format", "report", "force"}},
	{"Thresholds: exit 1 unless the merged run meets them", []string{"max-p99", "max-p50", "max-error-rate", "min-rate", "threshold"}},
}

// valueNames are the placeholders of the flags' values in --help, the same
// word for the same kind of value everywhere: D a duration, R a rate per
// second, N a count, FILE a file.
var valueNames = map[string]string{
	"url": "URL", "from-stack": "STACK", "project-dir": "DIR", "path": "PATH", "method": "METHOD",
	"header": `"NAME: VALUE"`, "body": "TEXT", "body-file": "FILE",
	"rate": "R", "duration": "D", "requests": "N", "stages": "SPEC", "warmup": "D", "mode": "MODE",
	"max-in-flight": "N", "tick": "D|auto", "timeout": "D", "conn-max-age": "D", "engine": "ENGINE",
	"out": "FILE", "report": "FILE", "format": "FORMAT", "cpuprofile": "FILE",
	"deployment": "NAME", "namespace": "NAME", "hpa": "NAME", "kubeconfig": "FILE", "context": "NAME",
	"max-p99": "D", "max-p50": "D", "max-error-rate": "PCT", "min-rate": "R", "threshold": "EXPR",
}

// printFlagGroups lists fs's flags under their headings; a flag in no group
// is listed at the end.
func printFlagGroups(fs *flag.FlagSet, groups []flagGroup, w io.Writer) {
	listed := map[string]bool{}
	for _, g := range groups {
		fmt.Fprintf(w, "\n%s:\n", g.title)
		for _, name := range g.flags {
			if f := fs.Lookup(name); f != nil {
				printFlag(f, w)
				listed[name] = true
			}
		}
	}
	first := true
	fs.VisitAll(func(f *flag.Flag) {
		if listed[f.Name] {
			return
		}
		if first {
			fmt.Fprintf(w, "\nOther:\n")
			first = false
		}
		printFlag(f, w)
	})
	fmt.Fprintf(w, "\nHelp:\n  --help\n      this help\n")
}

// printFlags lists the flags, spelled with two dashes.
func printFlags(fs *flag.FlagSet, w io.Writer) {
	fs.VisitAll(func(f *flag.Flag) { printFlag(f, w) })
}

func printFlag(f *flag.Flag, w io.Writer) {
	name, usage := flag.UnquoteUsage(f)
	if n, ok := valueNames[f.Name]; ok && name != "" {
		name = n
	}
	line := "  --" + f.Name
	if name != "" {
		line += " " + name
	}
	fmt.Fprintf(w, "%s\n      %s", line, usage)
	if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "0" && f.DefValue != "0s" {
		fmt.Fprintf(w, " (default %s)", f.DefValue)
	}
	fmt.Fprintln(w)
}

// errVersion is what parseArgs returns for --version.
var errVersion = errors.New("version")

// version is the client's version, commit and Go version, from the build.
func version() string {
	v, commit, modified := "(devel)", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	out := "client (cloudperf) " + v
	if commit != "" {
		out += ", commit " + commit[:min(12, len(commit))]
		if modified {
			out += " (modified)"
		}
	}
	return out + ", " + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH
}

// readBody reads --body or --body-file, and makes POST the method when a
// body is given and --method is not.
func (o *options) readBody(set map[string]bool) error {
	switch {
	case set["body"] && set["body-file"]:
		return usagef("give --body or --body-file, not both")
	case set["body-file"]:
		b, err := os.ReadFile(o.bodyFile)
		if err != nil {
			return usagef("--body-file: cannot read %s: %v", o.bodyFile, pathErr(err))
		}
		o.body = b
	case set["body"]:
		o.body = []byte(o.bodyText)
	default:
		return nil
	}
	if !set["method"] {
		o.method = "POST"
	}
	if m := strings.ToUpper(o.method); m == "GET" || m == "HEAD" {
		return usagef("--method %s sends no body: give --method POST (or PUT, PATCH...) with --body or --body-file", o.method)
	}
	return nil
}
