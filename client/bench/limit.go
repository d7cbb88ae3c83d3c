package main

import (
	"fmt"
	"log"
	"slices"
	"strings"

	"github.com/cloudperf/cloudperf/app/bench/kit"
)

// The rates each generator climbs; the client's goal is the 60k/s rung.
var ladder = []float64{5000, 10000, 20000, 40000, 50000, 60000, 70000, 80000}

const clientGoalRate = 60000

var cpuRates = []float64{10000, 20000, 40000}

// limit loads nginx (one worker on the server CPU, a fixed JSON answer) so
// that the generator, alone on its CPU, is what runs out.
func (b *bench) limit() kit.Table {
	var rows []kit.Row
	best := map[string]float64{}
	for _, g := range generators {
		best[g.name] = b.highestHeld(g)
		rows = append(rows, kit.Context("highest rate held · "+g.name, fmt.Sprintf("%.0f/s", best[g.name])))
	}
	client := best["client"]
	rows = append(rows, kit.Goal("client's highest rate held ÷ 60k/s", kit.Ratio(client, clientGoalRate), "≥ 1×", client >= clientGoalRate))
	rows = append(rows, b.cpuPer1k()...)
	return kit.Table{
		Block: "limit",
		Title: "The generator's own limit, against nginx",
		Setup: fmt.Sprintf("nginx (one worker, fixed JSON) on CPU %s, each generator on CPU %s (%s; fixed pools of %d connections); "+
			"held: ≥ 99%% of the requests due sent within the run and answered, all OK (runs of %v); CPU: user + system per 1,000 requests sent "+
			"within the run, medians of %d runs of %v (* not held)",
			kit.ServerCPU, kit.GeneratorCPU, toolVersions, connections, b.limitRun, b.reps, b.cpuRun),
		Rows: rows,
	}
}

// highestHeld climbs the ladder until a rate is not held and returns the
// last rate held. A near miss (≥ 95% OK) is run once more: the machine is shared.
func (b *bench) highestHeld(g generator) float64 {
	held := 0.0
	for _, rate := range ladder {
		ok, near := false, true
		for attempt := 0; attempt < 2 && !ok && near; attempt++ {
			m, err := b.load(g, b.nginxURL, rate, b.limitRun)
			settle()
			if err != nil {
				log.Printf("limit %s at %s: %v", g.name, rateName(rate), err)
				return held
			}
			ok, near = m.held(rate, b.limitRun), float64(m.ok) >= 0.95*rate*b.limitRun.Seconds()
			log.Printf("limit %-22s %6s: %d sent within %v, %d ok → held %v", g.name, rateName(rate), m.sent, b.limitRun, m.ok, ok)
		}
		if !ok {
			return held
		}
		held = rate
	}
	return held
}

// cpuPer1k is each generator's CPU per 1,000 requests at cpuRates, runs
// interleaved so a drift in the machine hits every tool alike, and the goal
// against fortio at 20k/s.
func (b *bench) cpuPer1k() []kit.Row {
	perRate := map[float64]map[string]float64{}
	notHeld := map[float64]map[string]bool{}
	for _, rate := range cpuRates {
		vals := map[string][]float64{}
		notHeld[rate] = map[string]bool{}
		for i := 0; i < b.reps; i++ {
			for _, g := range b.cpuGenerators(rate) {
				m, err := b.load(g, b.nginxURL, rate, b.cpuRun)
				settle()
				if err != nil || m.sent == 0 {
					log.Printf("cpu %s at %s: %v (%d sent)", g.name, rateName(rate), err, m.sent)
					continue
				}
				v := m.run.CPUPer1k(m.sent)
				log.Printf("cpu %-22s %6s: %6.1f ms per 1k (%d sent, %d ok, held %v)", g.name, rateName(rate), v, m.sent, m.ok, m.held(rate, b.cpuRun))
				vals[g.name] = append(vals[g.name], v)
				if !m.held(rate, b.cpuRun) {
					notHeld[rate][g.name] = true
				}
			}
		}
		perRate[rate] = map[string]float64{}
		for name, v := range vals {
			perRate[rate][name] = kit.Median(v)
		}
	}
	rowsOf := generators
	if b.floor != "" {
		rowsOf = append(slices.Clone(generators), floorGenerator)
	}
	var rows []kit.Row
	for _, g := range rowsOf {
		var cells []string
		for _, rate := range cpuRates {
			cell := fmt.Sprintf("%.1f", perRate[rate][g.name])
			if notHeld[rate][g.name] {
				cell += "*"
			}
			cells = append(cells, cell)
		}
		rows = append(rows, kit.Context("CPU per 1k requests at 10k · 20k · 40k/s · "+g.name, strings.Join(cells, " · ")+" ms"))
	}
	c20, f20, floor20 := perRate[20000]["client"], perRate[20000]["fortio"], perRate[20000][floorGenerator.name]
	rows = append(rows, kit.Goal("client's CPU per 1k at 20k/s ÷ fortio's", kit.Ratio(c20, f20), "≤ 0.5×", c20 > 0 && f20 > 0 && c20 <= 0.5*f20))
	if b.floor != "" {
		rows = append(rows, kit.Context("client's CPU per 1k at 20k/s ÷ the floor's", kit.Ratio(c20, floor20)))
	}
	return rows
}

// cpuGenerators are the generators measured at rate: every peer, and the
// floor when gcc built it.
func (b *bench) cpuGenerators(rate float64) []generator {
	gs := slices.Clone(generators)
	if b.floor != "" {
		gs = append(gs, floorGenerator)
	}
	return gs
}
