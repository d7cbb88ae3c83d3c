// Command bench measures the service the way its peers are measured: the app,
// a bare net/http handler with the app's timeouts, nginx serving the same
// fixed JSON, and the seed's Flask app, each pinned to CPU 0 under
// wrk -t1 -c50 pinned to CPU 1, closed loop, runs interleaved. It prints the
// ratios and, with -readme, rewrites README's bench:service block.
//
//	go run ./app/bench            # medians of 3 runs of 4 s (about 1.5 minutes)
//	go run ./app/bench -quick     # one run of 3 s each
//
// `make bench` installs wrk, nginx and python3-flask (Debian) and runs it.
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/cloudperf/cloudperf/app/bench/kit"
)

var (
	quick   = flag.Bool("quick", false, "shorter runs, one repetition")
	readme  = flag.String("readme", "", "rewrite the bench:service block of this README")
	only    = flag.String("only", "", "comma-separated sections to run (this bench runs service)")
	netHTTP = flag.String("serve-net-http", "", "serve the fixed answer with a bare net/http handler on this address (the bench runs itself so)")
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("bench service: ")
	flag.Parse()
	if *netHTTP != "" {
		log.Fatal(serveNetHTTP(*netHTTP))
	}
	wanted, err := kit.Only(*only)
	if err != nil {
		log.Fatal(err)
	}
	if !wanted("service") {
		return
	}
	kit.Prioritise()
	if err := kit.Require("wrk", "nginx", "python3", "taskset", kit.TimeCommand); err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "cloudperf-bench-service-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	s := service{dir: dir, reps: 3, run: 4 * time.Second}
	if *quick {
		s.reps, s.run = 1, 3*time.Second
	}
	s.app = filepath.Join(dir, "app")
	if err := kit.Build(s.app, "./app"); err != nil {
		log.Fatal(err)
	}
	table, err := s.measure()
	if err != nil {
		log.Fatal(err)
	}
	text := table.Render(time.Now())
	fmt.Print(text)
	if *readme != "" {
		if err := kit.RewriteReadme(*readme, table.Block, text); err != nil {
			log.Fatal(err)
		}
		log.Printf("rewrote the %s block of %s", table.Block, *readme)
	}
}
