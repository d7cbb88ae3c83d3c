package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/cloudperf/cloudperf/app/bench/kit"
)

// The raw I/O A/B: client/rawtcp's raw system calls against the same client
// built with -tags norawio (plain net.Conn I/O), at rawIORate and at the
// GOMAXPROCS the client runs with: 1 pinned (as in every other row), 2 in a
// one-CPU pod.
const rawIORate = 20000

var rawIOProcs = []int{1, 2}

// rawIOTie: plain ÷ raw within 1 ± rawIOTie is a tie, neither paying nor costing.
const rawIOTie = 0.05

// rawIOGenerators are the client at GOMAXPROCS=procs, raw and plain. Pinned
// to one CPU the client's GOMAXPROCS is 1 already, so the raw one at 1 is
// the "client" row's own runs.
func rawIOGenerators() (raw, plain map[int]generator) {
	raw, plain = map[int]generator{}, map[int]generator{}
	for _, procs := range rawIOProcs {
		plain[procs] = clientAt(fmt.Sprintf("client -tags norawio GOMAXPROCS=%d", procs), procs, func(b *bench) string { return b.plainClient })
		if procs == 1 {
			raw[procs] = generators[0]
			continue
		}
		raw[procs] = clientAt(fmt.Sprintf("client GOMAXPROCS=%d", procs), procs, func(b *bench) string { return b.client })
	}
	return raw, plain
}

// clientAt is the client row's generator with another binary and GOMAXPROCS,
// set through env(1), which execs the client: the run's CPU is still its own.
func clientAt(name string, procs int, bin func(*bench) string) generator {
	return generator{
		name: name,
		command: func(b *bench, url string, rate float64, d time.Duration) (string, []string) {
			_, args := clientCommand(b, url, rate, d)
			return "env", append([]string{fmt.Sprintf("GOMAXPROCS=%d", procs), bin(b)}, args...)
		},
		outcome: generators[0].outcome,
	}
}

// rawIORows are the A/B's rows from the medians at rawIORate.
func rawIORows(cpu map[string]float64) []kit.Row {
	raw, plain := rawIOGenerators()
	var values, ratios, verdicts, procsList []string
	pays := true
	for _, procs := range rawIOProcs {
		procsList = append(procsList, fmt.Sprint(procs))
		r, p := cpu[raw[procs].name], cpu[plain[procs].name]
		values = append(values, fmt.Sprintf("GOMAXPROCS=%d: %.1f · %.1f ms", procs, r, p))
		ratios = append(ratios, ratio3(p, r))
		verdict := rawIOVerdict(p, r)
		verdicts = append(verdicts, fmt.Sprintf("%s at GOMAXPROCS=%d", verdict, procs))
		pays = pays && verdict == "pays"
	}
	overall := "pays"
	if !pays {
		overall = "does not pay"
	}
	at := fmt.Sprintf("at %s, GOMAXPROCS=%s", rateName(rawIORate), strings.Join(procsList, " · "))
	return []kit.Row{
		kit.Context(fmt.Sprintf("raw I/O: CPU per 1k at %s, raw · plain (-tags norawio)", rateName(rawIORate)), strings.Join(values, "; ")),
		kit.Goal("raw I/O: plain ÷ raw CPU per request, "+at, strings.Join(ratios, " · "),
			fmt.Sprintf("> %.2f× at each (±%.0f%%: a tie)", 1+rawIOTie, rawIOTie*100), pays),
		kit.Context("raw I/O verdict: keep it only if it pays at each GOMAXPROCS", overall+" ("+strings.Join(verdicts, ", ")+")"),
	}
}

// ratio3 is kit.Ratio with a third decimal, so a ratio just past the tie
// band does not print as its edge.
func ratio3(a, b float64) string {
	if b == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.3f×", a/b)
}

// rawIOVerdict reads plain ÷ raw: "pays", "costs" or "a tie" within rawIOTie.
func rawIOVerdict(plain, raw float64) string {
	switch {
	case plain == 0 || raw == 0:
		return "not measured"
	case plain/raw > 1+rawIOTie:
		return "pays"
	case plain/raw < 1-rawIOTie:
		return "costs"
	}
	return "a tie"
}
