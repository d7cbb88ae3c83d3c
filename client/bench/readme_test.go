package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRewriteReadme(t *testing.T) {
	path := filepath.Join(t.TempDir(), "README.md")
	before := "# x\n\n" + startMarker + "\nold table\n" + endMarker + "\n\nafter\n"
	if err := os.WriteFile(path, []byte(before), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rewriteReadme(path, "| new |\n"); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	want := "# x\n\n" + startMarker + "\n| new |\n" + endMarker + "\n\nafter\n"
	if string(got) != want {
		t.Errorf("got %q, want %q", got, want)
	}
	if err := os.WriteFile(path, []byte("no markers"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := rewriteReadme(path, "x"); err == nil || !strings.Contains(err.Error(), "bench:start") {
		t.Errorf("a README without markers: %v", err)
	}
}

func TestRender(t *testing.T) {
	out := render([]row{{"1. a", "m", "v", "g", "met"}}, &bench{reps: 3})
	if !strings.Contains(out, "| 1. a | m | v | g | met |") || !strings.Contains(out, "medians of 3") {
		t.Errorf("render:\n%s", out)
	}
}
