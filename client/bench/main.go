// Command bench measures the client and the service side by side with the
// tools people compare them to — vegeta, fortio, wrk, nginx and the seed's
// Flask app — on loopback, in one run, and prints one table of ratios (and,
// with -readme, rewrites README.md's Performance section with it).
//
// The server is pinned to CPU 0 and every load generator to CPU 1; the run
// gives its own session priority over other sessions' work (this kernel has
// sched_autogroup on). Timings on a shared machine are noisy: each figure is
// the median of several runs, and the goals are ratios, never absolute times.
//
//	go run ./client/bench            # the full run (about 35 minutes)
//	go run ./client/bench -quick     # shorter runs (about 6 minutes)
//
// `make bench` installs what it needs (vegeta v12.13.0 and fortio v1.68.2 from
// the Go module proxy, Debian's wrk, nginx and python3-flask) and runs it.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/cloudperf/cloudperf/app/hello"
)

var (
	quick    = flag.Bool("quick", false, "shorter runs, one repetition")
	readme   = flag.String("readme", "", "rewrite the Performance section of this README")
	toolsDir = flag.String("tools", "", "where vegeta and fortio are (default: ~/.cache/cloudperf/bench-tools)")
	only     = flag.String("only", "", "comma-separated sections to run: maxrate,cpu,rss,latency,service")
	extra    = flag.String("client-args", "", "extra flags for the client, space-separated (to compare settings)")
	netHTTP  = flag.String("serve-net-http", "", "serve the fixed answer with net/http alone on this address (the bench runs itself so)")
)

const (
	serverCPU = "0"
	genCPU    = "1"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("bench: ")
	flag.Parse()
	if *netHTTP != "" {
		log.Fatal(serveNetHTTP(*netHTTP))
	}
	prioritise()
	if *toolsDir == "" {
		home, _ := os.UserHomeDir()
		*toolsDir = filepath.Join(home, ".cache", "cloudperf", "bench-tools")
	}
	b, err := newBench()
	if err != nil {
		log.Fatal(err)
	}
	defer b.cleanup()
	table := b.run()
	fmt.Print(table)
	if *readme != "" {
		if err := rewriteReadme(*readme, table); err != nil {
			log.Fatal(err)
		}
		log.Printf("rewrote the Performance section of %s", *readme)
	}
}

