package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/cloudperf/cloudperf/client/report"
	"github.com/cloudperf/cloudperf/client/results"
)

const mergeUsageHead = `client merge: combine the JSON summaries of runs made at the same time by
several load generators — the pods of a Kubernetes Job, say — into the summary
of one run, exactly: counts add up, every percentile is read from the merged
histograms (never averaged), and the time series is aligned on wall-clock time.

Usage:
  client merge [flags] FILE... | DIR

A FILE holds one or more summaries as client --format json prints them, with
anything else around them: kubectl logs output with stderr lines, several pods'
logs one after another, --prefix and --timestamps included. "-" reads stdin.
A DIR stands for every *.json file in it.

Examples:
  kubectl logs -l job-name=JOB --tail=-1 --prefix > results.log
  client merge results.log --report merged.html
  client merge --max-p99 250ms --format json results/ > merged.json

Exit codes: 0 merged, thresholds met; 1 a threshold broken; 2 bad usage or an
input without a usable summary; 3 no request succeeded in any run.
`

// mergeOptions are the parsed command line of client merge.
type mergeOptions struct {
	format     string
	report     string
	force      bool
	thresholds []results.Threshold
	inputs     []string
}

func newMergeFlagSet(o *mergeOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("client merge", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&o.format, "format", "text", "merged summary format on stdout: text or json")
	fs.StringVar(&o.report, "report", "", "write a self-contained HTML report of the merged run to this file")
	fs.BoolVar(&o.force, "force", false, "overwrite an existing --report file")
	addThresholdFlags(fs, &o.thresholds)
	onceOnly(fs, "threshold")
	return fs
}

// parseMergeArgs parses flags and inputs in any order; after "--" every
// argument is an input.
func parseMergeArgs(args []string, stdout io.Writer) (*mergeOptions, error) {
	o := &mergeOptions{}
	fs := newMergeFlagSet(o)
	var err error
	o.inputs, err = parseInputs(fs, args, "merge", func() {
		fmt.Fprint(stdout, mergeUsageHead)
		printFlagGroups(fs, mergeFlagGroups, stdout)
	})
	if err != nil {
		return nil, err
	}
	switch {
	case o.format != "text" && o.format != "json":
		return nil, usagef("merge: --format %q: want text or json", o.format)
	case len(o.inputs) == 0:
		return nil, usagef("merge: no input: give files holding JSON summaries (client --format json), or a folder of *.json")
	}
	if err := checkInputNames("merge", o.inputs); err != nil {
		return nil, err
	}
	return o, nil
}

// mergeMain runs client merge and returns the exit code.
func mergeMain(args []string, stdout, stderr io.Writer) int {
	fail := failer(stderr)
	o, err := parseMergeArgs(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		return fail(ExitUsage, "%v (see client merge --help)", err)
	}

	runs, err := readSummaries(o.inputs, os.Stdin)
	if err != nil {
		return fail(ExitUsage, "merge: %v", err)
	}
	merged, where, err := mergeFound(runs)
	if err != nil {
		if where != "" {
			return fail(ExitUsage, "merge: %s: %v", where, err)
		}
		return fail(ExitUsage, "merge: %v", err)
	}
	if merged.Merged.Disjoint {
		fmt.Fprintf(stderr, "client: note: the runs did not overlap in time, so they did not load the target together: their rates are over the union of their spans (%s), not summed\n",
			results.FormatDuration(merged.Span()))
	}
	if t := merged.Merged.Targets; len(t) > 1 {
		fmt.Fprintf(stderr, "client: note: the runs loaded %d different targets (%s); merged as one load\n", len(t), strings.Join(t, ", "))
	}
	for _, t := range o.thresholds {
		merged.Thresholds = append(merged.Thresholds, t.Check(merged))
	}
	merged.Autoscaling = results.AnalyzeAutoscaling(merged)

	var reportFile *os.File
	if o.report != "" {
		if reportFile, err = createFile("--report", o.report, o.force); err != nil {
			return fail(ExitUsage, "merge: %v", err)
		}
	}
	if err := writeSummary(stdout, o.format, merged); err != nil {
		dropReport(reportFile, o.report)
		return fail(ExitFailed, "writing the summary: %v", err)
	}
	if reportFile != nil {
		if err := writeReport(reportFile, func(w io.Writer) error { return report.WriteHTML(w, merged) }); err != nil {
			return fail(ExitFailed, "writing the report %s: %v", o.report, err)
		}
	}

	if merged.Requests > 0 && merged.OK == 0 {
		top := "unknown"
		if len(merged.Errors) > 0 {
			top = merged.Errors[0].Key
		}
		return fail(ExitUnreachable, "no request succeeded in any of the %d runs (%d requests, most failed as %s)", merged.Merged.Runs, merged.Requests, top)
	}
	return thresholdsVerdict(merged.Thresholds, fail)
}

