package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// A generator is one open-loop load generator as the tables name it: the
// command line that asks it for a rate over a duration, and how to read
// what it delivered. Peers keep their defaults except where a row says.
type generator struct {
	name    string
	command func(b *bench, url string, rate float64, d time.Duration) (bin string, args []string)
	outcome func(b *bench, stdout []byte, window time.Duration) (outcome, error)
}

// Every peer that sends at a set rate (open loop). k6 is left out: it is
// AGPL-licensed, which this project does not take in, even as a tool.
var generators = []generator{
	{name: "client", command: clientCommand, outcome: func(_ *bench, out []byte, _ time.Duration) (outcome, error) { return parseClient(out) }},
	{name: "fortio", command: fortioCommand(false), outcome: fortioOutcome},
	{name: "fortio -uniform", command: fortioCommand(true), outcome: fortioOutcome},
	{name: "vegeta", command: vegetaCommand(0), outcome: vegetaOutcome},
	{name: "vegeta -max-workers 50", command: vegetaCommand(50), outcome: vegetaOutcome},
	{name: "hey", command: heyCommand, outcome: func(_ *bench, out []byte, w time.Duration) (outcome, error) {
		return parseHeyCSV(bytes.NewReader(out), w)
	}},
	{name: "bombardier", command: bombardierCommand, outcome: func(_ *bench, out []byte, _ time.Duration) (outcome, error) {
		return parseBombardier(out)
	}},
}

// Versions make bench-tools installs, for the tables.
const toolVersions = "fortio v1.68.2, vegeta v12.13.0, hey v0.1.5, bombardier v1.2.6"

// connections is what the peers with a fixed pool (fortio, hey, bombardier) get.
const connections = 50

// requestTimeout is every tool's per-request timeout (bombardier's default),
// so a tool that falls over ends soon after its duration instead of waiting
// out vegeta's 30 s or hey's 20 s; on loopback an answer never takes that long.
const requestTimeout = 2 * time.Second

func clientCommand(b *bench, url string, rate float64, d time.Duration) (string, []string) {
	args := []string{"--url", url, "--rate", ftoa(rate), "--duration", d.String(), "--timeout", requestTimeout.String(),
		"--out", "", "--quiet", "--format", "json"}
	return b.client, append(args, b.clientArgs...)
}

func fortioCommand(uniform bool) func(*bench, string, float64, time.Duration) (string, []string) {
	return func(b *bench, url string, rate float64, d time.Duration) (string, []string) {
		args := []string{"load", "-quiet", "-qps", ftoa(rate), "-c", fmt.Sprint(connections), "-t", d.String(), "-r", "0.00001",
			"-timeout", requestTimeout.String(),
			"-json", filepath.Join(b.dir, "fortio.json")}
		if uniform {
			// By default fortio's connections send at the same instants
			// (50 requests at once every 10 ms at 5k/s); -uniform staggers them.
			args = append(args, "-uniform")
		}
		return b.tool("fortio"), append(args, url)
	}
}

func fortioOutcome(b *bench, _ []byte, _ time.Duration) (outcome, error) {
	raw, err := os.ReadFile(filepath.Join(b.dir, "fortio.json"))
	if err != nil {
		return outcome{}, fmt.Errorf("fortio wrote no -json file: %v", err)
	}
	return parseFortio(raw)
}

// vegetaCommand: vegeta's default pool grows without bound; maxWorkers > 0
// caps it, as a user trying to keep vegeta's CPU down would.
func vegetaCommand(maxWorkers int) func(*bench, string, float64, time.Duration) (string, []string) {
	return func(b *bench, url string, rate float64, d time.Duration) (string, []string) {
		targets := filepath.Join(b.dir, "vegeta-targets.txt")
		_ = os.WriteFile(targets, []byte("GET "+url+"\n"), 0o644)
		args := []string{"attack", "-targets", targets, "-rate", ftoa(rate) + "/1s", "-duration", d.String(), "-timeout", requestTimeout.String(),
			"-output", filepath.Join(b.dir, "vegeta.bin")}
		if maxWorkers > 0 {
			args = append(args, "-max-workers", fmt.Sprint(maxWorkers))
		}
		return b.tool("vegeta"), args
	}
}

// vegetaOutcome decodes the results file (unpinned, after the run: not
// counted in vegeta's CPU) and streams it to the parser.
func vegetaOutcome(b *bench, _ []byte, window time.Duration) (outcome, error) {
	cmd := exec.Command(b.tool("vegeta"), "encode", "-to", "csv", filepath.Join(b.dir, "vegeta.bin"))
	out, err := cmd.StdoutPipe()
	if err != nil {
		return outcome{}, err
	}
	if err := cmd.Start(); err != nil {
		return outcome{}, err
	}
	o, parseErr := parseVegetaCSV(out, window)
	if err := cmd.Wait(); err != nil {
		return outcome{}, fmt.Errorf("vegeta encode: %v", err)
	}
	return o, parseErr
}

// heyCommand: hey's -q is per worker, so the rate is split over its pool.
func heyCommand(b *bench, url string, rate float64, d time.Duration) (string, []string) {
	return b.tool("hey"), []string{"-z", d.String(), "-c", fmt.Sprint(connections), "-q", ftoa(rate / connections),
		"-t", ftoa(requestTimeout.Seconds()), "-o", "csv", url}
}

func bombardierCommand(b *bench, url string, rate float64, d time.Duration) (string, []string) {
	return b.tool("bombardier"), []string{"-c", fmt.Sprint(connections), "-d", d.String(), "-r", ftoa(rate),
		"-t", requestTimeout.String(), "-l", "-p", "r", "-o", "json", url}
}