// prioritise puts the benchmark in its own session and gives that session's
// autogroup the highest priority, so other sessions' builds do not share the
// cores equally with it.
func prioritise() {
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

type bench struct {
	dir               string
	app, client       string
	vegeta, fortio    string
	reps              int
	shortRun, longRun time.Duration
	cpuRun            time.Duration // long enough that start-up (the client's ≈ 50 ms of package init, fortio's ≈ 20 ms) is ≤ 1% of a run
	procs             []*exec.Cmd
}

func newBench() (*bench, error) {
	dir, err := os.MkdirTemp("", "cloudperf-bench-")
	if err != nil {
		return nil, err
	}
	b := &bench{dir: dir, reps: 5, shortRun: 5 * time.Second, longRun: 60 * time.Second, cpuRun: 15 * time.Second,
		vegeta: filepath.Join(*toolsDir, "vegeta"), fortio: filepath.Join(*toolsDir, "fortio")}
	if *quick {
		b.reps, b.shortRun, b.longRun, b.cpuRun = 1, 3*time.Second, 10*time.Second, 5*time.Second
		if r := os.Getenv("BENCH_REPS"); r != "" {
			b.reps, _ = strconv.Atoi(r)
		}
	}
	for _, tool := range []string{b.vegeta, b.fortio, "wrk", "nginx", "python3", "taskset"} {
		if _, err := exec.LookPath(tool); err != nil {
			return nil, fmt.Errorf("%s not found: run `make bench`, which installs it", tool)
		}
	}
	if err := exec.Command("python3", "-c", "import flask").Run(); err != nil {
		return nil, errors.New("python3-flask not installed: run `make bench`, which installs it")
	}
	b.app, b.client = filepath.Join(dir, "app"), filepath.Join(dir, "client")
	for bin, pkg := range map[string]string{b.app: "./app", b.client: "./client"} {
		if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	}
	return b, nil
}

func (b *bench) cleanup() {
	for _, p := range b.procs {
		_ = p.Process.Signal(syscall.SIGTERM)
		_ = p.Wait()
	}
	os.RemoveAll(b.dir)
}

// serveApp starts the app on addr (pinned, like every server) with args.
func (b *bench) serveApp(addr string, args ...string) (stop func(), err error) {
	return b.serve(addr, append([]string{b.app, "-addr", addr, "-log-format", "text"}, args...)...)
}

// serve starts a server pinned to the server CPU and waits until it answers.
func (b *bench) serve(addr string, args ...string) (stop func(), err error) {
	cmd := exec.Command("taskset", append([]string{"-c", serverCPU}, args...)...)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	b.procs = append(b.procs, cmd)
	stop = func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		_ = cmd.Wait()
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/")
		if err == nil {
			resp.Body.Close()
			return stop, nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	return nil, fmt.Errorf("%s did not answer on %s", args[0], addr)
}

// gen runs a load generator pinned to the generator CPU and returns its
// output and resource use.
type genRun struct {
	out     []byte
	cpu     time.Duration // user + system
	maxRSS  int64         // bytes
	elapsed time.Duration
}

func gen(timeout time.Duration, name string, args ...string) (genRun, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "taskset", append([]string{"-c", genCPU, name}, args...)...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	start := time.Now()
	err := cmd.Run()
	r := genRun{out: out.Bytes(), elapsed: time.Since(start)}
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			r.maxRSS = ru.Maxrss * 1024
		}
	}
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) { // 1: a threshold, still measured
		return r, fmt.Errorf("%s: %v: %s", filepath.Base(name), err, firstLine(errOut.String()))
	}
	return r, nil
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

// loadResult is what each generator reports of one open-loop run.
type loadResult struct {
	requests int64
	ok       int64
	rate     float64 // achieved, per the tool itself
	p50      time.Duration
	cpu      time.Duration
	maxRSS   int64
}

func (b *bench) load(tool, url string, rate float64, d time.Duration) (loadResult, error) {
	timeout := d + 2*time.Minute
	switch tool {
	case "client":
		args := []string{"--url", url, "--rate", ftoa(rate), "--duration", d.String(), "--out", "", "--quiet", "--format", "json"}
		r, err := gen(timeout, b.client, append(args, strings.Fields(*extra)...)...)
		if err != nil {
			return loadResult{}, err
		}
		var s struct {
			Requests     int64   `json:"requests"`
			OK           int64   `json:"ok"`
			AchievedRate float64 `json:"achieved_rate"`
			Latency      struct {
				P50 float64 `json:"p50_ms"`
			} `json:"latency"`
		}
		if err := json.Unmarshal(r.out, &s); err != nil {
			return loadResult{}, fmt.Errorf("client summary: %v", err)
		}
		return loadResult{s.Requests, s.OK, s.AchievedRate, ms(s.Latency.P50), r.cpu, r.maxRSS}, nil
	case "vegeta":
		targets := filepath.Join(b.dir, "targets.txt")
		_ = os.WriteFile(targets, []byte("GET "+url+"\n"), 0o644)
		results := filepath.Join(b.dir, "vegeta.bin")
		r, err := gen(timeout, b.vegeta, "attack", "-targets", targets, "-rate", ftoa(rate)+"/1s",
			"-duration", d.String(), "-output", results)
		if err != nil {
			return loadResult{}, err
		}
		rep, err := exec.Command(b.vegeta, "report", "-type", "json", results).Output()
		if err != nil {
			return loadResult{}, fmt.Errorf("vegeta report: %v", err)
		}
		var s struct {
			Requests    int64            `json:"requests"`
			Rate        float64          `json:"rate"`
			Success     float64          `json:"success"`
			Latencies   map[string]int64 `json:"latencies"`
			StatusCodes map[string]int64 `json:"status_codes"`
		}
		if err := json.Unmarshal(rep, &s); err != nil {
			return loadResult{}, fmt.Errorf("vegeta report: %v", err)
		}
		ok := int64(s.Success*float64(s.Requests) + 0.5)
		return loadResult{s.Requests, ok, s.Rate, time.Duration(s.Latencies["50th"]), r.cpu, r.maxRSS}, nil
	case "fortio", "fortio-uniform":
		jsonOut := filepath.Join(b.dir, "fortio.json")
		args := []string{"load", "-quiet", "-qps", ftoa(rate), "-c", "50", "-t", d.String(), "-r", "0.00001", "-json", jsonOut}
		if tool == "fortio-uniform" {
			// By default fortio's 50 connections send at the same instants
			// (50 requests at once every 10 ms at 5k/s); -uniform staggers
			// them, an arrival process as smooth as the client's or smoother.
			args = append(args, "-uniform")
		}
		r, err := gen(timeout, b.fortio, append(args, url)...)
		if err != nil {
			return loadResult{}, err
		}
		raw, err := os.ReadFile(jsonOut)
		if err != nil {
			return loadResult{}, err
		}
		var s struct {
			ActualQPS         float64
			DurationHistogram struct {
				Count       int64
				Percentiles []struct {
					Percentile float64
					Value      float64
				}
			}
			RetCodes map[string]int64
		}
		if err := json.Unmarshal(raw, &s); err != nil {
			return loadResult{}, fmt.Errorf("fortio json: %v", err)
		}
		var p50 time.Duration
		for _, p := range s.DurationHistogram.Percentiles {
			if p.Percentile == 50 {
				p50 = time.Duration(p.Value * 1e9)
			}
		}
		return loadResult{s.DurationHistogram.Count, s.RetCodes["200"], s.ActualQPS, p50, r.cpu, r.maxRSS}, nil
	}
	return loadResult{}, fmt.Errorf("unknown tool %s", tool)
}

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func ms(v float64) time.Duration { return time.Duration(v * float64(time.Millisecond)) }