// foundSummary is one summary read from the inputs, and where it was.
type foundSummary struct {
	summary results.Summary
	where   string // "results.log" or "results.log, summary 2 (line 120)"
}

// mergeFound merges the summaries found. When one of them cannot be
// merged, where says which, and err why.
func mergeFound(found []foundSummary) (merged results.Summary, where string, err error) {
	summaries := make([]results.Summary, len(found))
	for i, f := range found {
		summaries[i] = f.summary
	}
	merged, err = results.Merge(summaries)
	if err != nil {
		var me *results.MergeError
		if errors.As(err, &me) {
			return results.Summary{}, found[me.Index].where, me.Err
		}
		return results.Summary{}, "", err
	}
	return merged, "", nil
}

// readSummaries reads every input: files (stdin for "-") and folders of
// *.json. Every input must hold a summary, and no run may be given twice.
func readSummaries(inputs []string, stdin io.Reader) ([]foundSummary, error) {
	var files []string
	for _, in := range inputs {
		if in == "-" {
			files = append(files, in)
			continue
		}
		fi, err := os.Stat(in)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", in, pathErr(err))
		}
		if !fi.IsDir() {
			files = append(files, in)
			continue
		}
		matches, err := filepath.Glob(filepath.Join(globEscape(in), "*.json"))
		if err != nil {
			return nil, fmt.Errorf("%s: %v", in, err)
		}
		var regular []string
		for _, m := range matches {
			if fi, err := os.Stat(m); err == nil && fi.Mode().IsRegular() {
				regular = append(regular, m)
			}
		}
		if len(regular) == 0 {
			return nil, fmt.Errorf("%s: a folder without *.json files: give the summary files themselves, or a folder of NAME.json", in)
		}
		slices.Sort(regular)
		files = append(files, regular...)
	}

	var out []foundSummary
	seen := map[string]string{}
	for _, name := range files {
		var data []byte
		var err error
		if name == "-" {
			data, err = io.ReadAll(stdin)
			name = "stdin"
		} else {
			data, err = os.ReadFile(name)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, pathErr(err))
		}
		found, err := findSummaries(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", name, err)
		}
		for i, f := range found {
			where := name
			if len(found) > 1 {
				where = fmt.Sprintf("%s, summary %d (line %d)", name, i+1, f.line)
			}
			// Two generators never write the same summary: their start
			// times alone differ by nanoseconds.
			data, _ := json.Marshal(f.summary)
			key := string(data)
			if first, dup := seen[key]; dup {
				return nil, fmt.Errorf("%s is the same run as %s: each run must be given once", where, first)
			}
			seen[key] = where
			out = append(out, foundSummary{summary: f.summary, where: where})
		}
	}
	return out, nil
}

func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// globEscape quotes the glob metacharacters of a folder name.
func globEscape(s string) string {
	return regexp.MustCompile(`[*?\[\\]`).ReplaceAllString(s, `\$0`)
}

