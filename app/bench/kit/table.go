package kit

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Row is one line of a bench's table. A goal's verdict is "met" or "NOT met";
// context rows leave both empty.
type Row struct {
	Measure, Value, Goal, Verdict string
}

// Table is one section of README's Performance part.
type Table struct {
	Block string // README markers: <!-- bench:Block:begin --> … <!-- bench:Block:end -->
	Title string
	Setup string // how it was measured, after the date and machine
	Rows  []Row
}

// Render prints t as the Markdown that goes between its markers.
func (t Table) Render(day time.Time) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s — measured %s on %s (%s); %s.\n\n", t.Title, day.UTC().Format("2006-01-02"), machine(), goVersion(), t.Setup)
	sb.WriteString("| measure | value | goal | |\n|---|---|---|---|\n")
	for _, r := range t.Rows {
		fmt.Fprintf(&sb, "| %s | %s | %s | %s |\n", r.Measure, r.Value, r.Goal, r.Verdict)
	}
	return sb.String()
}

// Context is a row with no goal: a figure to read the goals by.
func Context(measure, value string) Row { return Row{Measure: measure, Value: value} }

// Goal is a row checked against its goal.
func Goal(measure, value, goal string, met bool) Row {
	return Row{Measure: measure, Value: value, Goal: goal, Verdict: Verdict(met)}
}

// Verdict reads a goal's check.
func Verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// Ratio prints a ÷ b, or n/a when b was not measured.
func Ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// Median of v (0 for none); v is not changed.
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	return s[len(s)/2]
}

// MiB prints bytes in MiB.
func MiB(bytes int64) string { return fmt.Sprintf("%.1f MiB", float64(bytes)/(1<<20)) }

func machine() string {
	out, _ := os.ReadFile("/proc/cpuinfo")
	model := "unknown CPU"
	if m := regexp.MustCompile(`model name\s*:\s*(.+)`).FindSubmatch(out); m != nil {
		model = strings.TrimSpace(string(m[1]))
	}
	return fmt.Sprintf("%d × %s", bytes.Count(out, []byte("processor\t:")), model)
}

func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return "go"
	}
	return strings.TrimSpace(string(out))
}

// RewriteReadme replaces what is in the file at path
// between block's markers with content, leaving the rest of the file as it was.
func RewriteReadme(path, block, content string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	begin, end := "<!-- bench:"+block+":begin -->", "<!-- bench:"+block+":end -->"
	s := string(raw)
	i, j := strings.Index(s, begin), strings.Index(s, end)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s pair: add them where the %s table goes", path, begin, end, block)
	}
	s = s[:i+len(begin)] + "\n" + content + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