var generators = []string{"client", "vegeta", "fortio"}

func want(section string) bool {
	if *only == "" {
		return true
	}
	for _, s := range strings.Split(*only, ",") {
		if s == section {
			return true
		}
	}
	return false
}

// run measures everything and renders the table.
func (b *bench) run() string {
	var rows []row
	addr := freeAddr()
	url := "http://" + addr + "/"
	stopApp, err := b.serveApp(addr)
	if err != nil {
		log.Fatal(err)
	}
	// Warm the server and the page cache.
	_, _ = gen(time.Minute, "wrk", "-t1", "-c50", "-d1s", url)

	if want("maxrate") {
		rows = append(rows, b.maxRates(url)...)
	}
	if want("cpu") {
		rows = append(rows, b.cpuPer1k(url)...)
	}
	if want("rss") {
		rows = append(rows, b.rss(url)...)
	}
	stopApp()
	if want("latency") {
		rows = append(rows, b.latencyAgreement()...)
	}
	if want("service") {
		rows = append(rows, b.service()...)
	}
	return render(rows, b)
}

type row struct {
	section, measure, value, goal, verdict string
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT met"
}

// maxRates finds, per generator, the highest rate held within 1% of target
// with every request successful, climbing a ladder of rates.
func (b *bench) maxRates(url string) []row {
	ladder := []float64{2500, 5000, 7500, 10000, 12500, 15000, 20000, 25000, 30000, 40000, 50000, 60000, 70000, 80000, 90000, 100000, 120000}
	best := map[string]float64{}
	for _, tool := range generators {
		for _, rate := range ladder {
			held := false
			for attempt := 0; attempt < 2 && !held; attempt++ { // one retry: the machine is shared
				r, err := b.load(tool, url, rate, b.shortRun)
				if err != nil {
					log.Printf("maxrate %s at %v: %v", tool, rate, err)
					break
				}
				held = r.requests > 0 && r.ok == r.requests && r.rate >= 0.99*rate
				log.Printf("maxrate %-6s %7.0f/s: achieved %9.1f/s, %d/%d ok → %v", tool, rate, r.rate, r.ok, r.requests, held)
				time.Sleep(2 * time.Second) // let TIME_WAIT and the server settle
			}
			if !held {
				break
			}
			best[tool] = rate
		}
	}
	c, v, f := best["client"], best["vegeta"], best["fortio"]
	return []row{
		{"1. highest open-loop rate held (≤1% short, 100% ok)", "client", fmt.Sprintf("%.0f/s", c), "", ""},
		{"", "vegeta v12.13.0 (default)", fmt.Sprintf("%.0f/s", v), "", ""},
		{"", "fortio v1.68.2 (-c 50)", fmt.Sprintf("%.0f/s", f), "", ""},
		{"", "client ÷ vegeta", ratio(c, v), "≥ 4×", verdict(c >= 4*v)},
		{"", "client ÷ fortio", ratio(c, f), "≥ 1×", verdict(c >= f)},
	}
}

