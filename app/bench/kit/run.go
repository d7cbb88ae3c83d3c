// Package kit is the harness the benches share: processes pinned to a CPU
// with their CPU time and peak memory from rusage, nginx serving a fixed JSON
// answer, and the table each bench writes into README.md. It imports neither
// program, so app/bench and client/bench each use it without reaching into
// the other's room.
package kit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The server under load runs on one CPU, the load generator on the other.
const (
	ServerCPU    = "0"
	GeneratorCPU = "1"
)

// Run is one finished process: its output and what it cost.
type Run struct {
	Stdout []byte
	CPU    time.Duration // user + system
	MaxRSS int64         // bytes
	// MaxAnon is the highest anonymous RSS (heap, stacks, written data:
	// what the process itself holds, without the pages of its binary and
	// libraries) seen by sampling every AnonSampleEvery; 0 when it was not read.
	MaxAnon int64
	Elapsed time.Duration
}

// CPUPer1k is the CPU the run spent per 1,000 requests, in milliseconds.
func (r Run) CPUPer1k(requests int64) float64 {
	if requests <= 0 {
		return 0
	}
	return r.CPU.Seconds() * 1e6 / float64(requests)
}

// Generate runs a load generator pinned to the generator CPU. Exit status 1
// is accepted (tools use it for a broken threshold; the run is still
// measured); anything else is an error quoting the tool's first line of stderr.
//
// The peak RSS comes from GNU time, which forks the tool from its own small
// process: the kernel's figure for a process started by this one would count
// this process's memory too (exec records the peak of the memory map it
// replaces, and Go's fork shares this process's map).
func Generate(timeout time.Duration, name string, args ...string) (Run, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	peak, err := os.CreateTemp("", "cloudperf-bench-rss-")
	if err != nil {
		return Run{}, err
	}
	peak.Close()
	defer os.Remove(peak.Name())
	cmd := exec.CommandContext(ctx, "taskset", append([]string{"-c", GeneratorCPU, TimeCommand, "-f", "%M", "-o", peak.Name(), name}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	var maxAnon int64
	if err = cmd.Start(); err == nil {
		stop := sampleAnon(cmd.Process.Pid, &maxAnon)
		err = cmd.Wait()
		stop()
	}
	r := Run{Stdout: out.Bytes(), Elapsed: time.Since(start), MaxAnon: maxAnon}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		}
	}
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		return r, fmt.Errorf("%s: %v: %s", filepath.Base(name), err, firstLine(errOut.String()))
	}
	r.MaxRSS, err = readPeakKiB(peak.Name())
	return r, err
}

// AnonSampleEvery is how often Generate reads the tool's anonymous RSS.
const AnonSampleEvery = 20 * time.Millisecond

// sampleAnon keeps in *peak the highest RssAnon of timePID's child (GNU
// time forks the tool) until stop returns; the kernel keeps a high-water
// mark of the whole RSS only, so the anonymous part is sampled.
func sampleAnon(timePID int, peak *int64) (stop func()) {
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		tick := time.NewTicker(AnonSampleEvery)
		defer tick.Stop()
		tool := "" // its PID, once GNU time has forked it
		for {
			if tool == "" {
				tool = firstChild(timePID)
			}
			if tool != "" {
				if kib, ok := statusAnonKiB(tool); ok && kib*1024 > *peak {
					*peak = kib * 1024
				}
			}
			select {
			case <-done:
				return
			case <-tick.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

// firstChild is pid's first child's PID from /proc; "" while it has none.
func firstChild(pid int) string {
	children, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	if err != nil {
		return ""
	}
	child, _, _ := strings.Cut(strings.TrimSpace(string(children)), " ")
	return child
}

// statusAnonKiB reads RssAnon of pid from /proc.
func statusAnonKiB(pid string) (int64, bool) {
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		return 0, false
	}
	return anonKiB(string(status))
}

// anonKiB is the RssAnon line of a /proc/PID/status.
func anonKiB(status string) (int64, bool) {
	for _, line := range strings.Split(status, "\n") {
		if v, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			kib, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kib, err == nil
		}
	}
	return 0, false
}

// TimeCommand is GNU time (Debian's package time), which reports a child's peak RSS.
const TimeCommand = "/usr/bin/time"

// readPeakKiB reads GNU time's %M (KiB) as bytes; its last line, since time
// writes a note above it when the command exits non-zero.
func readPeakKiB(path string) (int64, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	kib, err := strconv.ParseInt(lines[len(lines)-1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("GNU time wrote %q, want the peak RSS in KiB", raw)
	}
	return kib * 1024, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// Serve starts a server pinned to the server CPU and waits until it accepts
// connections on addr. stop ends it and its process group.
func Serve(addr string, args ...string) (stop func(), err error) {
	cmd := exec.Command("taskset", append([]string{"-c", ServerCPU}, args...)...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop = func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
	}
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			return stop, nil
		}
	}
	stop()
	return nil, fmt.Errorf("%s did not listen on %s within 15 s", filepath.Base(args[0]), addr)
}

// FreeAddr is a loopback address whose port is free right now.
func FreeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatalf("no free loopback port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// Prioritise puts the bench in a session of its own and gives that session's
// autogroup the highest priority (this kernel has sched_autogroup on), so
// other sessions' builds do not share the cores equally with it. It re-runs
// the program under setsid and exits with its status.
func Prioritise() {
	if os.Getenv("CLOUDPERF_BENCH_SESSION") == "" {
		if _, err := exec.LookPath("setsid"); err == nil {
			cmd := exec.Command("setsid", append([]string{"--wait", os.Args[0]}, os.Args[1:]...)...)
			cmd.Env = append(os.Environ(), "CLOUDPERF_BENCH_SESSION=1")
			cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
			err := cmd.Run()
			var exit *exec.ExitError
			if errors.As(err, &exit) {
				os.Exit(exit.ExitCode())
			}
			if err == nil {
				os.Exit(0)
			}
		}
	}
	if err := os.WriteFile("/proc/self/autogroup", []byte("-19"), 0); err != nil {
		log.Printf("could not raise the session's priority (%v): figures may be noisier", err)
	}
}

// Require fails with an actionable message when a tool is not installed.
func Require(tools ...string) error {
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s not found: run `make bench`, which installs it", tool)
		}
	}
	return nil
}

// Build compiles the Go package pkg (a path from the module root) into bin.
func Build(bin, pkg string) error {
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		return fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
	}
	return nil
}
