// Package cli is the client command: flags → target → load.Run → summary and
// exit code. cmd main is one line calling Main, so tests drive it directly.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"time"

	"github.com/cloudperf/cloudperf/client/kube"
	"github.com/cloudperf/cloudperf/client/load"
	"github.com/cloudperf/cloudperf/client/plan"
	"github.com/cloudperf/cloudperf/client/report"
	"github.com/cloudperf/cloudperf/client/results"
)

// Exit codes.
const (
	ExitOK          = 0
	ExitFailed      = 1 // a threshold broken, or the run could not finish (log write error)
	ExitUsage       = 2 // bad flags, or the target could not be resolved
	ExitUnreachable = 3 // no request succeeded
	ExitInterrupted = 130
)

// Main runs the client with args (without the program name) and returns the
// exit code. SIGINT/SIGTERM stop dispatching; a second one aborts requests in flight.
func Main(args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		if sub := subcommands[args[0]]; sub != nil {
			return sub(args[1:], stdout, stderr)
		}
	}
	if len(args) > 0 && args[0] == "help" { // client help [SUBCOMMAND]
		return Main(append(args[1:min(len(args), 2)], "--help"), stdout, stderr)
	}
	o, err := parseArgs(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return ExitOK
	}
	if errors.Is(err, errVersion) {
		fmt.Fprintln(stdout, version())
		return ExitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "client: %v (see client --help)\n", err)
		return ExitUsage
	}
	for _, n := range o.notes {
		fmt.Fprintf(stderr, "client: note: %s\n", n)
	}
	// net/http's Transport reports a peer that speaks out of turn (an SSH
	// server's banner on an idle connection) on the standard logger; the
	// request's class says it already, and stderr keeps to one line each.
	log.SetOutput(io.Discard)
	if _, set := os.LookupEnv("GOGC"); !set {
		// The load path allocates little per request, so collecting
		// when the heap has grown by half (not doubled) costs next to no CPU
		// and keeps the heap, and the resident size, closer to what is live.
		debug.SetGCPercent(50)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	interrupts := watchInterrupts(cancel, o.timeout, stderr)
	defer interrupts.release()

	code := run(ctx, o, interrupts, stdout, stderr)
	if interrupts.stop() != nil {
		return ExitInterrupted
	}
	return code
}

// run resolves the target, runs the load and reports it. The interrupts
// are watched until the load has run.
func run(ctx context.Context, o *options, interrupts *interrupts, stdout, stderr io.Writer) int {
	fail := failer(stderr)
	target, err := resolveTarget(ctx, o)
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	defer target.close()

	schedule, err := plan.NewSchedule(o.stages, o.requests)
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	hitter, err := newHitter(o, target.url)
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	defer hitter.Close()

	logOut, err := openLog(o, stdout)
	if err != nil {
		return fail(ExitUsage, "%v", err)
	}
	if o.out == "-" {
		stdout = stderr // stdout is the log's: the summary goes to stderr
	}
	var reportFile *os.File
	if o.report != "" {
		if reportFile, err = createFile("--report", o.report, o.force); err != nil {
			logOut.remove()
			return fail(ExitUsage, "%v", err)
		}
	}
	cfg := load.Config{
		Target: target.url, Hitter: hitter, Schedule: schedule, Mode: o.mode, MaxInFlight: o.maxInFlight, Tick: o.tick,
		Thresholds: o.thresholds, Abort: interrupts.abort,
	}
	if logOut.w != nil {
		cfg.Log, cfg.LogFormat, cfg.LogName = logOut.w, logOut.format, logOut.name
	}
	if !o.quiet && isTerminal(stderr) {
		cfg.Progress = (&progressLine{w: stderr}).show
	}

	if o.cpuProfile != "" {
		stop, err := startCPUProfile(o.cpuProfile, o.force)
		if err != nil {
			logOut.remove()
			dropReport(reportFile, o.report)
			return fail(ExitUsage, "%v", err)
		}
		defer stop()
	}

	var (
		observer   *kube.Observer
		stopNotice = make(chan struct{})
		noticing   sync.WaitGroup
	)
	if w := observeTarget(o, target); w != nil {
		observer = kube.Observe(ctx, *w, time.Now())
		noticing.Go(func() {
			select {
			case <-observer.Ready():
				if why := observer.Unavailable(); why != "" {
					fmt.Fprintf(stderr, "\r\033[Kclient: %s — carrying on without it\n", why)
				}
			case <-stopNotice: // the summary says it
			case <-ctx.Done():
			}
		})
	}

	summary, runErr := load.Run(ctx, cfg)
	interrupts.stop()                    // a signal from now on does not cut the summary short
	summary.Generator, _ = os.Hostname() // which pod of a load Job wrote it, for `client merge`
	summary.Settings = o.settings()
	if observer != nil {
		timeline := observer.Stop()
		summary.Cluster = &timeline
		summary.Autoscaling = results.AnalyzeAutoscaling(summary)
	}
	close(stopNotice)
	noticing.Wait() // nothing writes to stderr once the summary is out
	if err := logOut.close(); err != nil && runErr == nil {
		runErr = fmt.Errorf("closing the log %s: %v", logOut.name, err)
	}
	if cfg.Progress != nil {
		(&progressLine{w: stderr}).clear()
	}
	if err := writeSummary(stdout, o.format, summary); err != nil {
		return fail(ExitFailed, "writing the summary: %v", err)
	}
	if reportFile != nil {
		err := writeReport(reportFile, func(w io.Writer) error { return report.WriteHTML(w, summary) })
		if err != nil && runErr == nil {
			runErr = fmt.Errorf("writing the report %s: %v", o.report, err)
		}
	}

	switch {
	case runErr != nil:
		return fail(ExitFailed, "%v", runErr)
	case summary.Requests > 0 && summary.OK == 0 && !summary.Interrupted:
		return fail(ExitUnreachable, "%s", unreachableHint(target, summary))
	}
	return thresholdsVerdict(summary.Thresholds, fail)
}

