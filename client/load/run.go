package load

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sync"
	"time"

	"github.com/cloudperf/cloudperf/client/plan"
	"github.com/cloudperf/cloudperf/client/results"
)

// Config is one load run.
type Config struct {
	Target      string // shown in the summary
	Hitter      Hitter
	Schedule    *plan.Schedule
	Mode        plan.Mode
	MaxInFlight int
	Tick        time.Duration // see WithTick

	Log       io.Writer // per-request log; nil for none
	LogFormat results.LogFormat
	LogName   string // shown in the summary

	Thresholds []results.Threshold
	Interval   time.Duration // time-series step; default 1s

	// Progress, if set, is called about once a second with the run so far.
	Progress func(results.Progress)
	// Abort, when closed, cancels the requests in flight (a second Ctrl-C).
	Abort <-chan struct{}
}

// Run dispatches the schedule until it ends or ctx is cancelled, feeding
// every result once to the log and the metrics, and returns the summary of
// what was measured. A log write error stops the run (the summary is still
// returned, with the error). The log is flushed on every path.
func Run(ctx context.Context, cfg Config) (results.Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	attack := NewAttacker(cfg.Hitter, WithMode(cfg.Mode), WithMaxInFlight(cfg.MaxInFlight), WithTick(cfg.Tick)).Attack(ctx, cfg.Schedule)
	if cfg.Abort != nil {
		// Watched until the run is over, not until ctx ends: the first
		// Ctrl-C cancels ctx, and the second must still abort.
		ran := make(chan struct{})
		var watching sync.WaitGroup
		watching.Go(func() {
			select {
			case <-cfg.Abort:
				attack.Abort()
			case <-ran:
			}
		})
		defer watching.Wait()
		defer close(ran)
	}

	metrics := results.NewMetrics(cfg.Schedule, cfg.Interval)
	var log *results.LogWriter
	if cfg.Log != nil {
		log = results.NewLogWriter(cfg.Log, cfg.LogFormat, attack.Start())
	}
	var logErr error
	consume := func(r results.Result) {
		if log != nil && logErr == nil {
			if err := log.Write(r); err != nil {
				logErr = logError(cfg.LogName, err, log, true)
				cancel()
			}
		}
		metrics.Add(r)
	}

	if cfg.Progress == nil {
		for r := range attack.Results() {
			consume(r)
		}
	} else {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		stream := attack.Results()
		var sent int64
	loop:
		for {
			select {
			case r, ok := <-stream:
				if !ok {
					break loop
				}
				sent++
				consume(r)
			case <-tick.C:
				elapsed := time.Since(attack.Start())
				cfg.Progress(results.Progress{
					Elapsed: elapsed, Planned: cfg.Schedule.Duration(), Sent: sent, Expected: cfg.Schedule.Expected(),
					Rate: float64(sent) / elapsed.Seconds(), P99: metrics.P99(), Errors: metrics.Errors(),
				})
			}
		}
	}

	if log != nil {
		if err := log.Flush(); err != nil && logErr == nil {
			logErr = logError(cfg.LogName, err, log, false)
		}
	}
	stats := attack.Stats()
	if ctx.Err() != nil {
		stats.Interrupted = true
	}
	summary := metrics.Summarize(results.RunInfo{Target: cfg.Target, Start: attack.Start(), Mode: cfg.Mode, Stats: stats, Log: cfg.LogName})
	for _, t := range cfg.Thresholds {
		summary.Thresholds = append(summary.Thresholds, t.Check(summary))
	}
	return summary, logErr
}

// logError says what a log write error cost: the run stops there (stopped),
// and the log keeps the lines written before it, each whole.
func logError(name string, err error, log *results.LogWriter, stopped bool) error {
	var pathErr *fs.PathError
	if errors.As(err, &pathErr) { // "write run.csv: no space left on device": the name is said once
		err = pathErr.Err
	}
	if stopped {
		return fmt.Errorf("writing the log %s: %v; the run was stopped there, and the log keeps %d requests, every line whole",
			name, err, log.Kept())
	}
	return fmt.Errorf("writing the log %s: %v; the log keeps %d of the %d requests, every line whole",
		name, err, log.Kept(), log.Lines())
}
