package cli

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/cloudperf/cloudperf/client/load"
	"github.com/cloudperf/cloudperf/client/plan"
)

// FuzzParseArgs: whatever the command line, parseArgs does not panic and
// starts nothing; a mistake is one line; and what it accepts, the run accepts
// too — the schedule builds, both engines take the target, method and
// headers, and the request they make reads back as the same request.
// The fuzzed string is the arguments separated by NUL, which no argument holds.
func FuzzParseArgs(f *testing.F) {
	for _, args := range [][]string{
		{"--local", "--rate", "300", "--duration", "10s"},
		{"--url", "http://127.0.0.1:5000/", "--rate", "50", "--requests", "1000", "--out", "run.jsonl"},
		{"--from-stack", "dev", "--stages", "30s:100,2m:100-600,30s:100", "--max-p99", "250ms", "--max-error-rate", "1"},
		{"--local", "--path", "/?cpu=2ms", "--warmup", "5s", "--mode", "async", "--max-in-flight", "50"},
		{"--url", "https://x.test/", "--insecure", "--method", "HEAD", "--header", "Host: a.test", "--header", "x-a: 1"},
		{"--local", "--engine", "net/http", "--keepalive=false", "--timeout", "200ms", "--threshold", "p99.9<1s"},
		{"--local", "--report", "r.html", "--out", "r.csv", "--force", "--format", "json", "--quiet"},
		{"--local", "--method", "GET POST"},
		{"--local", "--header", "X: a\r\nY: b"},
		{"--help"},
		{"-local", "-rate=5"},
		{"--local", "--bo\ngus"},
	} {
		f.Add(strings.Join(args, "\x00"))
	}
	f.Fuzz(func(t *testing.T, line string) {
		var args []string
		if line != "" {
			args = strings.Split(line, "\x00")
		}
		var stdout bytes.Buffer
		o, err := parseArgs(args, &stdout)
		if errors.Is(err, flag.ErrHelp) {
			return
		}
		if stdout.Len() > 0 {
			t.Fatalf("%q: wrote %q to stdout", args, stdout.String())
		}
		if err != nil {
			var ue usageError
			if !errors.As(err, &ue) {
				t.Fatalf("%q: error %T %v is not a usage error", args, err, err)
			}
			if msg := err.Error(); msg == "" || strings.ContainsFunc(msg, unicode.IsControl) {
				t.Fatalf("%q: error %q is not one line", args, msg)
			}
			return
		}
		checkAccepted(t, args, o)
	})
}

// checkAccepted: a command line parseArgs accepted is one the run accepts.
func checkAccepted(t *testing.T, args []string, o *options) {
	t.Helper()
	if _, err := plan.NewSchedule(o.stages, o.requests); err != nil {
		t.Fatalf("%q: accepted, but the schedule is not: %v", args, err)
	}
	if o.maxInFlight < 1 {
		t.Fatalf("%q: max in flight %d", args, o.maxInFlight)
	}
	target := o.url
	if target == "" {
		path := o.path
		if path == "" {
			path = "/"
		}
		target = "http://127.0.0.1:1" + path
	}
	opts := load.HTTPOptions{URL: target, Method: o.method, Header: o.header(), Timeout: o.timeout, KeepAlive: o.keepAlive, MaxConns: 1}
	std, err := load.NewHTTPHitter(opts)
	if err != nil {
		t.Fatalf("%q: accepted, but net/http is not: %v", args, err)
	}
	std.Close()
	fast, err := load.NewFastHitter(opts)
	if err != nil {
		t.Fatalf("%q: accepted, but fasthttp is not: %v", args, err)
	}
	fast.Close()

	// The request as net/http writes it reads back the same: no header or
	// method smuggles in another line.
	req, err := http.NewRequest(o.method, target, nil)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	for k, vs := range o.header() {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	var wire bytes.Buffer
	if err := req.Write(&wire); err != nil {
		t.Fatalf("%q: writing the request: %v", args, err)
	}
	got, err := http.ReadRequest(bufio.NewReader(&wire))
	if err != nil {
		t.Fatalf("%q: the request does not read back: %v\n%s", args, err, wire.String())
	}
	if got.Method != o.method {
		t.Fatalf("%q: method %q reads back as %q", args, o.method, got.Method)
	}
	if _, err := io.ReadAll(got.Body); err != nil {
		t.Fatal(err)
	}
	for k, vs := range o.header() {
		if k == "Host" { // the request's host, written from req.Host
			continue
		}
		if back := got.Header.Values(k); !slices.Equal(back, vs) {
			t.Fatalf("%q: header %s %q reads back as %q", args, k, vs, back)
		}
	}
}
