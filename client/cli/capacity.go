package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cloudperf/cloudperf/client/capacity"
	"github.com/cloudperf/cloudperf/client/kube"
	"github.com/cloudperf/cloudperf/client/load"
	"github.com/cloudperf/cloudperf/client/plan"
	"github.com/cloudperf/cloudperf/client/report"
	"github.com/cloudperf/cloudperf/client/results"
)

const capacityUsageHead = `client capacity: what rate can this service take within my SLO? Short steps
at rising rates, then a narrowing search between the last rate held and the
first broken, each step after a warm-up at its rate and a pause for the target
to drain; it never goes above --max-rate, stops a step that fails badly (half
its requests failing, or p99 over ten times the limit) at once, and does not
call a rate held when the generator itself fell behind: it sent under 95% of
the rate, or its lateness alone broke a latency threshold (service time, from
the actual send, holds it), while the target held nothing at the in-flight
cap. A doubtful step — the generator fell behind, or the step broke (not
badly, nothing waiting at the in-flight cap) while the generator stalled
(dispatch lag p99 over 10ms) — is run again (--repeats) before its verdict
counts, so a busy machine's stall does not move the bracket.

Usage:
  client capacity (--local | --url URL | --from-stack STACK) THRESHOLD... [flags]

The same targets and flags as a run, without --rate, --duration, --requests,
--stages and --out (the search sets the rates and keeps no per-request log).
At least one threshold: --max-p99, --max-p50, --max-error-rate, --threshold.
Against a stack it records the ready replicas at each step and reports the
capacity per pod.

Examples:
  client capacity --local --path "/?cpu=1ms" --max-p99 50ms --max-error-rate 1
  client capacity --from-stack dev --max-p99 250ms --max-rate 2000 --report capacity.html

Exit codes: 0 capacity found (or --max-rate held); 1 no rate held, the
generator fell behind, or the step limit ran out; 2 bad usage; 3 no request
succeeded; 130 interrupted.

Flags:
`

func init() {
	valueNames["start-rate"], valueNames["max-rate"] = "R", "R"
}

// capacityRefused are the run's flags the search does not use, and why.
var capacityRefused = map[string]string{
	"rate":     "the search sets the rates: use --start-rate and --max-rate",
	"duration": "each step lasts --step",
	"requests": "each step lasts --step",
	"stages":   "the search sets the rates: use --start-rate and --max-rate",
	"out":      "the search keeps no per-request log",
}

// capacityFlags adds the search's own flags to the run's.
func capacityFlags(set *capacity.Settings, precisionPct *float64) func(*flag.FlagSet) {
	return func(fs *flag.FlagSet) {
		set.StartRate, set.MaxRate = capacity.DefaultStartRate, capacity.DefaultMaxRate
		fs.Var(&funcValue{show: "50", set: func(v string) (err error) {
			set.StartRate, err = plan.ParseRate(v)
			return err
		}}, "start-rate", "the first step's rate, per second")
		fs.Var(&funcValue{show: "5000", set: func(v string) (err error) {
			set.MaxRate, err = plan.ParseRate(v)
			return err
		}}, "max-rate", "no step goes above this rate, per second")
		fs.DurationVar(&set.Step, "step", capacity.DefaultStep, "how long each step measures, after its warm-up (--warmup, default 2s for capacity)")
		fs.DurationVar(&set.Pause, "pause", capacity.DefaultPause, "the pause between steps, for the target to drain")
		fs.Float64Var(precisionPct, "precision", 100*capacity.DefaultPrecision, "stop narrowing when the rate broken is within this `percent` above the rate held")
		fs.Float64Var(&set.Growth, "growth", capacity.DefaultGrowth, "each rising step's rate is the last one's times this `factor`")
		set.Repeats = 1
		fs.IntVar(&set.Repeats, "repeats", 1, "run a doubtful step (the generator fell behind, or it broke while the generator stalled) again up to `N` times before its verdict counts")
	}
}

// parseCapacityArgs parses a run's flags with the search's own.
func parseCapacityArgs(args []string, stdout io.Writer) (*options, capacity.Settings, error) {
	var set capacity.Settings
	var precisionPct float64
	var fs *flag.FlagSet
	add := capacityFlags(&set, &precisionPct)
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			printCapacityUsage(stdout)
			return nil, set, flag.ErrHelp
		}
	}
	o, err := parseArgs(args, stdout, add, func(f *flag.FlagSet) { fs = f })
	if err != nil {
		return nil, set, usageError{"capacity: " + err.Error()}
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for name, why := range capacityRefused {
		if given[name] {
			return nil, set, usagef("capacity: --%s is not used: %s", name, why)
		}
	}
	if o.mode == plan.ModeSync {
		return nil, set, usagef("capacity: --mode sync sends one request at a time: a capacity search needs the open loop (async)")
	}
	set.Warmup = capacity.DefaultWarmup
	if given["warmup"] {
		set.Warmup = o.warmup
	}
	set.Precision = precisionPct / 100
	set.Thresholds = o.thresholds
	if err := set.Normalize(); err != nil {
		return nil, set, usagef("capacity: %v", err)
	}
	return o, set, nil
}

