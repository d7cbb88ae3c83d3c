// Command bench measures the client beside the load generators people
// compare it with — fortio, vegeta, hey and bombardier — on loopback, and
// prints one table per section (with -readme, it rewrites README's
// bench:SECTION blocks):
//
//	limit    the generator's own limit: each loads nginx (one worker, fixed
//	         JSON) so the generator is what runs out; the highest rate held
//	         and CPU per 1,000 requests at 10k, 20k and 40k/s, beside the
//	         floor (floor/floor.c, built with gcc)
//	memory   peak RSS at 10k/s beside vegeta, and over a run 10× longer
//	cost     the client's CPU and memory as rate, connections and merged
//	         summaries grow
//	latency  the median against a server that answers after 20 ms
//
// The server is pinned to CPU 0 and every generator to CPU 1; the run gives
// its own session priority over other sessions' work. Timings on a shared
// machine are noisy: figures are medians, goals are ratios, and nothing here
// fails a build. app/bench measures the service the same way.
//
//	go run ./client/bench            # the full run (about 17½ minutes)
//	go run ./client/bench -quick     # shorter runs (about 4½ minutes)
//
// `make bench` installs what it needs (see bench-tools) and runs both.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/cloudperf/cloudperf/app/bench/kit"
)

var (
	quick      = flag.Bool("quick", false, "shorter runs, one repetition")
	readme     = flag.String("readme", "", "rewrite the bench:SECTION blocks of this README")
	toolsDir   = flag.String("tools", "", "where fortio, vegeta, hey and bombardier are (default: ~/.cache/cloudperf/bench-tools)")
	only       = flag.String("only", "", "comma-separated sections to run: limit,memory,cost,latency (service is app/bench's)")
	clientArgs = flag.String("client-args", "", "extra flags for the client, space-separated (to compare settings)")
	serveDelay = flag.String("serve-delay", "", "serve a fixed answer after ?delay= on this address (the bench runs itself so)")
)

// sections are this bench's part of kit.Sections, in the order they run
// (app/bench runs service).
var sections = []struct {
	name    string
	measure func(*bench) kit.Table
}{
	{"limit", (*bench).limit},
	{"memory", (*bench).memory},
	{"cost", (*bench).cost},
	{"latency", (*bench).latency},
}

// bench holds what every section needs: the client binary, the tools, the
// servers and how long each kind of run lasts.
type bench struct {
	dir, tools, client string
	floor              string // floor/floor.c built, or "" when gcc is missing
	clientArgs         []string
	nginxURL, delayURL string // a fixed answer at once; a fixed answer after ?delay=
	reps               int
	limitRun, cpuRun   time.Duration // cpuRun: long enough that start-up (≈ 50 ms) is ≤ 1.5% of it
	memoryRun          time.Duration // and a run 10× longer
	costRun            time.Duration
	latencyRun         time.Duration
}

func (b *bench) tool(name string) string { return filepath.Join(b.tools, name) }

func main() {
	log.SetFlags(0)
	log.SetPrefix("bench: ")
	flag.Parse()
	if *serveDelay != "" {
		log.Fatal(serveAfterDelay(*serveDelay))
	}
	wanted, err := kit.Only(*only)
	if err != nil {
		log.Fatal(err)
	}
	var run []func(*bench) kit.Table
	for _, s := range sections {
		if wanted(s.name) {
			run = append(run, s.measure)
		}
	}
	if len(run) == 0 {
		return
	}
	kit.Prioritise()
	b, stop, err := start()
	if err != nil {
		log.Fatal(err)
	}
	defer stop()
	for _, measure := range run {
		table := measure(b)
		text := table.Render(time.Now())
		fmt.Println(text)
		if *readme != "" {
			if err := kit.RewriteReadme(*readme, table.Block, text); err != nil {
				log.Fatal(err)
			}
			log.Printf("rewrote the %s block of %s", table.Block, *readme)
		}
	}
}

// start builds the client and starts the two servers, each pinned to the
// server CPU.
func start() (b *bench, stop func(), err error) {
	b = &bench{tools: *toolsDir, clientArgs: strings.Fields(*clientArgs), reps: 3,
		limitRun: 5 * time.Second, cpuRun: 4 * time.Second, memoryRun: 30 * time.Second, costRun: 5 * time.Second, latencyRun: 3 * time.Second}
	if *quick {
		b.reps, b.limitRun, b.cpuRun, b.memoryRun, b.costRun, b.latencyRun = 1, 2*time.Second, 3*time.Second, 3*time.Second, 2*time.Second, 2*time.Second
	}
	if b.tools == "" {
		home, _ := os.UserHomeDir()
		b.tools = filepath.Join(home, ".cache", "cloudperf", "bench-tools")
	}
	if err := kit.Require(b.tool("fortio"), b.tool("vegeta"), b.tool("hey"), b.tool("bombardier"), "nginx", "taskset", kit.TimeCommand); err != nil {
		return nil, nil, err
	}
	if b.dir, err = os.MkdirTemp("", "cloudperf-bench-"); err != nil {
		return nil, nil, err
	}
	var stops []func()
	stop = func() {
		for _, s := range stops {
			s()
		}
		os.RemoveAll(b.dir)
	}
	b.client = filepath.Join(b.dir, "client")
	if err := kit.Build(b.client, "./client"); err != nil {
		stop()
		return nil, nil, err
	}
	if b.floor, err = buildFloor(b.dir); err != nil {
		log.Printf("no floor row: %v", err)
	}
	nginxAddr, delayAddr := kit.FreeAddr(), kit.FreeAddr()
	stopNginx, err := kit.Nginx(filepath.Join(b.dir, "nginx"), nginxAddr)
	if err != nil {
		stop()
		return nil, nil, fmt.Errorf("nginx: %v", err)
	}
	stops = append(stops, stopNginx)
	self, err := os.Executable()
	if err != nil {
		stop()
		return nil, nil, err
	}
	stopDelay, err := kit.Serve(delayAddr, self, "-serve-delay", delayAddr)
	if err != nil {
		stop()
		return nil, nil, err
	}
	stops = append(stops, stopDelay)
	b.nginxURL, b.delayURL = "http://"+nginxAddr+"/", "http://"+delayAddr+"/"
	return b, stop, nil
}
