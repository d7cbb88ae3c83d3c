package hello

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/app/metrics"
)

func TestMainUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want string // substring of the one line on stderr
	}{
		{"unknown flag", []string{"-bogus"}, nil, "-bogus"},
		{"bad flag value", []string{"-drain-delay", "soon"}, nil, "drain-delay"},
		{"bad int flag", []string{"-max-header-bytes", "lots"}, nil, "max-header-bytes"},
		{"negative drain delay", []string{"-drain-delay", "-1s"}, nil, "drain-delay must not be negative"},
		{"negative max header bytes", []string{"-max-header-bytes", "-1"}, nil, "max-header-bytes"},
		// net/http would not take these zeros as zero: refused, never replaced.
		{"zero idle timeout", []string{"-idle-timeout", "0"}, nil, "-idle-timeout must be more than 0 (got 0s)"},
		{"zero read header timeout", []string{"-read-header-timeout", "0s"}, nil, "-read-header-timeout must be more than 0"},
		{"zero max header bytes", []string{"-max-header-bytes", "0"}, nil, "-max-header-bytes must be more than 0 (got 0)"},
		{"IDLE_TIMEOUT zero", nil, map[string]string{"IDLE_TIMEOUT": "0s"}, "-idle-timeout must be more than 0"},
		{"MAX_HEADER_BYTES zero", nil, map[string]string{"MAX_HEADER_BYTES": "0"}, "-max-header-bytes must be more than 0"},
		{"work too long", []string{"-delay", "1h"}, nil, "delay 1h0m0s outside"},
		{"yaml logs", []string{"-log-format", "yaml"}, nil, `-log-format "yaml"`},
		{"extra argument", []string{"serve"}, nil, `unexpected argument "serve"`},
		{"argument after flags", []string{"-addr", ":0", "extra"}, nil, `unexpected argument "extra"`},
		{"flag missing its value", []string{"-addr"}, nil, "-addr"},
		{"PORT not a number", nil, map[string]string{"PORT": "abc"}, `PORT="abc"`},
		{"PORT out of range", nil, map[string]string{"PORT": "70000"}, `PORT="70000"`},
		{"DRAIN_DELAY not a duration", nil, map[string]string{"DRAIN_DELAY": "xyz"}, `DRAIN_DELAY="xyz"`},
		{"GRACE_PERIOD not a duration", nil, map[string]string{"GRACE_PERIOD": "10"}, "GRACE_PERIOD"},
		{"WORK_CPU too long", nil, map[string]string{"WORK_CPU": "2s"}, "cpu 2s outside"},
		{"LOG_FORMAT yaml", nil, map[string]string{"LOG_FORMAT": "yaml"}, `"yaml"`},
		{"MAX_HEADER_BYTES not a number", nil, map[string]string{"MAX_HEADER_BYTES": "16k"}, `MAX_HEADER_BYTES="16k"`},
		{"MAX_HEADER_BYTES negative", nil, map[string]string{"MAX_HEADER_BYTES": "-1"}, `MAX_HEADER_BYTES="-1"`},
		// A bad environment value is reported even when a flag overrides it.
		{"bad env under a flag", []string{"-drain-delay", "1s"}, map[string]string{"DRAIN_DELAY": "xyz"}, "DRAIN_DELAY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			getenv := func(k string) string { return tt.env[k] }
			code := Main(tt.args, getenv, &stderr, nil)
			if code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			out := stderr.String()
			if strings.Count(out, "\n") != 1 || !strings.HasSuffix(out, "\n") {
				t.Errorf("stderr has %d lines, want one:\n%s", strings.Count(out, "\n"), out)
			}
			if !strings.HasPrefix(out, "app: ") || !strings.Contains(out, tt.want) {
				t.Errorf("stderr %q, want one line \"app: ...\" naming %q", out, tt.want)
			}
		})
	}
}