func ratio(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f×", a/b)
}

// cpuPer1k is each generator's CPU time (user + system) per 1,000 requests,
// the median over the repetitions.
func (b *bench) cpuPer1k(url string) []row {
	var rows []row
	for _, rate := range []float64{5000, 10000} {
		vals := map[string][]float64{}
		for i := 0; i < b.reps; i++ { // interleaved, so drifts in the machine hit every tool alike
			for _, tool := range append(generators, "fortio-uniform") {
				r, err := b.load(tool, url, rate, b.cpuRun)
				if err != nil || r.requests == 0 {
					log.Printf("cpu %s at %v: %v", tool, rate, err)
					continue
				}
				v := r.cpu.Seconds() * 1000 / float64(r.requests) * 1000 // ms per 1k
				log.Printf("cpu %-6s %6.0f/s: %.1f ms per 1k requests (%d requests, %v)", tool, rate, v, r.requests, r.cpu)
				vals[tool] = append(vals[tool], v)
			}
		}
		per := map[string]float64{}
		for tool, v := range vals {
			per[tool] = median(v)
		}
		label := fmt.Sprintf("2. generator CPU per 1k requests at %.0fk/s", rate/1000)
		rows = append(rows,
			row{label, "client · vegeta · fortio · fortio -uniform", fmt.Sprintf("%.1f · %.1f · %.1f · %.1f ms", per["client"], per["vegeta"], per["fortio"], per["fortio-uniform"]), "", ""},
			row{"", "client ÷ fortio", ratio(per["client"], per["fortio"]), "≤ 1×", verdict(per["client"] <= per["fortio"])},
			row{"", "client ÷ fortio -uniform", ratio(per["client"], per["fortio-uniform"]), "", "(context)"},
		)
	}
	return rows
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	return v[len(v)/2]
}

// rss is the client's peak memory over a run at 10k/s and over one ten times
// longer: it must not grow with the run.
func (b *bench) rss(url string) []row {
	var peaks []int64
	for _, d := range []time.Duration{b.longRun, 10 * b.longRun} {
		r, err := b.load("client", url, 10000, d)
		if err != nil {
			log.Printf("rss over %v: %v", d, err)
			peaks = append(peaks, 0)
			continue
		}
		log.Printf("rss client over %v at 10k/s: %.1f MiB (%d requests)", d, float64(r.maxRSS)/(1<<20), r.requests)
		peaks = append(peaks, r.maxRSS)
	}
	short, long := float64(peaks[0])/(1<<20), float64(peaks[1])/(1<<20)
	return []row{
		{"3. client peak RSS at 10k/s", fmt.Sprintf("%v · %v runs", b.longRun, 10*b.longRun), fmt.Sprintf("%.1f · %.1f MiB", short, long), "≤ 64 MiB", verdict(long > 0 && long <= 64 && short <= 64)},
		{"", "long ÷ short", ratio(long, short), "flat (≤ 1.1×)", verdict(short > 0 && long <= 1.1*short)},
	}
}

