package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cloudperf/cloudperf/client/load"
	"github.com/cloudperf/cloudperf/client/plan"
	"github.com/cloudperf/cloudperf/client/results"
)

// options are the parsed command line.
type options struct {
	// target: exactly one
	url        string
	fromStack  string
	projectDir string
	local      bool
	path       string

	// cluster observation
	kubeconfig  string
	kubeContext string
	namespace   string
	deployment  string
	hpa         string
	noObserve   bool

	// load
	rate        float64
	rateSet     bool
	duration    time.Duration
	durationSet bool
	requests    int64
	stages      []plan.Stage
	warmup      time.Duration
	timeout     time.Duration
	mode        plan.Mode
	maxInFlight int
	tick        time.Duration
	tickSet     bool
	keepAlive   bool
	insecure    bool
	method      string
	headers     headerList
	body        []byte // --body, or what --body-file holds
	bodyText    string
	bodyFile    string
	engine      string
	connMaxAge  time.Duration

	// results
	out        string
	outSet     bool
	report     string
	force      bool
	format     string
	quiet      bool
	cpuProfile string
	thresholds []results.Threshold
	version    bool

	notes []string // said on stderr before the run: settings that do not do what they seem to
}

type headerList []string

func (h *headerList) String() string { return strings.Join(*h, ", ") }
func (h *headerList) Set(v string) error {
	name, value, ok := strings.Cut(v, ":")
	name = strings.TrimSpace(name)
	switch {
	case !ok || name == "":
		return fmt.Errorf("want \"Name: value\"")
	case !isToken(name):
		return fmt.Errorf("%q is not a header name (letters, digits and !#$%%&'*+-.^_`|~)", name)
	case strings.ContainsFunc(value, isCTL):
		return fmt.Errorf("the value of %s has a control character", name)
	}
	*h = append(*h, v)
	return nil
}

// isToken reports an HTTP token (RFC 9110): what a method or a header name is.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// isCTL reports a control character a header value must not hold (tab may).
func isCTL(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }

// oneLine keeps a message on one line: control characters (a newline in a
// flag's value, say) are shown escaped.
func oneLine(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// flagDashes spells the flag package's -name as --name, as the usage does.
var flagDashes = strings.NewReplacer("defined: -", "defined: --", "flag -", "flag --", "for -", "for --", "argument: -", "argument: --")

// funcValue adapts a parse function to flag.Value.
type funcValue struct {
	set  func(string) error
	show string
}

func (f *funcValue) String() string     { return f.show }
func (f *funcValue) Set(v string) error { return f.set(v) }

const usageHead = `client: load a web service at a steady (or staged) request rate and report
how it held up — latency corrected for coordinated omission, errors by class,
responses per pod — with every request logged.

Usage:
  client --local ...              the built-in service on 127.0.0.1 (no cluster needed)
  client --url URL ...            any http(s) endpoint
  client --from-stack STACK ...   the endpoint a Pulumi stack exported (pulumi up first)
  client merge FILE...            several load generators' JSON summaries, merged exactly
  client compare BASE NEW         two runs side by side, exit 1 on a regression (for CI)
  client capacity ...             the highest rate within thresholds (same targets and flags)
  client help [SUBCOMMAND]        this help, or a subcommand's: client merge --help,
                                  client compare --help, client capacity --help

Examples:
  client --local --rate 300 --duration 10s
  client --from-stack dev --rate 300 --duration 1m --out run.csv
  client --url http://127.0.0.1:5000/ --stages 30s:100,2m:100-600,30s:100 --max-p99 250ms

Exit codes: 0 done, thresholds met; 1 a threshold broken or the run failed;
2 bad usage; 3 no request succeeded (target unreachable); 130 interrupted.
`

func newFlagSet(o *options) *flag.FlagSet {
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are printed as one line by Main
	fs.Usage = func() {}     // and --help prints printUsage, not the flag package

	fs.StringVar(&o.url, "url", "", "the target: an http:// or https:// URL")
	fs.StringVar(&o.fromStack, "from-stack", "", "the target: this Pulumi stack's \"endpoint\" output")
	fs.StringVar(&o.projectDir, "project-dir", "", "the Pulumi project's folder for --from-stack (default: the nearest one up holding Pulumi.yaml)")
	fs.BoolVar(&o.local, "local", false, "the target: the built-in service, started on 127.0.0.1")
	fs.StringVar(&o.path, "path", "", "path and query appended to a --from-stack or --local endpoint, e.g. \"/?cpu=2ms\"")

	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "kubeconfig for watching the Deployment and HPA (default: $KUBECONFIG, ~/.kube/config)")
	fs.StringVar(&o.kubeContext, "context", "", "kubeconfig context to use (default: the current one)")
	fs.StringVar(&o.namespace, "namespace", "", "namespace of the Deployment to watch (default: the stack's, else the context's)")
	fs.StringVar(&o.deployment, "deployment", "", "watch this Deployment, its pods and HPA during the run (default: the stack's)")
	fs.StringVar(&o.hpa, "hpa", "", "the HPA to watch (default: the one scaling the Deployment)")
	fs.BoolVar(&o.noObserve, "no-observe", false, "do not watch the cluster even when the target comes from a stack")

	o.rate = 50
	fs.Var(&funcValue{show: "50", set: func(v string) (err error) {
		o.rateSet = true
		o.rate, err = plan.ParseRate(v)
		return err
	}}, "rate", "requests per second; sync (one at a time) up to 100, open loop above")
	o.duration = 10 * time.Second
	fs.Var(&funcValue{show: "10s", set: func(v string) (err error) {
		o.durationSet = true
		o.duration, err = time.ParseDuration(v)
		if err == nil && (o.duration <= 0 || o.duration > plan.MaxStageDuration) {
			err = fmt.Errorf("must be above 0 and at most %v", plan.MaxStageDuration)
		}
		return err
	}}, "duration", "how long to send (with --requests: whichever ends first)")
	fs.Int64Var(&o.requests, "requests", 0, "stop after this many requests (0: no limit)")
	fs.Var(&funcValue{set: func(v string) (err error) {
		o.stages, err = plan.ParseStages(v)
		return err
	}}, "stages", "staged load instead of --rate/--duration: DURATION:RATE holds, DURATION:FROM-TO ramps, e.g. 30s:100,2m:100-600,30s:100")
	fs.DurationVar(&o.warmup, "warmup", 0, "send at the first rate this long before measuring (logged, not counted)")
	fs.DurationVar(&o.timeout, "timeout", 5*time.Second, "per-request timeout")
	fs.Var(&funcValue{show: "auto", set: func(v string) (err error) {
		o.mode, err = plan.ParseMode(v)
		return err
	}}, "mode", "auto, sync or async (auto: sync when a stage's rate ≤ 100/s)")
	fs.Var(&funcValue{show: "auto", set: func(v string) (err error) {
		if v == "auto" {
			return nil
		}
		o.tickSet = true
		if o.tick, err = time.ParseDuration(v); err == nil && (o.tick < 0 || o.tick > time.Second) {
			err = errors.New("must be from 0 to 1s")
		}
		return err
	}}, "tick", "group requests due within a tick into one wake-up, intended at the tick's end (saves generator CPU at high rates); 0: each at its exact time; auto: 0 up to 1000/s, then 2ms")
	fs.IntVar(&o.maxInFlight, "max-in-flight", load.DefaultMaxInFlight, "async: most requests outstanding at once; a request due when this many are out waits, and its latency counts the wait")
	fs.BoolVar(&o.keepAlive, "keepalive", true, "reuse connections (--keepalive=false: a new connection per request)")
	fs.BoolVar(&o.insecure, "insecure", false, "accept any TLS certificate (self-signed endpoints)")
	fs.StringVar(&o.method, "method", "GET", "HTTP method; POST when a body is given")
	fs.StringVar(&o.bodyText, "body", "", "request body, sent with every request (set its type with --header \"Content-Type: ...\")")
	fs.StringVar(&o.bodyFile, "body-file", "", "request body: the contents of this file")
	fs.DurationVar(&o.connMaxAge, "conn-max-age", 30*time.Second, "reconnect kept-alive connections this old, so pods added by a scale-up get their share; 0: never")
	fs.StringVar(&o.engine, "engine", "fasthttp", "HTTP client: fasthttp (lean) or net/http (Go's standard client)")
	fs.Var(&o.headers, "header", "extra request header \"Name: value\" (repeatable)")

	fs.Var(&funcValue{set: func(v string) error { o.out, o.outSet = v, true; return nil }}, "out",
		"per-request log: CSV, or JSON lines if it ends in .jsonl; - for stdout (the summary then goes to stderr); \"\" for none (default: a new cloudperf-<time>.csv here)")
	fs.StringVar(&o.report, "report", "", "write a self-contained HTML report (charts, per-pod spread, cluster timeline) to this file")
	fs.BoolVar(&o.force, "force", false, "overwrite an existing --out or --report file")
	fs.StringVar(&o.format, "format", "text", "summary format on stdout: text or json")
	fs.BoolVar(&o.quiet, "quiet", false, "no live progress on stderr")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write the client's own CPU profile (pprof) to this file, for profiling the generator")
	fs.BoolVar(&o.version, "version", false, "print the client's version and exit")

	addThresholdFlags(fs, &o.thresholds)
	onceOnly(fs, "header", "threshold")
	return fs
}

