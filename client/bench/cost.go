package main

import (
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/cloudperf/cloudperf/app/bench/kit"
)

var (
	costRates       = []float64{1000, 5000, 10000, 20000, 40000}
	costConnections = []int{1, 10, 100, 1000}
	mergeCounts     = []int{1, 10, 100}
)

// connectionsRate is the rate of the connections rows; each request waits
// at the server long enough that about the cap is in flight.
const connectionsRate = 2000

// cost shows how the client's CPU per request and peak memory change with
// the rate and with the requests in flight (each on its own connection), and
// how long `client merge` takes as summaries add up.
func (b *bench) cost() kit.Table {
	client := generators[0]
	var rows []kit.Row
	var summary []byte
	for _, rate := range costRates {
		m, err := b.load(client, b.nginxURL, rate, b.costRun)
		settle()
		if err != nil || m.sent == 0 {
			log.Printf("cost at %s: %v", rateName(rate), err)
			continue
		}
		if rate == 10000 {
			summary = m.run.Stdout
		}
		rows = append(rows, kit.Context(fmt.Sprintf("at %s (nginx): CPU per request · peak RSS", rateName(rate)),
			fmt.Sprintf("%.1f µs · %s%s", m.run.CPUPer1k(m.sent), kit.MiB(m.run.MaxRSS), heldMark(m, rate, b.costRun))))
	}
	for _, n := range costConnections {
		delay := time.Duration(0.9 * float64(n) / connectionsRate * float64(time.Second))
		url := fmt.Sprintf("%s?delay=%v", b.delayURL, delay)
		bin, args := client.command(b, url, connectionsRate, b.costRun)
		run, err := kit.Generate(b.costRun+2*time.Minute, bin, append(args, "--max-in-flight", fmt.Sprint(n))...)
		settle()
		var s struct {
			Requests     int64 `json:"requests"`
			PeakInFlight int   `json:"peak_in_flight"`
		}
		if err == nil {
			err = json.Unmarshal(run.Stdout, &s)
		}
		if err != nil || s.Requests == 0 {
			log.Printf("cost at %d in flight: %v", n, err)
			continue
		}
		rows = append(rows, kit.Context(fmt.Sprintf("--max-in-flight %d (%s, server delay %v): CPU per request · peak RSS · peak in flight", n, rateName(connectionsRate), delay),
			fmt.Sprintf("%.1f µs · %s · %d", run.CPUPer1k(s.Requests), kit.MiB(run.MaxRSS), s.PeakInFlight)))
	}
	if summary != nil {
		for _, n := range mergeCounts {
			if d, err := b.mergeTime(summary, n); err != nil {
				log.Printf("merge of %d: %v", n, err)
			} else {
				rows = append(rows, kit.Context(fmt.Sprintf("client merge, %d summaries (%v at 10k/s each)", n, b.costRun),
					fmt.Sprintf("%.0f ms", float64(d)/float64(time.Millisecond))))
			}
		}
	}
	return kit.Table{
		Block: "cost",
		Title: "The client's cost as it grows",
		Setup: fmt.Sprintf("client on CPU %s, server on CPU %s; runs of %v; CPU: user + system per request sent; merge: wall time, median of 3", kit.GeneratorCPU, kit.ServerCPU, b.costRun),
		Rows:  rows,
	}
}

func heldMark(m measured, rate float64, d time.Duration) string {
	if m.held(rate, d) {
		return ""
	}
	return " (not held)"
}

// mergeTime is the median wall time of `client merge` over n copies of one
// summary, pinned like a generator. Each copy names another generator (as
// the pods of a load Job would), since merge refuses a run given twice.
func (b *bench) mergeTime(summary []byte, n int) (time.Duration, error) {
	dir := filepath.Join(b.dir, fmt.Sprintf("merge-%d", n))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(summary, &fields); err != nil {
		return 0, fmt.Errorf("client summary: %v", err)
	}
	for i := 0; i < n; i++ {
		fields["generator"] = json.RawMessage(fmt.Sprintf("%q", fmt.Sprintf("bench-%03d", i)))
		raw, err := json.Marshal(fields)
		if err != nil {
			return 0, err
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%03d.json", i)), raw, 0o644); err != nil {
			return 0, err
		}
	}
	var times []float64
	for i := 0; i < 3; i++ {
		run, err := kit.Generate(2*time.Minute, b.client, "merge", "--format", "json", dir)
		if err != nil {
			return 0, err
		}
		times = append(times, float64(run.Elapsed))
	}
	return time.Duration(kit.Median(times)), nil
}
