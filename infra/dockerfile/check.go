// Package dockerfile holds the project's Dockerfiles (app/Dockerfile,
// client/Dockerfile) to its image rules. No Docker engine runs in CI, so they
// are checked by parsing them with BuildKit's own parser:
//
//   - BuildKit syntax (# syntax=docker/dockerfile:1) and a multi-stage build;
//   - a build stage on a pinned golang image at least go.mod's version, that
//     copies only the sources it needs (no `COPY . .`), runs no go mod
//     download, and builds with CGO_ENABLED=0, -trimpath, -ldflags "-s -w"
//     and cache mounts on the module and build caches;
//   - a final stage on distroless static (or scratch), running nothing, as a
//     numeric non-root USER, with an exec-form ENTRYPOINT that is the binary
//     the build stage produced, and the port the rules name exposed.
//
// images_test.go holds both Dockerfiles and the root .dockerignore to them.
package dockerfile

import (
	"fmt"
	"go/version"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	"golang.org/x/mod/modfile"
)

// Rules are what one image's Dockerfile is held to beyond the common rules.
type Rules struct {
	// GoVersion is go.mod's go directive: the builder's Go must be at least that.
	GoVersion string
	// Sources are what the build stage may copy from the context: a file
	// ("go.mod"), or a folder and everything in it ("app/", trailing slash).
	Sources []string
	// Expose is the port the final stage must EXPOSE; "" for none.
	Expose string
}

func (r Rules) allowed(p string) bool {
	for _, s := range r.Sources {
		if dir, ok := strings.CutSuffix(s, "/"); ok {
			if p == dir || strings.HasPrefix(p, s) {
				return true
			}
		} else if p == s {
			return true
		}
	}
	return false
}

// sources lists the allowed sources: "go.mod, go.sum and app/".
func (r Rules) sources() string {
	switch n := len(r.Sources); n {
	case 0:
		return "nothing"
	case 1:
		return r.Sources[0]
	default:
		return strings.Join(r.Sources[:n-1], ", ") + " and " + r.Sources[n-1]
	}
}

// GoModVersion reads the go directive of a go.mod file, e.g. "1.26.8".
func GoModVersion(file string) (string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	f, err := modfile.ParseLax(file, data, nil)
	if err != nil {
		return "", err
	}
	if f.Go == nil {
		return "", fmt.Errorf("%s has no go directive", file)
	}
	return f.Go.Version, nil
}

type dockerStage struct {
	index int
	name  string // lower-cased AS name, "" if none
	base  string
	cmds  []*parser.Node
}

