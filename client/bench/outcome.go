package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"time"
)

// outcome is what one open-loop run delivered, read from the tool's own
// output: only requests sent within the run's window count, so a tool that
// falls behind and sends the rest late does not pass for one that kept up.
type outcome struct {
	sent int64         // requests sent within the window
	ok   int64         // of those, answered 2xx
	p50  time.Duration // the tool's own median latency
}

// held reports whether the run achieved its target: at least 99% of the
// requests due in the window answered OK, and every one sent was OK.
func (o outcome) held(rate float64, window time.Duration) bool {
	return o.sent > 0 && o.ok == o.sent && float64(o.ok) >= 0.99*rate*window.Seconds()
}

// parseClient reads the client's --format json summary. The client drops
// what it could not send by the schedule's end, so what it sent is in the
// window by construction.
func parseClient(raw []byte) (outcome, error) {
	var s struct {
		Requests int64 `json:"requests"`
		OK       int64 `json:"ok"`
		Dropped  int64 `json:"dropped"`
		Latency  struct {
			P50 float64 `json:"p50_ms"`
		} `json:"latency"`
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return outcome{}, fmt.Errorf("client summary: %v", err)
	}
	return outcome{sent: s.Requests - s.Dropped, ok: s.OK, p50: time.Duration(s.Latency.P50 * float64(time.Millisecond))}, nil
}

// parseVegetaCSV reads `vegeta encode -to csv`: one row per request, its
// send time (Unix ns), status code and latency (ns) first. The window
// starts at the first send.
func parseVegetaCSV(r io.Reader, window time.Duration) (outcome, error) {
	rd := csv.NewReader(r)
	rd.FieldsPerRecord = -1
	type hit struct {
		sent    int64
		code    string
		latency time.Duration
	}
	var hits []hit
	first := int64(0)
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return outcome{}, fmt.Errorf("vegeta csv: %v", err)
		}
		if len(rec) < 3 {
			return outcome{}, fmt.Errorf("vegeta csv: a row of %d fields, want timestamp,code,latency,…", len(rec))
		}
		sent, err1 := strconv.ParseInt(rec[0], 10, 64)
		latency, err2 := strconv.ParseInt(rec[2], 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			return outcome{}, fmt.Errorf("vegeta csv: %v", err)
		}
		if first == 0 || sent < first {
			first = sent
		}
		hits = append(hits, hit{sent, rec[1], time.Duration(latency)})
	}
	var o outcome
	var latencies []time.Duration
	for _, h := range hits {
		if time.Duration(h.sent-first) >= window {
			continue
		}
		o.sent++
		if len(h.code) == 3 && h.code[0] == '2' {
			o.ok++
		}
		latencies = append(latencies, h.latency)
	}
	o.p50 = medianDuration(latencies)
	return o, nil
}

// parseFortio reads fortio's -json file. fortio stops sending at -t, so
// its count is within the window.
func parseFortio(raw []byte) (outcome, error) {
	var s struct {
		DurationHistogram struct {
			Count       int64
			Percentiles []struct{ Percentile, Value float64 }
		}
		RetCodes map[string]int64
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return outcome{}, fmt.Errorf("fortio json: %v", err)
	}
	o := outcome{sent: s.DurationHistogram.Count}
	for code, n := range s.RetCodes {
		if len(code) == 3 && code[0] == '2' {
			o.ok += n
		}
	}
	for _, p := range s.DurationHistogram.Percentiles {
		if p.Percentile == 50 {
			o.p50 = time.Duration(p.Value * float64(time.Second))
		}
	}
	return o, nil
}

// parseHeyCSV reads hey -o csv: one row per request answered (hey leaves
// errors out of it), its latency first (s), status code and send offset from
// the start (s) last. hey sends past -z, so the offset sets the window.
func parseHeyCSV(r io.Reader, window time.Duration) (outcome, error) {
	rd := csv.NewReader(r)
	header, err := rd.Read()
	if err != nil {
		return outcome{}, fmt.Errorf("hey csv: no header: %v", err)
	}
	if len(header) != 8 || header[0] != "response-time" || header[6] != "status-code" || header[7] != "offset" {
		return outcome{}, fmt.Errorf("hey csv: header %q, want response-time,…,status-code,offset", header)
	}
	var o outcome
	var latencies []time.Duration
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return outcome{}, fmt.Errorf("hey csv: %v", err)
		}
		latency, err1 := strconv.ParseFloat(rec[0], 64)
		offset, err2 := strconv.ParseFloat(rec[7], 64)
		if err := errors.Join(err1, err2); err != nil {
			return outcome{}, fmt.Errorf("hey csv: %v", err)
		}
		if time.Duration(offset*float64(time.Second)) >= window {
			continue
		}
		o.sent++
		if len(rec[6]) == 3 && rec[6][0] == '2' {
			o.ok++
		}
		latencies = append(latencies, time.Duration(latency*float64(time.Second)))
	}
	o.p50 = medianDuration(latencies)
	return o, nil
}

// parseBombardier reads bombardier -p r -o json. bombardier stops sending at
// -d, so its counts are within the window; latencies are in µs.
func parseBombardier(raw []byte) (outcome, error) {
	var s struct {
		Result struct {
			Req1xx, Req2xx, Req3xx, Req4xx, Req5xx, Others int64
			Latency                                        struct {
				Percentiles map[string]float64
			}
		}
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return outcome{}, fmt.Errorf("bombardier json: %v", err)
	}
	r := s.Result
	return outcome{
		sent: r.Req1xx + r.Req2xx + r.Req3xx + r.Req4xx + r.Req5xx + r.Others,
		ok:   r.Req2xx,
		p50:  time.Duration(r.Latency.Percentiles["50"] * float64(time.Microsecond)),
	}, nil
}

func medianDuration(v []time.Duration) time.Duration {
	if len(v) == 0 {
		return 0
	}
	slices.Sort(v)
	return v[len(v)/2]
}