// printCapacityUsage lists the flags capacity takes.
func printCapacityUsage(w io.Writer) {
	var set capacity.Settings
	var p float64
	all := newFlagSet(&options{})
	capacityFlags(&set, &p)(all)
	shown := flag.NewFlagSet("client capacity", flag.ContinueOnError)
	all.VisitAll(func(f *flag.Flag) {
		if _, refused := capacityRefused[f.Name]; !refused {
			shown.Var(f.Value, f.Name, f.Usage)
			shown.Lookup(f.Name).DefValue = f.DefValue
		}
	})
	shown.Lookup("warmup").DefValue = capacity.DefaultWarmup.String()
	fmt.Fprint(w, capacityUsageHead)
	printFlags(shown, w)
}

// capacityMain runs client capacity and returns the exit code.
func capacityMain(args []string, stdout, stderr io.Writer) int {
	fail := failer(stderr)
	o, set, err := parseCapacityArgs(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if err != nil {
		return fail(ExitUsage, "%v (see client capacity --help)", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	abort := make(chan struct{})
	signals := make(chan os.Signal, 2)
	signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(signals)
	var interrupted atomic.Bool
	go func() {
		select {
		case sig := <-signals:
			interrupted.Store(true)
			fmt.Fprintf(stderr, "\nclient: %v — stopping the search; waiting up to %v for requests in flight (again to abort them)\n", sig, o.timeout)
		case <-ctx.Done():
			return
		}
		cancel()
		select {
		case <-signals:
			close(abort)
		case <-time.After(o.timeout + time.Minute):
		}
	}()

	target, err := resolveTarget(ctx, o)
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	defer target.close()
	hitter, err := newHitter(o, target.url)
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	defer hitter.Close()
	var reportFile *os.File
	if o.report != "" {
		if reportFile, err = createFile("--report", o.report, o.force); err != nil {
			return fail(ExitUsage, "%v", err)
		}
		defer reportFile.Close()
	}

	var observer *kube.Observer
	if w := observeTarget(o, target); w != nil {
		observer = kube.Observe(ctx, *w, time.Now())
	}
	replicas := func() (int32, bool) {
		if observer == nil {
			return 0, false
		}
		if why := observer.Unavailable(); why != "" {
			return 0, false
		}
		s, ok := observer.Latest()
		return s.Ready, ok
	}
	var line *progressLine
	if !o.quiet && isTerminal(stderr) {
		line = &progressLine{w: stderr}
	}

	var last results.Summary
	run := func(ctx context.Context, n int, phase string, rate float64) (results.Summary, bool, error) {
		var stages []plan.Stage
		if set.Warmup > 0 {
			stages = append(stages, plan.Stage{Duration: set.Warmup, From: rate, To: rate, Warmup: true})
		}
		stages = append(stages, plan.Stage{Duration: set.Step, From: rate, To: rate})
		sched, err := plan.NewSchedule(stages, 0)
		if err != nil {
			return results.Summary{}, false, err
		}
		tick := o.tick
		if !o.tickSet {
			tick = load.AutoTick(rate)
		}
		sctx, stop := context.WithCancel(ctx)
		defer stop()
		stopped := false
		cfg := load.Config{
			Target: target.url, Hitter: hitter, Schedule: sched, Mode: plan.ModeAsync, MaxInFlight: o.maxInFlight,
			Tick: tick, Abort: abort,
			Progress: func(p results.Progress) {
				if !stopped && capacity.BadlyFailing(p, set.Thresholds) {
					stopped = true
					stop()
				}
				if line != nil {
					fmt.Fprintf(stderr, "\r\033[K  step %d (%s) at %s/s  %s/%s  p99 %s  errors %d", n, phase,
						fmt.Sprint(rate), results.FormatDuration(p.Elapsed.Truncate(1e8)), results.FormatDuration(p.Planned),
						results.FormatDuration(p.P99), p.Errors)
				}
			},
		}
		s, err := load.Run(sctx, cfg)
		if line != nil {
			line.clear()
		}
		last = s
		return s, stopped, err
	}

	r, searchErr := capacity.Search(ctx, target.url, set, run, replicas)
	if observer != nil {
		tl := observer.Stop()
		r.Cluster = &tl
		if tl.Unavailable != "" {
			r.Notes = append(r.Notes, tl.Unavailable)
		}
	}
	if searchErr != nil {
		return fail(ExitFailed, "capacity: %v", searchErr)
	}
	if o.format == "json" {
		err = writeJSON(stdout, r)
	} else {
		err = capacity.WriteText(stdout, r)
	}
	if err != nil {
		return fail(ExitFailed, "writing the result: %v", err)
	}
	if reportFile != nil {
		if err := writeReport(reportFile, func(w io.Writer) error { return report.WriteCapacityHTML(w, r) }); err != nil {
			return fail(ExitFailed, "writing the report %s: %v", o.report, err)
		}
	}

	switch r.Outcome {
	case capacity.Found, capacity.AboveMaxRate:
		return ExitOK
	case capacity.Interrupted:
		if interrupted.Load() {
			return ExitInterrupted
		}
		return fail(ExitFailed, "capacity: the search was interrupted")
	case capacity.TargetDown:
		if len(last.Errors) == 0 {
			return fail(ExitUnreachable, "capacity: no request to %s succeeded at %s/s", target.url, fmt.Sprint(set.StartRate))
		}
		return fail(ExitUnreachable, "%s", unreachableHint(target, last))
	}
	return fail(ExitFailed, "capacity %s", strings.TrimSuffix(capacity.Headline(r), "."))
}
