package cli

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// --help groups the flags by purpose, lists each once, and names every
// value with one placeholder per kind of value.
func TestHelpIsGroupedWithConsistentPlaceholders(t *testing.T) {
	t.Parallel()
	code, help, _ := runMain(t, "--help")
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	// The groups, in this order.
	at := -1
	for _, g := range []string{"\nTarget: ", "\nLoad: ", "\nOutput:\n", "\nCluster: ", "\nThresholds: ", "\nHelp:\n"} {
		i := strings.Index(help, g)
		if i < at {
			t.Errorf("group %q missing or out of order", strings.TrimSpace(g))
		}
		at = i
	}
	if strings.Contains(help, "\nOther:") {
		t.Error("a flag is in no group")
	}
	line := regexp.MustCompile(`(?m)^  --([a-z0-9-]+)(?: (.+))?$`)
	seen := map[string]int{}
	placeholders := map[string]string{}
	for _, m := range line.FindAllStringSubmatch(help, -1) {
		seen[m[1]]++
		placeholders[m[1]] = m[2]
	}
	allowed := []string{"URL", "STACK", "DIR", "PATH", "METHOD", `"NAME: VALUE"`, "TEXT", "FILE", "R", "D", "N", "SPEC", "MODE",
		"D|auto", "ENGINE", "FORMAT", "NAME", "PCT", "EXPR"}
	fs := newFlagSet(&options{})
	fs.VisitAll(func(f *flag.Flag) {
		if seen[f.Name] != 1 {
			t.Errorf("--%s is listed %d times", f.Name, seen[f.Name])
		}
		isBool := false
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok {
			isBool = b.IsBoolFlag()
		}
		switch p := placeholders[f.Name]; {
		case isBool && p != "":
			t.Errorf("--%s takes no value, but shows %q", f.Name, p)
		case !isBool && !slices.Contains(allowed, p):
			t.Errorf("--%s shows the placeholder %q, not one of %v", f.Name, p, allowed)
		}
	})
	for _, dur := range []string{"duration", "warmup", "timeout", "conn-max-age", "max-p99", "max-p50"} {
		if placeholders[dur] != "D" {
			t.Errorf("--%s: a duration shows %q, want D", dur, placeholders[dur])
		}
	}
	// client help is --help; client help merge is client merge --help.
	if code, out, _ := runMain(t, "help"); code != ExitOK || out != help {
		t.Errorf("client help: exit %d, and not the --help text", code)
	}
	_, mergeHelp, _ := runMain(t, "merge", "--help")
	if code, out, _ := runMain(t, "help", "merge"); code != ExitOK || out != mergeHelp || !strings.Contains(out, "client merge") {
		t.Errorf("client help merge: exit %d:\n%s", code, out)
	}
}

// --version prints one line and needs no target.
func TestVersion(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runMain(t, "--version")
	if code != ExitOK || stderr != "" || strings.Count(stdout, "\n") != 1 ||
		!strings.HasPrefix(stdout, "client (cloudperf) ") || !strings.Contains(stdout, runtime.Version()) {
		t.Errorf("--version: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// README's flag table names every flag of the client.
func TestReadmeNamesEveryFlag(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "| flag | meaning |")
	if start < 0 {
		t.Fatal("README has no flag table")
	}
	end := strings.Index(readme[start:], "\n\n")
	table := readme[start : start+end]
	fs := newFlagSet(&options{})
	fs.VisitAll(func(f *flag.Flag) {
		if !regexp.MustCompile("--" + regexp.QuoteMeta(f.Name) + `\b[^-]`).MatchString(table) {
			t.Errorf("README's flag table does not name --%s", f.Name)
		}
	})
}
