package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/cloudperf/cloudperf/client/load"
	"github.com/cloudperf/cloudperf/client/report"
)

const compareUsageHead = `client compare: did a change make it slower? Two runs side by side — each
latency percentile, the throughput and the error rate, with the change and
whether it exceeds the runs' own noise — and exit 1 on a regression, so CI
can gate on it.

Usage:
  client compare [flags] BASE NEW

BASE and NEW are files holding a run's JSON summary (client --format json), as
client merge reads them; a file (or folder) holding several summaries — the
pods of a load Job — is merged first. "-" reads stdin (for one of the two).

Noise: each run's per-second intervals are resampled (a block bootstrap:
blocks of consecutive seconds drawn with replacement, their HDR histograms
added up, every statistic recomputed 500 times); a change is beyond noise
when it exceeds twice the runs' combined standard error. A gated row (p50, p90, p99, throughput,
error_rate) regresses when it is worse beyond noise and beyond the tolerance.
The noise is what each run varied within itself: two runs on different days
can differ by more (rerun the base to see how much).

Examples:
  client --local --rate 300 --duration 30s --format json --out "" > base.json
  client --local --rate 300 --duration 30s --format json --out "" > new.json
  client compare base.json new.json
  client compare --tolerance 10 --report compare.html base.json new.json

Exit codes: 0 no regression; 1 a regression beyond --tolerance; 2 bad usage
or an input without a usable summary.

Flags:
`

// compareOptions are the parsed command line of client compare.
type compareOptions struct {
	format         string
	report         string
	force          bool
	tolerance      float64
	errorTolerance float64
	inputs         []string
}

func newCompareFlagSet(o *compareOptions) *flag.FlagSet {
	fs := flag.NewFlagSet("client compare", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&o.format, "format", "text", "comparison format on stdout: text or json")
	fs.StringVar(&o.report, "report", "", "write a self-contained HTML report overlaying the two runs to `FILE.html`")
	fs.BoolVar(&o.force, "force", false, "overwrite an existing --report file")
	fs.Float64Var(&o.tolerance, "tolerance", load.DefaultTolerance, "a latency or the throughput regresses when worse by more than this `percent` of the base (and beyond noise)")
	fs.Float64Var(&o.errorTolerance, "error-tolerance", load.DefaultErrorTolerance, "the error rate regresses when it rises by more than this many percentage `points` (and beyond noise)")
	return fs
}

// parseCompareArgs parses flags and the two inputs in any order; after "--"
// every argument is an input.
func parseCompareArgs(args []string, stdout io.Writer) (*compareOptions, error) {
	o := &compareOptions{}
	fs := newCompareFlagSet(o)
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprint(stdout, compareUsageHead)
				printFlags(fs, stdout)
				return nil, err
			}
			return nil, usageError{"compare: " + oneLine(flagDashes.Replace(err.Error()))}
		}
		left := fs.Args()
		if len(left) == 0 {
			break
		}
		if consumed := len(rest) - len(left); consumed > 0 && rest[consumed-1] == "--" {
			o.inputs = append(o.inputs, left...)
			break
		}
		o.inputs = append(o.inputs, left[0])
		rest = left[1:]
	}
	switch {
	case o.format != "text" && o.format != "json":
		return nil, usagef("compare: --format %q: want text or json", o.format)
	case len(o.inputs) != 2:
		return nil, usagef("compare: want two inputs, BASE and NEW (got %d)", len(o.inputs))
	case o.inputs[0] == "-" && o.inputs[1] == "-":
		return nil, usagef("compare: only one input can be stdin")
	case o.tolerance < 0 || math.IsNaN(o.tolerance) || math.IsInf(o.tolerance, 0):
		return nil, usagef("compare: --tolerance must be a percent ≥ 0")
	case o.errorTolerance < 0 || math.IsNaN(o.errorTolerance) || o.errorTolerance > 100:
		return nil, usagef("compare: --error-tolerance must be from 0 to 100 points")
	}
	for _, in := range o.inputs {
		if in == "" {
			return nil, usagef("compare: an empty input name")
		}
	}
	return o, nil
}

// compareMain runs client compare and returns the exit code.
func compareMain(args []string, stdout, stderr io.Writer) int {
	fail := func(code int, format string, args ...any) int {
		fmt.Fprintf(stderr, "client: %s\n", oneLine(fmt.Sprintf(format, args...)))
		return code
	}
	o, err := parseCompareArgs(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		return fail(ExitUsage, "%v (see client compare --help)", err)
	}
	var runs [2]load.Summary
	for i, in := range o.inputs {
		if runs[i], err = readRun(in, os.Stdin); err != nil {
			return fail(ExitUsage, "compare: %v", err)
		}
	}
	c, err := load.Compare(runs[0], runs[1], inputName(o.inputs[0]), inputName(o.inputs[1]),
		load.CompareOptions{Tolerance: o.tolerance, ErrorTolerance: o.errorTolerance})
	if err != nil {
		return fail(ExitUsage, "compare: %v", err)
	}

	var reportFile *os.File
	if o.report != "" {
		if reportFile, err = createFile("--report", o.report, o.force); err != nil {
			return fail(ExitUsage, "compare: %v", err)
		}
	}
	if o.format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(c)
	} else {
		err = load.WriteCompareText(stdout, c)
	}
	if err != nil {
		if reportFile != nil {
			reportFile.Close()
			os.Remove(o.report)
		}
		return fail(ExitFailed, "writing the comparison: %v", err)
	}
	if reportFile != nil {
		err := report.WriteCompareHTML(reportFile, runs[0], runs[1], c)
		if cerr := reportFile.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fail(ExitFailed, "writing the report %s: %v", o.report, err)
		}
	}
	if len(c.Regressions) > 0 {
		var parts []string
		for _, r := range c.Rows {
			if r.Regression {
				parts = append(parts, r.Metric+" "+changeText(r))
			}
		}
		return fail(ExitFailed, "regression beyond the tolerance: %s", strings.Join(parts, ", "))
	}
	return ExitOK
}

func inputName(in string) string {
	if in == "-" {
		return "stdin"
	}
	return in
}

func changeText(r load.CompareRow) string {
	if r.Unit == "%" {
		return fmt.Sprintf("%+.2f points", r.Change)
	}
	if r.ChangePct != nil {
		return fmt.Sprintf("%+.1f%%", *r.ChangePct)
	}
	return "from 0 to " + strconv.FormatFloat(r.New, 'g', 4, 64) + r.Unit
}

// readRun reads one side of a comparison: a summary, or several merged.
func readRun(in string, stdin io.Reader) (load.Summary, error) {
	found, err := readSummaries([]string{in}, stdin)
	if err != nil {
		return load.Summary{}, err
	}
	if len(found) == 1 {
		return found[0].summary, nil
	}
	summaries := make([]load.Summary, len(found))
	for i, f := range found {
		summaries[i] = f.summary
	}
	merged, err := load.Merge(summaries)
	if err != nil {
		var me *load.MergeError
		if errors.As(err, &me) {
			return load.Summary{}, fmt.Errorf("%s: merging its %d summaries: %v", found[me.Index].where, len(found), me.Err)
		}
		return load.Summary{}, fmt.Errorf("%s: merging its %d summaries: %v", inputName(in), len(found), err)
	}
	return merged, nil
}
