package main

import (
	"fmt"
	"log"
	"time"

	"github.com/cloudperf/cloudperf/app/bench/kit"
)

const memoryRate = 10000

// memory compares peak RSS at 10k/s against nginx with vegeta's, in the same
// run, and the client's over a run ten times longer: it must not grow.
func (b *bench) memory() kit.Table {
	peak := map[string]int64{}
	var peers []generator
	for _, g := range generators {
		if g.name == "client" || g.name == "vegeta" || g.name == "vegeta -max-workers 50" {
			peers = append(peers, g)
		}
	}
	for _, g := range peers {
		peak[g.name] = b.peakRSS(g, b.memoryRun)
	}
	long := b.peakRSS(peers[0], 10*b.memoryRun)
	client, vegeta, capped := float64(peak["client"]), float64(peak["vegeta"]), float64(peak["vegeta -max-workers 50"])
	return kit.Table{
		Block: "memory",
		Title: "Memory",
		Setup: fmt.Sprintf("peak RSS (rusage) at %s against nginx, runs of %v and %v", rateName(memoryRate), b.memoryRun, 10*b.memoryRun),
		Rows: []kit.Row{
			kit.Context("client · vegeta · vegeta -max-workers 50", fmt.Sprintf("%s · %s · %s", kit.MiB(peak["client"]), kit.MiB(peak["vegeta"]), kit.MiB(peak["vegeta -max-workers 50"]))),
			kit.Goal("client ÷ vegeta", kit.Ratio(client, vegeta), "≤ 1×", client > 0 && vegeta > 0 && client <= vegeta),
			kit.Context("client ÷ vegeta -max-workers 50", kit.Ratio(client, capped)),
			kit.Context(fmt.Sprintf("client over %v", 10*b.memoryRun), kit.MiB(long)),
			kit.Goal(fmt.Sprintf("client %v ÷ %v", 10*b.memoryRun, b.memoryRun), kit.Ratio(float64(long), client), "flat (≤ 1.1×)", client > 0 && long > 0 && float64(long) <= 1.1*client),
		},
	}
}

func (b *bench) peakRSS(g generator, d time.Duration) int64 {
	m, err := b.load(g, b.nginxURL, memoryRate, d)
	settle()
	if err != nil {
		log.Printf("memory %s over %v: %v", g.name, d, err)
		return 0
	}
	log.Printf("memory %-22s over %v: %s peak (%d sent, %d ok)", g.name, d, kit.MiB(m.run.MaxRSS), m.sent, m.ok)
	return m.run.MaxRSS
}