// latencyAgreement loads a server that answers every request after 20 ms.
func (b *bench) latencyAgreement() []row {
	addr := freeAddr()
	stop, err := b.serveApp(addr, "-delay", "20ms")
	if err != nil {
		log.Printf("latency: %v", err)
		return nil
	}
	defer stop()
	p50 := map[string]time.Duration{}
	for _, tool := range []string{"client", "vegeta"} {
		var vals []float64
		for i := 0; i < b.reps; i++ {
			r, err := b.load(tool, "http://"+addr+"/", 200, b.shortRun)
			if err != nil {
				log.Printf("latency %s: %v", tool, err)
				continue
			}
			vals = append(vals, float64(r.p50))
		}
		p50[tool] = time.Duration(median(vals))
		log.Printf("latency %s p50 %v against a 20 ms server", tool, p50[tool])
	}
	off := func(d time.Duration) time.Duration { return (d - 20*time.Millisecond).Abs() }
	return []row{{"4. p50 against a fixed 20 ms server (200/s)", "client · vegeta",
		fmt.Sprintf("%.2f · %.2f ms", float64(p50["client"])/1e6, float64(p50["vegeta"])/1e6), "within 1 ms of 20 ms",
		verdict(p50["client"] > 0 && off(p50["client"]) <= time.Millisecond)}}
}

// service compares the app with nginx serving a fixed JSON reply and with the
// seed's Flask app, closed loop with wrk -t1 -c50. The three run side by side
// and the runs are interleaved, so a drift in the machine hits each alike.
func (b *bench) service() []row {
	servers := []struct {
		name  string
		start func(addr string) (func(), error)
		url   string
		vals  []float64
	}{
		{name: "app", start: func(addr string) (func(), error) { return b.serveApp(addr) }},
		{name: "net/http", start: b.netHTTP},
		{name: "nginx", start: b.nginx},
		{name: "flask", start: b.flask},
	}
	for i := range servers {
		s := &servers[i]
		addr := freeAddr()
		stop, err := s.start(addr)
		if err != nil {
			log.Printf("service %s: %v", s.name, err)
			continue
		}
		defer stop()
		s.url = "http://" + addr + "/"
		_, _ = gen(time.Minute, "wrk", "-t1", "-c50", "-d1s", s.url) // warm up
	}
	for i := 0; i < b.reps; i++ {
		for j := range servers {
			s := &servers[j]
			if s.url == "" {
				continue
			}
			r, err := gen(time.Minute+b.shortRun, "wrk", "-t1", "-c50", "-d"+strconv.Itoa(int(b.shortRun.Seconds()))+"s", s.url)
			if err != nil {
				log.Printf("wrk %s: %v", s.name, err)
				continue
			}
			if m := wrkRate.FindSubmatch(r.out); m != nil {
				v, _ := strconv.ParseFloat(string(m[1]), 64)
				log.Printf("service %-8s %.0f req/s (wrk -t1 -c50)", s.name, v)
				s.vals = append(s.vals, v)
			}
		}
	}
	rps := map[string]float64{}
	for _, s := range servers {
		rps[s.name] = median(s.vals)
	}
	return []row{
		{"5. service, closed loop (wrk -t1 -c50)", "app · net/http alone · nginx · Flask dev", fmt.Sprintf("%.0f · %.0f · %.0f · %.0f req/s", rps["app"], rps["net/http"], rps["nginx"], rps["flask"]), "", ""},
		{"", "app ÷ nginx", ratio(rps["app"], rps["nginx"]), "≥ 0.5×", verdict(rps["app"] >= 0.5*rps["nginx"])},
		{"", "net/http alone ÷ nginx", ratio(rps["net/http"], rps["nginx"]), "", "(context: any net/http service's ceiling)"},
		{"", "app ÷ net/http alone", ratio(rps["app"], rps["net/http"]), "", "(context)"},
		{"", "app ÷ Flask", ratio(rps["app"], rps["flask"]), "≥ 30×", verdict(rps["app"] >= 30*rps["flask"])},
	}
}

// netHTTP serves the fixed answer with net/http alone — the app's timeouts,
// no routing, metrics or timestamp — run by this binary itself, pinned like
// every server: what no net/http service can beat.
func (b *bench) netHTTP(addr string) (func(), error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return b.serve(addr, self, "-serve-net-http", addr)
}

