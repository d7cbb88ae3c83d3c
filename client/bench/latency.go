package main

import (
	"fmt"
	"log"
	"time"

	"github.com/cloudperf/cloudperf/app/bench/kit"
)

const (
	latencyRate  = 200
	serverDelay  = 20 * time.Millisecond
	serverSpin   = 2 * time.Millisecond // the last of the delay spent spinning, for a punctual answer
	latencySlack = time.Millisecond
)

// latency checks the client's clock: against a server that answers every
// request 20 ms after it arrives (to within microseconds: it spins the last
// 2 ms), its median must be 20 ms plus loopback.
func (b *bench) latency() kit.Table {
	url := fmt.Sprintf("%s?delay=%v&spin=%v", b.delayURL, serverDelay, serverSpin)
	p50 := map[string]time.Duration{}
	var names []string
	for _, g := range generators {
		if g.name == "client" || g.name == "vegeta" || g.name == "fortio" {
			names = append(names, g.name)
			var vals []float64
			for i := 0; i < b.reps; i++ {
				m, err := b.load(g, url, latencyRate, b.latencyRun)
				if err != nil {
					log.Printf("latency %s: %v", g.name, err)
					continue
				}
				vals = append(vals, float64(m.p50))
			}
			p50[g.name] = time.Duration(kit.Median(vals))
			log.Printf("latency %-8s p50 %v against a %v server", g.name, p50[g.name], serverDelay)
		}
	}
	ms := func(d time.Duration) string { return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond)) }
	off := (p50["client"] - serverDelay).Abs()
	return kit.Table{
		Block: "latency",
		Title: "Latency agreement",
		Setup: fmt.Sprintf("a server that answers after %v (spinning the last %v), %d/s, medians of %d runs of %v", serverDelay, serverSpin, latencyRate, b.reps, b.latencyRun),
		Rows: []kit.Row{
			kit.Context("p50 · client · vegeta · fortio", fmt.Sprintf("%s · %s · %s ms", ms(p50["client"]), ms(p50["vegeta"]), ms(p50["fortio"]))),
			kit.Goal("client's p50 − 20 ms", ms(off)+" ms", "≤ 1 ms", p50["client"] > 0 && off <= latencySlack),
		},
	}
}
