package main

import (
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/cloudperf/cloudperf/app/bench/kit"
	"github.com/cloudperf/cloudperf/app/hello"
)

type service struct {
	dir, app string
	reps     int
	run      time.Duration
}

type server struct {
	name  string
	start func(addr string) (stop func(), err error)
	url   string
	rates []float64
}

// measure serves the four side by side and interleaves their wrk runs, so a
// drift in the machine hits each alike.
func (s service) measure() (kit.Table, error) {
	servers := []*server{
		{name: "app", start: s.serveApp},
		{name: "net/http", start: s.serveNetHTTP},
		{name: "nginx", start: func(addr string) (func(), error) { return kit.Nginx(filepath.Join(s.dir, "nginx"), addr) }},
		{name: "flask", start: s.serveFlask},
	}
	for _, srv := range servers {
		addr := kit.FreeAddr()
		stop, err := srv.start(addr)
		if err != nil {
			return kit.Table{}, fmt.Errorf("%s: %v", srv.name, err)
		}
		defer stop()
		srv.url = "http://" + addr + "/"
		if _, err := wrk(srv.url, time.Second); err != nil { // warm up
			return kit.Table{}, err
		}
	}
	for i := 0; i < s.reps; i++ {
		for _, srv := range servers {
			rate, err := wrk(srv.url, s.run)
			if err != nil {
				log.Printf("%s: %v", srv.name, err)
				continue
			}
			log.Printf("%-8s %6.0f req/s", srv.name, rate)
			srv.rates = append(srv.rates, rate)
		}
	}
	rps := map[string]float64{}
	for _, srv := range servers {
		rps[srv.name] = kit.Median(srv.rates)
	}
	app, bare, nginx, flask := rps["app"], rps["net/http"], rps["nginx"], rps["flask"]
	return kit.Table{
		Block: "service",
		Title: "The service, closed loop",
		Setup: fmt.Sprintf("server on CPU %s, wrk -t1 -c50 on CPU %s; medians of %d runs of %v", kit.ServerCPU, kit.GeneratorCPU, s.reps, s.run),
		Rows: []kit.Row{
			kit.Context("app · bare net/http handler · nginx · Flask (req/s)", fmt.Sprintf("%.0f · %.0f · %.0f · %.0f", app, bare, nginx, flask)),
			kit.Goal("app ÷ bare net/http handler (the app's timeouts)", kit.Ratio(app, bare), "≥ 0.9×", bare > 0 && app >= 0.9*bare),
			kit.Goal("app ÷ the seed's Flask app", kit.Ratio(app, flask), "≥ 30×", flask > 0 && app >= 30*flask),
			kit.Context("app ÷ nginx (one worker, fixed JSON)", kit.Ratio(app, nginx)),
			kit.Context("bare net/http handler ÷ nginx", kit.Ratio(bare, nginx)),
		},
	}, nil
}

var wrkRate = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)

// wrk is one closed-loop run pinned to the generator CPU: requests a second.
func wrk(url string, d time.Duration) (float64, error) {
	r, err := kit.Generate(d+time.Minute, "wrk", "-t1", "-c50", "-d"+strconv.Itoa(int(d.Seconds()))+"s", url)
	if err != nil {
		return 0, err
	}
	m := wrkRate.FindSubmatch(r.Stdout)
	if m == nil {
		return 0, fmt.Errorf("wrk printed no Requests/sec: %.200q", r.Stdout)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

func (s service) serveApp(addr string) (func(), error) {
	return kit.Serve(addr, s.app, "-addr", addr, "-log-format", "text")
}

// serveNetHTTP runs this binary as a bare net/http handler, pinned like
// every server: the fixed answer with the app's timeouts, no routing,
// metrics or timestamp — what no net/http service can beat.
func (s service) serveNetHTTP(addr string) (func(), error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return kit.Serve(addr, self, "-serve-net-http", addr)
}

func serveNetHTTP(addr string) error {
	body := []byte(kit.FixedAnswer("net/http") + "\n")
	contentType := []string{"application/json"}
	app := hello.DefaultConfig()
	srv := &http.Server{
		Addr: addr, ReadHeaderTimeout: app.ReadHeaderTimeout, ReadTimeout: app.ReadTimeout,
		WriteTimeout: app.WriteTimeout, IdleTimeout: app.IdleTimeout, MaxHeaderBytes: app.MaxHeaderBytes,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header()["Content-Type"] = contentType
			_, _ = w.Write(body)
		}),
	}
	return srv.ListenAndServe()
}

// seedFlaskApp is the Python service cloudperf grew from (../shared/seed).
const seedFlaskApp = `import os
from datetime import datetime, timezone
from flask import Flask, jsonify
app = Flask(__name__)

@app.route("/")
def hello():
    return jsonify(message="Hello", timestamp=datetime.now(timezone.utc).isoformat())

if __name__ == "__main__":
    app.run(host="127.0.0.1", port=int(os.environ["PORT"]))
`

func (s service) serveFlask(addr string) (func(), error) {
	path := filepath.Join(s.dir, "flask_app.py")
	if err := os.WriteFile(path, []byte(seedFlaskApp), 0o644); err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(addr)
	os.Setenv("PORT", port)
	defer os.Unsetenv("PORT")
	return kit.Serve(addr, "python3", path)
}
