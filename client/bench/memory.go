package main

import (
	"fmt"
	"log"
	"time"

	"github.com/cloudperf/cloudperf/app/bench/kit"
)

const (
	memoryRate      = 10000
	vegetaMemoryRun = 5 * time.Second
)

// memory compares peak RSS at 10k/s against nginx with vegeta's, in the same
// run, and the client's over a run ten times longer: it must not grow.
// vegeta's default pool grows without bound when it falls behind, so the goal
// is set against the vegeta that keeps up, capped at 50 workers.
func (b *bench) memory() kit.Table {
	peak, anon := map[string]int64{}, map[string]int64{}
	marks := map[string]string{}
	var client generator
	for _, g := range generators {
		if g.name != "client" && g.name != "vegeta" && g.name != "vegeta -max-workers 50" {
			continue
		}
		if g.name == "client" {
			client = g
		}
		d := b.memoryRun
		if g.name == "vegeta" {
			// It falls behind at 10k/s and its memory grows with the backlog
			// (hundreds of MiB a second): a short run shows that.
			d = min(d, vegetaMemoryRun)
		}
		peak[g.name], anon[g.name], marks[g.name] = b.peakRSS(g, d)
		if d != b.memoryRun {
			marks[g.name] += fmt.Sprintf(" (a %v run)", d)
		}
	}
	long, _, longMark := b.peakRSS(client, 10*b.memoryRun)
	c, capped := float64(peak["client"]), float64(peak["vegeta -max-workers 50"])
	cAnon, cappedAnon := float64(anon["client"]), float64(anon["vegeta -max-workers 50"])
	value := func(name string) string { return kit.MiB(peak[name]) + marks[name] }
	return kit.Table{
		Block: "memory",
		Title: "Memory",
		Setup: fmt.Sprintf("peak RSS (GNU time) at %s against nginx, runs of %v and %v; anonymous: the highest RssAnon sampled every %v", rateName(memoryRate), b.memoryRun, 10*b.memoryRun, kit.AnonSampleEvery),
		Rows: []kit.Row{
			kit.Context("client · vegeta -max-workers 50 · vegeta", fmt.Sprintf("%s · %s · %s", value("client"), value("vegeta -max-workers 50"), value("vegeta"))),
			kit.Goal("client ÷ vegeta -max-workers 50", kit.Ratio(c, capped), "≤ 1×", c > 0 && capped > 0 && c <= capped),
			kit.Context("client ÷ vegeta", kit.Ratio(c, float64(peak["vegeta"]))),
			kit.Context("anonymous · client · vegeta -max-workers 50", kit.MiB(anon["client"])+" · "+kit.MiB(anon["vegeta -max-workers 50"])),
			kit.Context("client ÷ vegeta -max-workers 50, anonymous", kit.Ratio(cAnon, cappedAnon)),
			kit.Context(fmt.Sprintf("client over %v", 10*b.memoryRun), kit.MiB(long)+longMark),
			kit.Goal(fmt.Sprintf("client %v ÷ %v", 10*b.memoryRun, b.memoryRun), kit.Ratio(float64(long), c), "flat (≤ 1.1×)", c > 0 && long > 0 && float64(long) <= 1.1*c),
		},
	}
}

// peakRSS is g's peak RSS and anonymous peak over a run of d, and
// " (not held)" when the run fell short of the rate.
func (b *bench) peakRSS(g generator, d time.Duration) (rss, anon int64, mark string) {
	m, err := b.load(g, b.nginxURL, memoryRate, d)
	settle()
	if err != nil {
		log.Printf("memory %s over %v: %v", g.name, d, err)
		return 0, 0, ""
	}
	log.Printf("memory %-22s over %v: %s peak, %s anonymous (%d sent, %d ok)", g.name, d, kit.MiB(m.run.MaxRSS), kit.MiB(m.run.MaxAnon), m.sent, m.ok)
	return m.run.MaxRSS, m.run.MaxAnon, heldMark(m, memoryRate, d)
}
