package kit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRewriteReadme(t *testing.T) {
	const other = "<!-- bench:service:begin -->\nservice table\n<!-- bench:service:end -->\n"
	tests := []struct {
		name, before, want, err string
	}{
		{
			name:   "replaces only its own block",
			before: "# x\n<!-- bench:limit:begin -->\nold\nrows\n<!-- bench:limit:end -->\n" + other + "after\n",
			want:   "# x\n<!-- bench:limit:begin -->\n| new |\n<!-- bench:limit:end -->\n" + other + "after\n",
		},
		{name: "no markers", before: "# x\n" + other, err: "bench:limit:begin"},
		{name: "end before begin", before: "<!-- bench:limit:end -->\n<!-- bench:limit:begin -->\n", err: "no <!-- bench:limit:begin -->"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "README.md")
			if err := os.WriteFile(path, []byte(tt.before), 0o644); err != nil {
				t.Fatal(err)
			}
			err := RewriteReadme(path, "limit", "| new |\n")
			got, _ := os.ReadFile(path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one naming %q", err, tt.err)
				}
				if string(got) != tt.before {
					t.Errorf("a failed rewrite changed the file: %q", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRender(t *testing.T) {
	table := Table{Title: "Service", Setup: "wrk -t1 -c50", Rows: []Row{Goal("app ÷ Flask", "31.00×", "≥ 30×", true)}}
	out := table.Render(time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC))
	for _, want := range []string{"Service — measured 2026-12-03 on ", "; wrk -t1 -c50.\n\n| measure |", "| app ÷ Flask | 31.00× | ≥ 30× | met |\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("render lacks %q:\n%s", want, out)
		}
	}
}

func TestOnly(t *testing.T) {
	tests := []struct {
		flag       string
		runs, skip []string
		err        bool
	}{
		{flag: "", runs: Sections},
		{flag: "limit,service", runs: []string{"limit", "service"}, skip: []string{"memory", "cost", "latency"}},
		{flag: "maxrate", err: true},
	}
	for _, tt := range tests {
		wanted, err := Only(tt.flag)
		if (err != nil) != tt.err {
			t.Fatalf("Only(%q): error %v", tt.flag, err)
		}
		for _, s := range tt.runs {
			if !wanted(s) {
				t.Errorf("Only(%q) skips %s", tt.flag, s)
			}
		}
		for _, s := range tt.skip {
			if wanted(s) {
				t.Errorf("Only(%q) runs %s", tt.flag, s)
			}
		}
	}
}

func TestMedianAndRatio(t *testing.T) {
	if got := Median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("Median = %v", got)
	}
	if got := Ratio(1, 0); got != "n/a" {
		t.Errorf("Ratio(1, 0) = %q", got)
	}
	if got := Ratio(30, 2); got != "15.00×" {
		t.Errorf("Ratio(30, 2) = %q", got)
	}
}

// make bench rewrites one README block per section: each must be there once.
func TestReadmeHasEverySectionsBlock(t *testing.T) {
	raw, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, section := range Sections {
		for _, marker := range []string{"<!-- bench:" + section + ":begin -->", "<!-- bench:" + section + ":end -->"} {
			if n := strings.Count(string(raw), marker); n != 1 {
				t.Errorf("README.md has %s %d times, want once", marker, n)
			}
		}
	}
}
