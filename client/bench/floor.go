package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// floorSource is floor/floor.c: the least CPU an HTTP/1.1 client can spend
// per request (one write and one read per request, 50 connections in one
// epoll, a 1 ms tick), the row the client is read against.
//
//go:embed floor/floor.c
var floorSource []byte

// floorGenerator loads a URL as the other generators do, with the pool the
// peers get.
var floorGenerator = generator{
	name:    "floor (C: one write + one read per request, epoll)",
	command: floorCommand,
	outcome: func(_ *bench, out []byte, _ time.Duration) (outcome, error) { return parseFloor(out) },
}

// buildFloor compiles floorSource into dir with gcc.
func buildFloor(dir string) (string, error) {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		return "", errors.New("gcc not found")
	}
	src, bin := filepath.Join(dir, "floor.c"), filepath.Join(dir, "floor")
	if err := os.WriteFile(src, floorSource, 0o644); err != nil {
		return "", err
	}
	if out, err := exec.Command(gcc, "-O2", "-Wall", "-Wextra", "-o", bin, src).CombinedOutput(); err != nil {
		return "", fmt.Errorf("gcc floor.c: %v: %s", err, firstLine(out))
	}
	return bin, nil
}

func floorCommand(b *bench, target string, rate float64, d time.Duration) (string, []string) {
	host, port := "", ""
	if u, err := url.Parse(target); err == nil {
		host, port, _ = net.SplitHostPort(u.Host)
	}
	return b.floor, []string{host, port, fmt.Sprint(connections), ftoa(d.Seconds()), ftoa(rate)}
}

// parseFloor reads the floor's JSON line. It stops sending at its duration,
// so its count is within the window; it keeps no latencies.
func parseFloor(raw []byte) (outcome, error) {
	var s struct {
		Sent *int64 `json:"sent"`
		OK   *int64 `json:"ok"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return outcome{}, fmt.Errorf("floor json: %v", err)
	}
	if s.Sent == nil || s.OK == nil {
		return outcome{}, fmt.Errorf("floor json: %q has no sent or ok", raw)
	}
	return outcome{sent: *s.Sent, ok: *s.OK}, nil
}

func firstLine(b []byte) string {
	line, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return line
}