func TestMainHelp(t *testing.T) {
	for _, arg := range []string{"-h", "-help", "--help"} {
		var stderr bytes.Buffer
		if code := Main([]string{arg}, func(string) string { return "" }, &stderr, nil); code != 0 {
			t.Errorf("%s: exit %d, want 0", arg, code)
		}
		for _, want := range []string{"-addr", "-drain-delay", "DRAIN_DELAY", "-grace-period", "-log-format", "MAX_HEADER_BYTES",
			"(0: none, they are cut)", "headers, more than 0", "closed, more than 0", "accepted, more than 0"} {
			if !strings.Contains(stderr.String(), want) {
				t.Errorf("%s: usage does not mention %s:\n%s", arg, want, stderr.String())
			}
		}
	}
}

// A server that cannot listen is a failure (1), not a usage error (2).
func TestMainListenFails(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stderr bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- Main([]string{"-addr", ln.Addr().String(), "-log-format", "text"}, func(string) string { return "" }, &stderr, metrics.New())
	}()
	select {
	case code := <-done:
		if code != 1 {
			t.Errorf("exit %d, want 1", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Main is serving on a port that is taken")
	}
	if !strings.Contains(stderr.String(), "level=ERROR") || !strings.Contains(stderr.String(), "listen on") {
		t.Errorf("stderr %q, want a text-format error log about listening", stderr.String())
	}
}

func TestParseFlagsEnvironment(t *testing.T) {
	env := map[string]string{
		"PORT": "8080", "DRAIN_DELAY": "3s", "GRACE_PERIOD": "20s", "WORK_DELAY": "20ms",
		"WORK_CPU": "2ms", "READ_HEADER_TIMEOUT": "1s", "IDLE_TIMEOUT": "30s", "LOG_FORMAT": "text",
		"MAX_HEADER_BYTES": "8192",
	}
	var stderr bytes.Buffer
	cfg, format, err := parseFlags(nil, func(k string) string { return env[k] }, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	want := DefaultConfig()
	want.Addr, want.DrainDelay, want.GracePeriod = ":8080", 3*time.Second, 20*time.Second
	want.Work = Work{Delay: 20 * time.Millisecond, CPU: 2 * time.Millisecond}
	want.ReadHeaderTimeout, want.IdleTimeout = time.Second, 30*time.Second
	want.MaxHeaderBytes = 8192
	want.Logger = cfg.Logger
	if cfg != want || format != "text" {
		t.Errorf("from the environment:\n got %+v %s\nwant %+v text", cfg, format, want)
	}

	// Flags win over the environment.
	cfg, format, err = parseFlags([]string{"-addr", "127.0.0.1:9", "-drain-delay", "0s", "-log-format", "json"},
		func(k string) string { return env[k] }, &stderr)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:9" || cfg.DrainDelay != 0 || cfg.GracePeriod != 20*time.Second || format != "json" {
		t.Errorf("flags over environment: %+v %s", cfg, format)
	}
	if stderr.Len() != 0 {
		t.Errorf("parseFlags wrote %q", stderr.String())
	}
}

// -grace-period 0 and -drain-delay 0 (or their environment variables) mean
// none, all the way to the server: not a default in their place.
func TestZeroShutdownDelaysMeanNone(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
	}{
		{"flags", []string{"-grace-period", "0", "-drain-delay", "0s"}, nil},
		{"environment", nil, map[string]string{"GRACE_PERIOD": "0s", "DRAIN_DELAY": "0"}},
		{"flags over environment", []string{"-grace-period", "0s", "-drain-delay", "0"}, map[string]string{"GRACE_PERIOD": "30s", "DRAIN_DELAY": "5s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, _, err := parseFlags(tc.args, func(k string) string { return tc.env[k] }, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			s := New(cfg)
			if s.cfg.GracePeriod != 0 || s.cfg.DrainDelay != 0 {
				t.Errorf("grace period %v, drain delay %v: want 0 and 0", s.cfg.GracePeriod, s.cfg.DrainDelay)
			}
		})
	}
}