// addThresholdFlags defines the pass/fail flags (client and client merge).
func addThresholdFlags(fs *flag.FlagSet, thresholds *[]results.Threshold) {
	// The shorthands say what they want in their own terms, never in the
	// --threshold expression they stand for.
	addThreshold := func(name, metric, op, want, usage string) {
		fs.Var(&funcValue{set: func(v string) error {
			t, err := results.ParseThreshold(metric + op + v)
			if err != nil {
				return fmt.Errorf("want %s", want)
			}
			*thresholds = append(*thresholds, t)
			return nil
		}}, name, usage)
	}
	addThreshold("max-p99", "p99", "<=", "a duration with its unit, such as 250ms", "fail if corrected p99 latency is above this, e.g. 250ms")
	addThreshold("max-p50", "p50", "<=", "a duration with its unit, such as 50ms", "fail if corrected p50 latency is above this, e.g. 50ms")
	addThreshold("max-error-rate", "error_rate", "<=", "a percentage from 0 to 100, such as 1 or 0.5", "fail if more than this percentage of requests failed, e.g. 1")
	addThreshold("min-rate", "rate", ">=", "requests per second, such as 290", "fail if the achieved request rate (per second) is below this")
	fs.Var(&funcValue{set: func(v string) error {
		t, err := results.ParseThreshold(v)
		if err == nil {
			*thresholds = append(*thresholds, t)
		}
		return err
	}}, "threshold", "fail if this condition does not hold, e.g. p99.9<1s, service_p99<50ms, throughput>=290 (repeatable)")
}

// printUsage writes the help text, flags grouped by purpose.
func printUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprint(w, usageHead)
	printFlagGroups(fs, clientFlagGroups, w)
}

// usageError is a command-line mistake: one line, exit 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return usageError{oneLine(fmt.Sprintf(format, args...))}
}

