package program

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// contentTag is a tag for the image built from contextDir and dockerfile:
// the first 16 hex digits of a SHA-256 over every file the build sees
// (paths, modes and contents, after .dockerignore), the Dockerfile and the
// platform. Same sources, same tag; any change to them, a new tag, so the
// Deployment's image changes and Kubernetes rolls the pods.
//
// What the build sees is narrowed to what the Dockerfile copies from the
// context (copiedPaths), so the service's and the load generator's images,
// built from one context, change tag only with their own sources: editing
// client/ neither rolls the app nor does editing app/main.go replace the
// load generator's Job.
//
// pulumi-docker v4 offers no such tag for a local image: ImageName is the
// name given as input, and RepoDigest is then the bare image ID
// ("sha256:…"), which a pod spec cannot reference. Hence this hash.
func contentTag(contextDir, dockerfile, platform string) (string, error) {
	ignore, err := readDockerignore(contextDir)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "platform\x00%s\x00", platform)
	if err := hashFile(h, "Dockerfile", dockerfile); err != nil {
		return "", fmt.Errorf("dockerfile: %w", err)
	}
	src, err := os.ReadFile(dockerfile)
	if err != nil {
		return "", fmt.Errorf("dockerfile: %w", err)
	}
	scope := copiedPaths(src)

	var files []string
	err = filepath.WalkDir(contextDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(contextDir, p)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		if ignore.excluded(rel) {
			if d.IsDir() && !ignore.mayReinclude(rel) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("reading build context %s: %w", contextDir, err)
	}
	if len(files) == 0 {
		return "", fmt.Errorf("build context %s has no files after .dockerignore", contextDir)
	}
	sort.Strings(files)
	for _, rel := range files {
		if !scope.has(rel) {
			continue
		}
		if err := hashFile(h, rel, filepath.Join(contextDir, filepath.FromSlash(rel))); err != nil {
			return "", err
		}
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// hashFile writes name, mode and content (a symlink: its target) to h.
func hashFile(h io.Writer, name, p string) error {
	fi, err := os.Lstat(p)
	if err != nil {
		return err
	}
	fmt.Fprintf(h, "%s\x00%o\x00", name, fi.Mode()&(fs.ModeType|0o111))
	if fi.Mode()&fs.ModeSymlink != 0 {
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00", target)
		return nil
	}
	if !fi.Mode().IsRegular() {
		return nil
	}
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(h, "%d\x00", fi.Size())
	_, err = io.Copy(h, f)
	return err
}

// dockerignore is a parsed .dockerignore, matched by Docker's own matcher.
type dockerignore struct {
	pm *patternmatcher.PatternMatcher
}

func readDockerignore(contextDir string) (dockerignore, error) {
	data, err := os.ReadFile(filepath.Join(contextDir, ".dockerignore"))
	if os.IsNotExist(err) {
		return dockerignore{}, nil
	}
	if err != nil {
		return dockerignore{}, err
	}
	return parseDockerignore(data)
}

func parseDockerignore(data []byte) (dockerignore, error) {
	patterns, err := ignorefile.ReadAll(bytes.NewReader(data))
	if err != nil {
		return dockerignore{}, fmt.Errorf(".dockerignore: %w", err)
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return dockerignore{}, fmt.Errorf(".dockerignore: %w", err)
	}
	return dockerignore{pm: pm}, nil
}

// excluded reports whether the build does not see rel (slash-separated).
func (di dockerignore) excluded(rel string) bool {
	if di.pm == nil {
		return false
	}
	ok, err := di.pm.MatchesOrParentMatches(rel)
	return err == nil && ok
}

// mayReinclude reports whether a "!" pattern could bring back something
// under an excluded folder, so the walk must still enter it.
func (di dockerignore) mayReinclude(string) bool { return di.pm != nil && di.pm.Exclusions() }

// copyScope is the part of the context a Dockerfile reads: slash paths
// (a file, or a folder and all it holds); all of it when everything is true.
type copyScope struct {
	everything bool
	paths      []string
}

func (c copyScope) has(rel string) bool {
	if c.everything {
		return true
	}
	for _, p := range c.paths {
		if rel == p || strings.HasPrefix(rel, p+"/") {
			return true
		}
	}
	return false
}

// copiedPaths reads which context paths the Dockerfile's COPY and ADD
// instructions take. Whenever that cannot be told for certain — a wildcard,
// a variable, the whole context (".") copied, a heredoc, a RUN bind mount
// of the context, a Dockerfile that does not parse — it answers the whole
// context, so the tag errs towards changing.
func copiedPaths(dockerfile []byte) copyScope {
	all := copyScope{everything: true}
	res, err := parser.Parse(bytes.NewReader(dockerfile))
	if err != nil {
		return all
	}
	var scope copyScope
	for _, n := range res.AST.Children {
		instr := strings.ToLower(n.Value)
		switch instr {
		case "copy", "add":
			if len(n.Heredocs) > 0 {
				return all
			}
			fromStage := false
			for _, f := range n.Flags {
				switch {
				case strings.HasPrefix(f, "--from="):
					fromStage = true
				case strings.HasPrefix(f, "--parents"), strings.HasPrefix(f, "--exclude"):
					return all
				}
			}
			if fromStage {
				continue
			}
			var args []string
			for x := n.Next; x != nil; x = x.Next {
				args = append(args, x.Value)
			}
			if len(args) < 2 {
				return all
			}
			for _, src := range args[:len(args)-1] {
				if instr == "add" && (strings.Contains(src, "://") || strings.HasPrefix(src, "git@")) {
					continue // remote, not from the context
				}
				if strings.ContainsAny(src, "*?[\\$") {
					return all
				}
				p := path.Clean(strings.TrimPrefix(src, "/"))
				if p == "." || p == "/" || strings.HasPrefix(p, "../") || p == ".." {
					return all
				}
				scope.paths = append(scope.paths, p)
			}
		case "run":
			for _, f := range n.Flags {
				mount, ok := strings.CutPrefix(f, "--mount=")
				if !ok {
					continue
				}
				typ, from := "bind", false
				for _, kv := range strings.Split(mount, ",") {
					k, v, _ := strings.Cut(kv, "=")
					switch k {
					case "type":
						typ = v
					case "from":
						from = true
					}
				}
				if typ == "bind" && !from {
					return all // the context itself, mounted
				}
			}
		}
	}
	return scope
}
