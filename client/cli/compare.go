package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/cloudperf/cloudperf/client/report"
	"github.com/cloudperf/cloudperf/client/results"
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
	fs.Float64Var(&o.tolerance, "tolerance", results.DefaultTolerance, "a latency or the throughput regresses when worse by more than this `percent` of the base (and beyond noise)")
	fs.Float64Var(&o.errorTolerance, "error-tolerance", results.DefaultErrorTolerance, "the error rate regresses when it rises by more than this many percentage `points` (and beyond noise)")
	return fs
}

// parseCompareArgs parses flags and the two inputs in any order; after "--"
// every argument is an input.
func parseCompareArgs(args []string, stdout io.Writer) (*compareOptions, error) {
	o := &compareOptions{}
	fs := newCompareFlagSet(o)
	var err error
	o.inputs, err = parseInputs(fs, args, "compare", func() {
		fmt.Fprint(stdout, compareUsageHead)
		printFlags(fs, stdout)
	})
	if err != nil {
		return nil, err
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
	if err := checkInputNames("compare", o.inputs); err != nil {
		return nil, err
	}
	return o, nil
}

// compareMain runs client compare and returns the exit code.
func compareMain(args []string, stdout, stderr io.Writer) int {
	fail := failer(stderr)
	o, err := parseCompareArgs(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		return fail(ExitUsage, "%v (see client compare --help)", err)
	}
	var runs [2]results.Summary
	for i, in := range o.inputs {
		if runs[i], err = readRun(in, os.Stdin); err != nil {
			return fail(ExitUsage, "compare: %v", err)
		}
	}
	c, err := results.Compare(runs[0], runs[1], inputName(o.inputs[0]), inputName(o.inputs[1]),
		results.CompareOptions{Tolerance: o.tolerance, ErrorTolerance: o.errorTolerance})
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
		err = writeJSON(stdout, c)
	} else {
		err = results.WriteCompareText(stdout, c)
	}
	if err != nil {
		dropReport(reportFile, o.report)
		return fail(ExitFailed, "writing the comparison: %v", err)
	}
	if reportFile != nil {
		if err := writeReport(reportFile, func(w io.Writer) error { return report.WriteCompareHTML(w, runs[0], runs[1], c) }); err != nil {
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

func changeText(r results.CompareRow) string {
	if r.Unit == "%" {
		return fmt.Sprintf("%+.2f points", r.Change)
	}
	if r.ChangePct != nil {
		return fmt.Sprintf("%+.1f%%", *r.ChangePct)
	}
	return "from 0 to " + strconv.FormatFloat(r.New, 'g', 4, 64) + r.Unit
}

// readRun reads one side of a comparison: a summary, or several merged.
func readRun(in string, stdin io.Reader) (results.Summary, error) {
	found, err := readSummaries([]string{in}, stdin)
	if err != nil {
		return results.Summary{}, err
	}
	if len(found) == 1 {
		return found[0].summary, nil
	}
	merged, where, err := mergeFound(found)
	if err != nil {
		if where == "" {
			where = inputName(in)
		}
		return results.Summary{}, fmt.Errorf("%s: merging its %d summaries: %v", where, len(found), err)
	}
	return merged, nil
}