// kubectlPrefix is what kubectl logs may put before each line: the
// --prefix "[pod/NAME/CONTAINER] " and the --timestamps RFC 3339 time.
var (
	podPrefix       = regexp.MustCompile(`^\[pod/[^\]\s]+\] `)
	timestampPrefix = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d) `)
)

type located struct {
	summary results.Summary
	line    int
}

// findSummaries finds every summary in data, whatever lines surround them.
// A summary is a JSON object starting at the beginning of a line and
// holding the fields only a summary has. Lines prefixed by kubectl logs
// --prefix are regrouped per pod first, so pods' interleaved lines still
// make whole objects; --timestamps prefixes are dropped.
func findSummaries(data []byte) ([]located, error) {
	type stream struct {
		text  []byte
		lines []int // input line number of each line of text
	}
	streams := map[string]*stream{}
	var order []string
	for i, line := range bytes.SplitAfter(data, []byte("\n")) {
		pod := ""
		if m := podPrefix.Find(line); m != nil {
			pod, line = string(m), line[len(m):]
		}
		if m := timestampPrefix.Find(line); m != nil {
			line = line[len(m):]
		}
		s := streams[pod]
		if s == nil {
			s = &stream{}
			streams[pod] = s
			order = append(order, pod)
		}
		s.text = append(s.text, line...)
		s.lines = append(s.lines, i+1)
	}

	var found []located
	var firstBad error
	for _, pod := range order {
		s := streams[pod]
		starts := make([]int, 0, len(s.lines)) // byte offset of each line in s.text
		for off, rest := 0, s.text; ; {
			starts = append(starts, off)
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				break
			}
			off, rest = off+i+1, rest[i+1:]
		}
		lineAt := func(pos int) int {
			k, _ := slices.BinarySearch(starts, pos+1)
			return s.lines[min(max(k-1, 0), len(s.lines)-1)]
		}
		nextLine := func(pos int) int {
			if i := bytes.IndexByte(s.text[pos:], '\n'); i >= 0 {
				return pos + i + 1
			}
			return len(s.text)
		}
		for pos := 0; pos < len(s.text); {
			if s.text[pos] != '{' {
				pos = nextLine(pos)
				continue
			}
			sum, n, err := decodeSummary(s.text[pos:])
			switch {
			case err != nil && firstBad == nil:
				firstBad = fmt.Errorf("line %d: %v", lineAt(pos), err)
			case err == nil && n > 0:
				found = append(found, located{summary: sum, line: lineAt(pos)})
				pos = nextLine(pos + n - 1) // past the object's last line
				continue
			}
			pos = nextLine(pos)
		}
	}
	if len(found) == 0 {
		if firstBad != nil {
			return nil, fmt.Errorf("no summary found: %v", firstBad)
		}
		return nil, errors.New("no summary found: want the JSON that client --format json prints")
	}
	return found, nil
}

// summaryFields are fields every summary has and other JSON hardly would.
var summaryFields = []string{"target", "start", "requests", "latency", "latency_histogram"}

// decodeSummary decodes the JSON value at the start of b. It returns the
// bytes it took, or 0 when the value is JSON but not a summary; an error
// when it does not decode (a truncated log, say) or is a broken summary.
func decodeSummary(b []byte) (results.Summary, int, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			return results.Summary{}, 0, fmt.Errorf("a JSON object that does not parse (%v)", err)
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return results.Summary{}, 0, errors.New("a JSON object cut short (was the log truncated? kubectl logs needs --tail=-1 with -l)")
		}
		return results.Summary{}, 0, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return results.Summary{}, 0, nil
	}
	for _, f := range summaryFields {
		if _, ok := fields[f]; !ok {
			return results.Summary{}, 0, nil
		}
	}
	var s results.Summary
	if err := json.Unmarshal(raw, &s); err != nil {
		return results.Summary{}, 0, fmt.Errorf("a summary that does not decode: %v", err)
	}
	return s, int(dec.InputOffset()), nil
}
