package results

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Record is one line of a per-request log, read back.
type Record struct {
	Seq       int64  `json:"seq"`
	Stage     int    `json:"stage"`
	Warmup    bool   `json:"warmup"`
	Intended  int64  `json:"intended_us"` // Unix µs
	Sent      int64  `json:"sent_us"`     // Unix µs
	LatencyUS int64  `json:"latency_us"`
	ServiceUS int64  `json:"service_us"`
	Status    int    `json:"status"`
	Bytes     int64  `json:"bytes"`
	Class     string `json:"class"` // "ok", "http_503", "timeout", ...
	Host      string `json:"host"`
}

// Latency is the record's corrected latency.
func (r Record) Latency() time.Duration { return time.Duration(r.LatencyUS) * time.Microsecond }

// ReadLog calls fn for every record of a CSV or JSON-lines log, telling the
// two apart by the first byte. An error names the line it was found on.
func ReadLog(r io.Reader, fn func(Record) error) error {
	br := bufio.NewReaderSize(r, 64<<10)
	first, err := br.Peek(1)
	if errors.Is(err, io.EOF) {
		return nil // empty log
	}
	if err != nil {
		return err
	}
	if first[0] == '{' {
		return readJSONL(br, fn)
	}
	return readCSV(br, fn)
}

func readJSONL(r *bufio.Reader, fn func(Record) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for line := 1; sc.Scan(); line++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		var rec Record
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return fmt.Errorf("log line %d: %v", line, err)
		}
		if err := rec.validate(); err != nil {
			return fmt.Errorf("log line %d: %v", line, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
	return sc.Err()
}

func readCSV(r io.Reader, fn func(Record) error) error {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = len(LogColumns)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return fmt.Errorf("log header: %v", err)
	}
	if strings.Join(header, ",") != strings.Join(LogColumns, ",") {
		return fmt.Errorf("log header %q: want %q", strings.Join(header, ","), strings.Join(LogColumns, ","))
	}
	for {
		f, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return fmt.Errorf("log line %d: %v", line, err)
		}
		rec, err := parseCSVRecord(f)
		if err == nil {
			err = rec.validate()
		}
		if err != nil {
			return fmt.Errorf("log line %d: %v", line, err)
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

func parseCSVRecord(f []string) (Record, error) {
	var rec Record
	var err error
	ints := []*int64{&rec.Seq, nil, nil, &rec.Intended, &rec.Sent, &rec.LatencyUS, &rec.ServiceUS, nil, &rec.Bytes}
	for i, dst := range ints {
		if dst == nil {
			continue
		}
		if *dst, err = strconv.ParseInt(f[i], 10, 64); err != nil {
			return rec, fmt.Errorf("%s: %v", LogColumns[i], err)
		}
	}
	if rec.Stage, err = strconv.Atoi(f[1]); err != nil {
		return rec, fmt.Errorf("stage: %v", err)
	}
	if rec.Warmup, err = strconv.ParseBool(f[2]); err != nil {
		return rec, fmt.Errorf("warmup: %v", err)
	}
	if rec.Status, err = strconv.Atoi(f[7]); err != nil {
		return rec, fmt.Errorf("status: %v", err)
	}
	rec.Class, rec.Host = f[9], f[10]
	return rec, nil
}

func (r Record) validate() error {
	switch {
	case r.Seq < 0 || r.Stage < 0:
		return fmt.Errorf("negative seq or stage")
	case r.LatencyUS < 0 || r.ServiceUS < 0 || r.Bytes < 0:
		return fmt.Errorf("negative duration or size")
	case r.Status < 0 || r.Status > 999:
		return fmt.Errorf("status %d out of range", r.Status)
	}
	if _, ok := ParseClass(r.Class); !ok && !strings.HasPrefix(r.Class, "http_") {
		return fmt.Errorf("unknown class %q", r.Class)
	}
	return nil
}