func serveNetHTTP(addr string) error {
	body := []byte(fixedAnswer("net/http") + "\n")
	contentType := []string{"application/json"}
	app := hello.DefaultConfig()
	srv := &http.Server{
		Addr: addr, ReadHeaderTimeout: app.ReadHeaderTimeout, ReadTimeout: app.ReadTimeout,
		WriteTimeout: app.WriteTimeout, IdleTimeout: app.IdleTimeout, MaxHeaderBytes: app.MaxHeaderBytes,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header()["Content-Type"] = contentType
			_, _ = w.Write(body)
		}),
	}
	return srv.ListenAndServe()
}

// fixedAnswer is the app's reply with a fixed timestamp, which nginx and
// net/http alone serve as they are.
func fixedAnswer(host string) string {
	return `{"message":"Hello","timestamp":"2026-11-27T12:00:00.000000000Z","host":"` + host + `"}`
}

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

func (b *bench) nginx(addr string) (func(), error) {
	dir := filepath.Join(b.dir, "nginx")
	_ = os.MkdirAll(filepath.Join(dir, "logs"), 0o755)
	conf := fmt.Sprintf(`worker_processes 1;
daemon off;
pid %[1]s/nginx.pid;
error_log %[1]s/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path %[1]s; proxy_temp_path %[1]s; fastcgi_temp_path %[1]s; uwsgi_temp_path %[1]s; scgi_temp_path %[1]s;
  keepalive_requests 1000000;
  server {
    listen %[2]s;
    location / {
      default_type application/json;
      return 200 '%[3]s\n';
    }
  }
}
`, dir, addr, fixedAnswer("nginx"))
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		return nil, err
	}
	return b.serve(addr, "nginx", "-p", dir, "-c", path)
}

// seedFlaskApp is the Python service cloudperf grew from (../shared/seed).
const seedFlaskApp = `import os
from datetime import datetime, timezone
from flask import Flask, jsonify
app = Flask(__name__)

@app.route("/")
def hello():
    return jsonify(message="Hello", timestamp=datetime.now(timezone.utc).isoformat())

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
`

func (b *bench) flask(addr string) (func(), error) {
	path := filepath.Join(b.dir, "flask_app.py")
	if err := os.WriteFile(path, []byte(seedFlaskApp), 0o644); err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	os.Setenv("PORT", port)
	defer os.Unsetenv("PORT")
	return b.serve(addr, "python3", path)
}

// freeAddr is a loopback address with a port free right now.
func freeAddr() string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func render(rows []row, b *bench) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Measured %s on %s (%s), server on CPU %s, generators on CPU %s; medians of %d; %v runs (CPU: %v).\n\n",
		time.Now().UTC().Format("2006-01-02"), machine(), goVersion(), serverCPU, genCPU, b.reps, b.shortRun, b.cpuRun)
	sb.WriteString("| | measure | value | goal | |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&sb, "| %s | %s | %s | %s | %s |\n", r.section, r.measure, r.value, r.goal, r.verdict)
	}
	return sb.String()
}

func machine() string {
	out, _ := os.ReadFile("/proc/cpuinfo")
	model := "unknown CPU"
	if m := regexp.MustCompile(`model name\s*:\s*(.+)`).FindSubmatch(out); m != nil {
		model = strings.TrimSpace(string(m[1]))
	}
	n := bytes.Count(out, []byte("processor\t:"))
	return fmt.Sprintf("%d × %s", n, model)
}

func goVersion() string {
	out, err := exec.Command("go", "env", "GOVERSION").Output()
	if err != nil {
		return "go"
	}
	return strings.TrimSpace(string(out))
}

const (
	startMarker = "<!-- bench:start -->"
	endMarker   = "<!-- bench:end -->"
)

func rewriteReadme(path, table string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	s := string(raw)
	i, j := strings.Index(s, startMarker), strings.Index(s, endMarker)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s … %s section", path, startMarker, endMarker)
	}
	s = s[:i+len(startMarker)] + "\n" + table + s[j:]
	return os.WriteFile(path, []byte(s), 0o644)
}