// parseArgs parses and cross-checks the flags; extra adds a subcommand's
// own flags (client capacity) to the run's.
func parseArgs(args []string, stdout io.Writer, extra ...func(*flag.FlagSet)) (*options, error) {
	o := &options{}
	fs := newFlagSet(o)
	for _, add := range extra {
		add(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(fs, stdout)
			return nil, err
		}
		return nil, usageError{oneLine(flagDashes.Replace(err.Error()))}
	}
	if o.version {
		return nil, errVersion
	}
	if fs.NArg() > 0 {
		if arg := fs.Arg(0); looksLikeURL(arg) {
			return nil, usagef("unexpected argument %q: the target is a flag, as in client --url %s", arg, withScheme(arg))
		}
		return nil, usagef("unexpected argument %q (flags start with --)", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	targets := 0
	for _, set := range []bool{o.url != "", o.fromStack != "", o.local} {
		if set {
			targets++
		}
	}
	switch {
	case targets == 0:
		return nil, usagef("no target: give --local, --url URL or --from-stack STACK")
	case targets > 1:
		return nil, usagef("give only one of --local, --url and --from-stack")
	case o.noObserve && (o.deployment != "" || o.hpa != ""):
		return nil, usagef("--no-observe contradicts --deployment/--hpa")
	case o.deployment == "" && o.fromStack == "" && (o.kubeconfig != "" || o.kubeContext != "" || o.namespace != "" || o.hpa != ""):
		return nil, usagef("--kubeconfig, --context, --namespace and --hpa need --deployment (or --from-stack) to know what to watch")
	case o.projectDir != "" && o.fromStack == "":
		return nil, usagef("--project-dir goes with --from-stack")
	case o.path != "" && o.url != "":
		return nil, usagef("--path goes with --from-stack or --local; put the path in --url")
	case o.path != "" && !strings.HasPrefix(o.path, "/"):
		return nil, usagef("--path %q must start with /", o.path)
	case o.stages != nil && (o.rateSet || o.durationSet):
		return nil, usagef("--stages replaces --rate and --duration; give one or the other")
	case o.requests < 0:
		return nil, usagef("--requests must not be negative")
	case o.timeout <= 0:
		return nil, usagef("--timeout must be above 0")
	case o.warmup < 0 || o.warmup > plan.MaxStageDuration:
		return nil, usagef("--warmup must be from 0 to %v", plan.MaxStageDuration)
	case o.maxInFlight < 1:
		return nil, usagef("--max-in-flight must be at least 1")
	case o.connMaxAge < 0:
		return nil, usagef("--conn-max-age must not be negative")
	case o.engine != "fasthttp" && o.engine != "net/http":
		return nil, usagef("--engine %q: want fasthttp or net/http", o.engine)
	case o.format != "text" && o.format != "json":
		return nil, usagef("--format %q: want text or json", o.format)
	case !isToken(o.method):
		return nil, usagef("--method %q is not an HTTP method (GET, HEAD, POST...)", o.method)
	case o.report != "" && o.outSet && o.out != "" && filepath.Clean(o.report) == filepath.Clean(o.out):
		return nil, usagef("--out and --report are the same file %s: give them different names", o.out)
	}
	if err := o.readBody(set); err != nil {
		return nil, err
	}
	if o.outSet && o.out != "" && o.out != "-" {
		if err := checkOutName(o.out); err != nil {
			return nil, err
		}
	}
	if o.url != "" {
		if !strings.Contains(o.url, "://") && looksLikeURL(o.url) {
			return nil, usagef("--url %q has no scheme: did you mean --url %s?", o.url, withScheme(o.url))
		}
		if _, err := load.ParseTargetURL(o.url); err != nil {
			return nil, usagef("--url: %v", err)
		}
	}
	if o.path != "" {
		if _, err := url.Parse("http://127.0.0.1" + o.path); err != nil {
			return nil, usagef("--path %q is not a path and query", o.path)
		}
	}
	if o.stages == nil {
		d := o.duration
		if o.requests > 0 && !o.durationSet {
			d = 0 // only the request limit ends the run
		}
		o.stages = []plan.Stage{{Duration: d, From: o.rate, To: o.rate}}
	}
	if o.warmup > 0 {
		first := o.stages[0]
		rate := first.From
		if rate == 0 {
			rate = first.To
		}
		o.stages = append([]plan.Stage{{Duration: o.warmup, From: rate, To: rate, Warmup: true}}, o.stages...)
	}
	if !o.tickSet {
		peak := 0.0
		for _, s := range o.stages {
			peak = math.Max(peak, s.Peak())
		}
		o.tick = load.AutoTick(peak)
	}
	o.notes = usageNotes(o, set)
	return o, nil
}