// Check reports every way src breaks the image rules r, one line each.
func Check(src string, r Rules) []string {
	goVersion := r.GoVersion
	var problems []string
	report := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if syntax, _, _, ok := parser.DetectSyntax([]byte(src)); !ok || !strings.HasPrefix(syntax, "docker/dockerfile:1") {
		report("the first line must be `# syntax=docker/dockerfile:1` (BuildKit features: RUN --mount)")
	}
	res, err := parser.Parse(strings.NewReader(src))
	if err != nil {
		return append(problems, "parse: "+err.Error())
	}
	var stages []*dockerStage
	for _, n := range res.AST.Children {
		if instr(n) == "from" {
			a := args(n)
			if len(a) == 0 {
				return append(problems, fmt.Sprintf("line %d: FROM without an image", n.StartLine))
			}
			s := &dockerStage{index: len(stages), base: a[0]}
			if len(a) == 3 && strings.EqualFold(a[1], "as") {
				s.name = strings.ToLower(a[2])
			}
			stages = append(stages, s)
			continue
		}
		if len(stages) == 0 {
			if instr(n) != "arg" {
				report("line %d: %s before the first FROM", n.StartLine, strings.ToUpper(n.Value))
			}
			continue
		}
		stages[len(stages)-1].cmds = append(stages[len(stages)-1].cmds, n)
	}
	if len(stages) < 2 {
		return append(problems, fmt.Sprintf("want a multi-stage build (a build stage and a final stage), got %d stage(s)", len(stages)))
	}
	final := stages[len(stages)-1]

	// Final stage: no shell, nothing run, a numeric non-root user, the port
	// (if any), exec-form entrypoint.
	base := final.base
	switch {
	case base == "scratch":
	case strings.HasPrefix(base, "gcr.io/distroless/static"):
		if strings.Contains(base, "debug") {
			report("final stage base %s: distroless debug images carry a busybox shell", base)
		}
	default:
		report("final stage base %s: want gcr.io/distroless/static-* or scratch (no shell, no package manager)", base)
	}
	var user *parser.Node
	var entrypoint []string
	exposed := false
	var copyFromBuild []*parser.Node
	for _, n := range final.cmds {
		switch instr(n) {
		case "run":
			report("line %d: RUN in the final stage (it has no shell, and should run nothing at build time)", n.StartLine)
		case "user":
			user = n
		case "expose":
			for _, p := range args(n) {
				if r.Expose != "" && (p == r.Expose || p == r.Expose+"/tcp") {
					exposed = true
				}
			}
		case "entrypoint", "cmd":
			if !n.Attributes["json"] {
				report("line %d: %s must be in exec form, e.g. [\"/app\"] (there is no shell)", n.StartLine, strings.ToUpper(n.Value))
			}
			if instr(n) == "entrypoint" {
				entrypoint = args(n)
			}
		case "copy", "add":
			if from, ok := flagValue(n, "from"); ok {
				if s := stageRef(stages, from); s != nil && s != final {
					copyFromBuild = append(copyFromBuild, n)
				}
			}
		}
	}
	if user == nil {
		report("final stage has no USER: want an explicit numeric non-root USER such as 65532:65532")
	} else {
		checkUser(args(user)[0], report)
	}
	if r.Expose != "" && !exposed {
		report("final stage does not EXPOSE %s", r.Expose)
	}
	if entrypoint == nil {
		report("final stage has no ENTRYPOINT")
	}

	// Build stage: the one the final stage copies from.
	if len(copyFromBuild) == 0 {
		report("final stage copies nothing from the build stage")
		return problems
	}
	cp := copyFromBuild[len(copyFromBuild)-1]
	from, _ := flagValue(cp, "from")
	build := stageRef(stages, from)
	checkBuilderImage(build.base, goVersion, report)

	env := map[string]string{}
	var output string
	for _, n := range build.cmds {
		switch instr(n) {
		case "env":
			a := args(n)
			for i := 0; i+1 < len(a); i += 3 {
				env[a[i]] = a[i+1]
			}
		case "copy", "add":
			if _, ok := flagValue(n, "from"); ok {
				continue
			}
			a := args(n)
			for _, s := range a[:len(a)-1] {
				if !r.allowed(path.Clean(s)) {
					report("line %d: build stage copies %q: copy only %s", n.StartLine, path.Clean(s), r.sources())
				}
			}
		case "run":
			for _, cmd := range runCommands(n) {
				if len(cmd.words) >= 3 && cmd.words[0] == "go" && cmd.words[1] == "mod" && cmd.words[2] == "download" {
					report("line %d: go mod download fetches every module of the repository; let go build fetch what the service needs", n.StartLine)
				}
				if len(cmd.words) < 2 || cmd.words[1] != "build" || path.Base(cmd.words[0]) != "go" {
					continue
				}
				output = checkGoBuild(n, cmd, env, report)
			}
		}
	}
	if output == "" {
		report("build stage %q has no RUN go build ... -o <binary>", build.base)
		return problems
	}

	// The final stage runs what the build produced.
	a := args(cp)
	dst := a[len(a)-1]
	srcs := a[:len(a)-1]
	if len(srcs) != 1 || path.Clean(srcs[0]) != path.Clean(output) {
		report("line %d: COPY --from=%s %s: the build stage produced %s", cp.StartLine, from, strings.Join(srcs, " "), output)
	}
	if strings.HasSuffix(dst, "/") {
		dst = path.Join(dst, path.Base(output))
	}
	if entrypoint != nil && (len(entrypoint) == 0 || path.Clean(entrypoint[0]) != path.Clean(dst)) {
		report("ENTRYPOINT %q does not run the binary copied from the build stage (%s)", entrypoint, dst)
	}
	return problems
}

func checkUser(user string, report func(string, ...any)) {
	for _, id := range strings.SplitN(user, ":", 2) {
		n, err := strconv.ParseUint(id, 10, 32)
		switch {
		case err != nil:
			report("USER %s: want numeric uid[:gid], so Kubernetes' runAsNonRoot can verify it", user)
			return
		case n == 0:
			report("USER %s: uid and gid must be non-zero (not root)", user)
			return
		}
	}
}

var pinnedTag = regexp.MustCompile(`^(\d+\.\d+\.\d+)([-.].*)?$`)