// thresholdsVerdict is ExitOK, or ExitFailed with one line naming every
// broken threshold and its actual value.
func thresholdsVerdict(results []results.ThresholdResult, fail func(int, string, ...any) int) int {
	var broken []string
	for _, t := range results {
		if !t.OK {
			broken = append(broken, fmt.Sprintf("%s (actual %.3f%s)", t.Threshold, t.Actual, t.Unit))
		}
	}
	if len(broken) > 0 {
		return fail(ExitFailed, "threshold broken: %s", strings.Join(broken, "; "))
	}
	return ExitOK
}

func writeSummary(w io.Writer, format string, s results.Summary) error {
	if format == "json" {
		return results.WriteJSON(w, s)
	}
	return results.WriteText(w, s)
}

func (o *options) header() map[string][]string {
	h := map[string][]string{}
	for _, kv := range o.headers {
		k, v, _ := strings.Cut(kv, ":")
		k = http.CanonicalHeaderKey(strings.TrimSpace(k)) // x-a and X-A are one header
		h[k] = append(h[k], strings.TrimSpace(v))
	}
	return h
}

// unreachableHint says what most likely went wrong when nothing succeeded.
func unreachableHint(t *target, s results.Summary) string {
	top := "unknown"
	if len(s.Errors) > 0 {
		top = s.Errors[0].Key
	}
	msg := fmt.Sprintf("no request to %s succeeded (%d of %d: %s). ", t.url, s.Errors[0].Count, s.Requests, top)
	switch {
	case top == "refused":
		msg += "Nothing listens there: is the service up?"
	case top == "dns":
		msg += "The host does not resolve: check the URL."
	case top == "timeout":
		msg += "No response within --timeout: is the address reachable from here?"
	case top == "tls":
		msg += "TLS failed: for a self-signed certificate add --insecure."
	case top == "protocol":
		msg += "The endpoint does not speak HTTP/1.x: check the port and scheme."
	case strings.HasPrefix(top, "http_"):
		msg += "Every response was an HTTP error: check the path."
	default:
		msg += "See the log for each request's class."
	}
	if t.hint != "" {
		msg += " " + t.hint
	}
	return msg
}

type closingHitter interface {
	load.Hitter
	Close()
}

func newHitter(o *options, url string) (closingHitter, error) {
	opts := load.HTTPOptions{
		URL: url, Method: o.method, Header: o.header(), Body: o.body, Timeout: o.timeout,
		KeepAlive: o.keepAlive, MaxConns: o.maxInFlight, Insecure: o.insecure, MaxConnAge: o.connMaxAge,
	}
	if o.engine == "net/http" {
		return load.NewHTTPHitter(opts)
	}
	return load.NewFastHitter(opts)
}

func startCPUProfile(name string, force bool) (stop func(), err error) {
	f, err := createFile("--cpuprofile", name, force)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %v", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
