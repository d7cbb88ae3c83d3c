package hello

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// Main is the app binary: flags (with environment defaults) → Run until
// SIGTERM/SIGINT → exit code, with m serving /metrics. A second signal exits
// at once. Exit codes: 0 clean shutdown, 1 failure, 2 bad usage.
func Main(args []string, getenv func(string) string, stderr io.Writer, m Metrics) int {
	cfg, logFormat, err := parseFlags(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "app: %v (see app -h)\n", err)
		return 2
	}
	cfg.Logger = newLogger(stderr, logFormat)
	cfg.Metrics = m

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		stop() // the next signal takes the default action: exit now
	}()

	if err := Run(ctx, cfg); err != nil {
		cfg.Logger.Error(err.Error())
		return 1
	}
	return 0
}

func parseFlags(args []string, getenv func(string) string, stderr io.Writer) (Config, string, error) {
	cfg := DefaultConfig()
	fs := flag.NewFlagSet("app", flag.ContinueOnError)
	// The flag package would print its error and then the whole usage on a bad
	// flag; Main prints the error alone, in one line. Usage is for -h only.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	usage := func() {
		fmt.Fprintln(stderr, "app: the cloudperf service under test. GET / answers JSON with a Hello, the time and the host.")
		fmt.Fprintln(stderr, "Every flag has an environment default, shown in brackets.")
		fs.SetOutput(stderr)
		fs.PrintDefaults()
	}

	addr := cfg.Addr
	if p := getenv("PORT"); p != "" {
		addr = ":" + p
	}
	logFormat := envOr(getenv, "LOG_FORMAT", "json")
	fs.StringVar(&cfg.Addr, "addr", addr, "listen address [PORT → :PORT]")
	fs.StringVar(&logFormat, "log-format", logFormat, "log format, json or text [LOG_FORMAT]")
	durations := []struct {
		dst       *time.Duration
		name, env string
		usage     string
	}{
		{&cfg.DrainDelay, "drain-delay", "DRAIN_DELAY", "after SIGTERM, how long readiness is 503 before the listener closes (0: at once)"},
		{&cfg.GracePeriod, "grace-period", "GRACE_PERIOD", "after the listener closes, how long in-flight requests may take (0: none, they are cut)"},
		{&cfg.Work.Delay, "delay", "WORK_DELAY", "default wait per GET / (simulated I/O); ?delay= overrides"},
		{&cfg.Work.CPU, "cpu", "WORK_CPU", "default CPU burnt per GET / (simulated work); ?cpu= overrides"},
		{&cfg.ReadHeaderTimeout, "read-header-timeout", "READ_HEADER_TIMEOUT", "time allowed to read request headers, more than 0"},
		{&cfg.IdleTimeout, "idle-timeout", "IDLE_TIMEOUT", "keep-alive idle time before a connection is closed, more than 0"},
	}
	var envErr error
	for _, d := range durations {
		def := *d.dst
		if v := getenv(d.env); v != "" {
			parsed, err := time.ParseDuration(v)
			if err != nil && envErr == nil {
				envErr = fmt.Errorf("environment %s=%q is not a duration like 5s", d.env, v)
			}
			def = parsed
		}
		fs.DurationVar(d.dst, d.name, def, d.usage+" ["+d.env+"]")
	}
	maxHeader := cfg.MaxHeaderBytes
	if v := getenv("MAX_HEADER_BYTES"); v != "" {
		n, err := strconv.Atoi(v)
		if (err != nil || n < 0) && envErr == nil {
			envErr = fmt.Errorf("environment MAX_HEADER_BYTES=%q is not a byte count like 16384", v)
		}
		maxHeader = n
	}
	fs.IntVar(&cfg.MaxHeaderBytes, "max-header-bytes", maxHeader, "largest request header accepted, more than 0 [MAX_HEADER_BYTES]")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			usage()
		}
		return cfg, "", err
	}
	if envErr != nil {
		return cfg, "", envErr
	}
	if fs.NArg() > 0 {
		return cfg, "", fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if p := getenv("PORT"); p != "" {
		if _, err := strconv.ParseUint(p, 10, 16); err != nil {
			return cfg, "", fmt.Errorf("environment PORT=%q is not a port number", p)
		}
	}
	if logFormat != "json" && logFormat != "text" {
		return cfg, "", fmt.Errorf("-log-format %q: want json or text", logFormat)
	}
	return cfg, logFormat, cfg.Validate()
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}

func newLogger(w io.Writer, format string) *slog.Logger {
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, nil))
	}
	return slog.New(slog.NewJSONHandler(w, nil))
}