func checkBuilderImage(ref, goVersion string, report func(string, ...any)) {
	if strings.Contains(ref, "$") {
		report("builder image %s: not pinned (a variable hides the version)", ref)
		return
	}
	if strings.Contains(ref, "@sha256:") {
		return // pinned by digest
	}
	name, tag := ref, ""
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		name, tag = ref[:i], ref[i+1:]
	}
	m := pinnedTag.FindStringSubmatch(tag)
	if m == nil {
		report("builder image %s: not pinned: want an exact tag such as golang:1.26.8-bookworm, not latest or a moving minor", ref)
		return
	}
	if path.Base(name) == "golang" && goVersion != "" && version.Compare("go"+m[1], "go"+goVersion) < 0 {
		report("builder image %s is older than go.mod's go %s", ref, goVersion)
	}
}

// checkGoBuild checks one go build command and returns its -o path.
func checkGoBuild(n *parser.Node, cmd shellCommand, env map[string]string, report func(string, ...any)) string {
	cgo := env["CGO_ENABLED"]
	if v, ok := cmd.env["CGO_ENABLED"]; ok {
		cgo = v
	}
	if cgo != "0" {
		report("line %d: go build without CGO_ENABLED=0 (the final stage has no libc)", n.StartLine)
	}
	var trimpath, stripped bool
	var output string
	w := cmd.words[2:]
	for i := 0; i < len(w); i++ {
		switch {
		case w[i] == "-trimpath":
			trimpath = true
		case w[i] == "-o" && i+1 < len(w):
			output = w[i+1]
			i++
		case strings.HasPrefix(w[i], "-o="):
			output = strings.TrimPrefix(w[i], "-o=")
		case w[i] == "-ldflags" && i+1 < len(w):
			stripped = hasAll(strings.Fields(w[i+1]), "-s", "-w")
			i++
		case strings.HasPrefix(w[i], "-ldflags="):
			stripped = hasAll(strings.Fields(strings.TrimPrefix(w[i], "-ldflags=")), "-s", "-w")
		}
	}
	if !trimpath {
		report("line %d: go build without -trimpath", n.StartLine)
	}
	if !stripped {
		report(`line %d: go build without -ldflags "-s -w"`, n.StartLine)
	}
	var mounts []string
	for _, f := range n.Flags {
		if strings.HasPrefix(f, "--mount=") && strings.Contains(f, "type=cache") {
			mounts = append(mounts, f)
		}
	}
	for _, target := range []string{"/go/pkg/mod", "/root/.cache/go-build"} {
		found := false
		for _, m := range mounts {
			found = found || strings.Contains(m, "target="+target)
		}
		if !found {
			report("line %d: go build without a cache mount on %s", n.StartLine, target)
		}
	}
	return output
}

var assignment = regexp.MustCompile(`^([A-Za-z_][A-Za-z0-9_]*)=(.*)$`)

type shellCommand struct {
	env   map[string]string // NAME=value words before the command
	words []string
}

// runCommands splits a RUN into simple commands (at &&, ||, ; and |), each
// with its leading variable assignments apart.
func runCommands(n *parser.Node) []shellCommand {
	var words []string
	if n.Attributes["json"] {
		words = args(n)
	} else {
		var err error
		words, err = shell.NewLex('\\').ProcessWords(strings.Join(args(n), " "), shell.EnvsFromSlice(nil))
		if err != nil {
			return nil
		}
	}
	var cmds []shellCommand
	cur := shellCommand{env: map[string]string{}}
	flush := func() {
		if len(cur.words) > 0 {
			cmds = append(cmds, cur)
		}
		cur = shellCommand{env: map[string]string{}}
	}
	for _, w := range words {
		switch w {
		case "&&", "||", ";", "|":
			flush()
			continue
		}
		if m := assignment.FindStringSubmatch(w); m != nil && len(cur.words) == 0 {
			cur.env[m[1]] = m[2]
			continue
		}
		cur.words = append(cur.words, w)
	}
	flush()
	return cmds
}

// instr is the instruction's keyword, lower-cased.
func instr(n *parser.Node) string { return strings.ToLower(n.Value) }

func args(n *parser.Node) []string {
	var a []string
	for x := n.Next; x != nil; x = x.Next {
		a = append(a, x.Value)
	}
	return a
}

func flagValue(n *parser.Node, name string) (string, bool) {
	for _, f := range n.Flags {
		if v, ok := strings.CutPrefix(f, "--"+name+"="); ok {
			return v, true
		}
	}
	return "", false
}

func stageRef(stages []*dockerStage, ref string) *dockerStage {
	if i, err := strconv.Atoi(ref); err == nil {
		if i >= 0 && i < len(stages) {
			return stages[i]
		}
		return nil
	}
	for _, s := range stages {
		if s.name != "" && s.name == strings.ToLower(ref) {
			return s
		}
	}
	return nil
}

func hasAll(have []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, h := range have {
			found = found || h == w
		}
		if !found {
			return false
		}
	}
	return true
}
