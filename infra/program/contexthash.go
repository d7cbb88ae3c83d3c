package program

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// contentTag is a tag for the image built from contextDir and dockerfile:
// the first 16 hex digits of a SHA-256 over every file the build sees
// (paths, modes and contents, after .dockerignore), the Dockerfile and the
// platform. Same sources, same tag; any change to them, a new tag, so the
// Deployment's image changes and Kubernetes rolls the pods.
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
