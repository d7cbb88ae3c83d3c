package main

import (
	"fmt"
	"strconv"
	"time"

	"github.com/cloudperf/cloudperf/app/bench/kit"
)

// measured is one pinned run of a generator: what it delivered and what it cost.
type measured struct {
	outcome
	run kit.Run
}

// load runs g at rate against url for d, pinned to the generator CPU.
func (b *bench) load(g generator, url string, rate float64, d time.Duration) (measured, error) {
	bin, args := g.command(b, url, rate, d)
	run, err := kit.Generate(d+2*time.Minute, bin, args...)
	if err != nil {
		return measured{}, err
	}
	o, err := g.outcome(b, run.Stdout, d)
	if err != nil {
		return measured{}, err
	}
	return measured{o, run}, nil
}

// settle lets TIME_WAIT sockets and the server calm down between runs.
func settle() { time.Sleep(500 * time.Millisecond) }

func ftoa(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func rateName(rate float64) string {
	if rate >= 1000 {
		return fmt.Sprintf("%gk/s", rate/1000)
	}
	return fmt.Sprintf("%g/s", rate)
}
