package results

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func sampleResults() []Result {
	return []Result{
		{Seq: 0, Intended: 0, Sent: 30 * time.Microsecond, Done: 1500 * time.Microsecond, Status: 200, Bytes: 77, Class: ClassOK, Host: "app-1"},
		{Seq: 1, Stage: 1, Intended: 10 * time.Millisecond, Sent: 12 * time.Millisecond, Done: 40 * time.Millisecond, Status: 503, Bytes: 20, Class: ClassHTTP, Host: `we,ird"host`},
		{Seq: 2, Stage: 1, Warmup: true, Intended: 20 * time.Millisecond, Sent: 20 * time.Millisecond, Done: 5 * time.Second, Class: ClassTimeout, Host: "ünï\x01"},
	}
}

func TestLogRoundTrip(t *testing.T) {
	start := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for _, format := range []LogFormat{LogCSV, LogJSONL} {
		var buf bytes.Buffer
		lw := NewLogWriter(&buf, format, start)
		for _, r := range sampleResults() {
			if err := lw.Write(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := lw.Flush(); err != nil {
			t.Fatal(err)
		}
		if lw.Lines() != 3 {
			t.Errorf("Lines() = %d", lw.Lines())
		}
		var got []Record
		if err := ReadLog(&buf, func(r Record) error { got = append(got, r); return nil }); err != nil {
			t.Fatalf("format %d: %v\n%s", format, err, buf.String())
		}
		if len(got) != 3 {
			t.Fatalf("format %d: read %d records", format, len(got))
		}
		for i, want := range sampleResults() {
			r := got[i]
			wantHost := want.Host
			if format == LogJSONL && i == 2 {
				wantHost = "ünï\x01" // control characters survive JSON escaping
			}
			if r.Seq != want.Seq || r.Stage != want.Stage || r.Warmup != want.Warmup || r.Status != want.Status ||
				r.Bytes != want.Bytes || r.Class != want.ErrorKey() || r.Host != wantHost ||
				r.Latency() != want.Latency() || r.ServiceUS != int64(want.ServiceTime()/time.Microsecond) ||
				r.Intended != start.UnixMicro()+int64(want.Intended/time.Microsecond) ||
				r.Sent != start.UnixMicro()+int64(want.Sent/time.Microsecond) {
				t.Errorf("format %d record %d = %+v, from %+v", format, i, r, want)
			}
		}
	}
}

func TestLogFormatFor(t *testing.T) {
	for name, want := range map[string]LogFormat{"a.csv": LogCSV, "a.jsonl": LogJSONL, "a.ndjson": LogJSONL, "a": LogCSV} {
		if got := LogFormatFor(name); got != want {
			t.Errorf("LogFormatFor(%q) = %d", name, got)
		}
	}
}

type failingWriter struct{ after int }

func (w *failingWriter) Write(p []byte) (int, error) {
	if w.after < len(p) {
		n := w.after
		w.after = 0
		return n, errors.New("no space left on device")
	}
	w.after -= len(p)
	return len(p), nil
}

func TestLogWriteErrorSticks(t *testing.T) {
	lw := NewLogWriter(&failingWriter{after: 100}, LogCSV, time.Now())
	var err error
	for i := 0; i < 10000 && err == nil; i++ {
		err = lw.Write(Result{Seq: int64(i), Status: 200})
	}
	if err == nil || !strings.Contains(err.Error(), "no space") {
		t.Fatalf("write error not reported: %v", err)
	}
	if lw.Write(Result{}) == nil || lw.Flush() == nil {
		t.Error("the first error must stick")
	}
}

// fullFile is a file on a disk that fills up after room bytes: a write
// across that point is short, as on a real disk.
type fullFile struct {
	data []byte
	room int
}

func (f *fullFile) Write(p []byte) (int, error) {
	n := min(len(p), f.room-len(f.data))
	f.data = append(f.data, p[:n]...)
	if n < len(p) {
		return n, errors.New("write run.csv: no space left on device")
	}
	return n, nil
}

func (f *fullFile) Seek(offset int64, whence int) (int64, error) {
	if offset != 0 || whence != io.SeekCurrent {
		return 0, errors.New("unsupported seek")
	}
	return int64(len(f.data)), nil
}

func (f *fullFile) Truncate(size int64) error {
	f.data = f.data[:size]
	return nil
}

// A log cut short by a full disk keeps whole lines only, and says how many:
// it reads back, one record per line kept.
func TestLogWriteErrorKeepsWholeLines(t *testing.T) {
	for _, format := range []LogFormat{LogCSV, LogJSONL} {
		for _, room := range []int{0, 10, 1000, 100_000, 200_003} {
			f := &fullFile{room: room}
			lw := NewLogWriter(f, format, time.Now())
			var err error
			for i := 0; i < 10000 && err == nil; i++ {
				err = lw.Write(Result{Seq: int64(i), Status: 200, Host: "pod-a"})
			}
			if err == nil {
				err = lw.Flush()
			}
			if err == nil || !strings.Contains(err.Error(), "no space") {
				t.Fatalf("format %d, room %d: write error not reported: %v", format, room, err)
			}
			if len(f.data) > 0 && f.data[len(f.data)-1] != '\n' {
				t.Errorf("format %d, room %d: the log ends in a cut line: %q", format, room, f.data[max(0, len(f.data)-40):])
			}
			var n int64
			if err := ReadLog(bytes.NewReader(f.data), func(Record) error { n++; return nil }); err != nil {
				t.Errorf("format %d, room %d: the log kept does not read back: %v", format, room, err)
			}
			if n != lw.Kept() || len(f.data) > room {
				t.Errorf("format %d, room %d: %d records read back, Kept() %d, %d bytes", format, room, n, lw.Kept(), len(f.data))
			}
		}
	}
}

func TestReadLogRejects(t *testing.T) {
	header := strings.Join(LogColumns, ",") + "\n"
	for name, in := range map[string]string{
		"wrong header":   "a,b,c\n",
		"short row":      header + "1,2,3\n",
		"bad number":     header + "x,0,false,1,1,1,1,200,0,ok,h\n",
		"negative":       header + "1,0,false,1,1,-5,1,200,0,ok,h\n",
		"unknown class":  header + "1,0,false,1,1,1,1,200,0,nope,h\n",
		"json garbage":   "{\"seq\":\n",
		"json unknown":   `{"seq":1,"extra":2}` + "\n",
		"status too big": header + "1,0,false,1,1,1,1,5000,0,ok,h\n",
	} {
		if err := ReadLog(strings.NewReader(in), func(Record) error { return nil }); err == nil {
			t.Errorf("%s: accepted %q", name, in)
		}
	}
}

// FuzzReadLog: no input panics; what reads back writes and reads the same.
func FuzzReadLog(f *testing.F) {
	var csv, jsonl bytes.Buffer
	for _, pair := range []struct {
		b *bytes.Buffer
		f LogFormat
	}{{&csv, LogCSV}, {&jsonl, LogJSONL}} {
		lw := NewLogWriter(pair.b, pair.f, time.Unix(1700000000, 0))
		for _, r := range sampleResults() {
			_ = lw.Write(r)
		}
		_ = lw.Flush()
	}
	f.Add(csv.String())
	f.Add(jsonl.String())
	f.Add("")
	f.Fuzz(func(t *testing.T, in string) {
		var recs []Record
		if err := ReadLog(strings.NewReader(in), func(r Record) error { recs = append(recs, r); return nil }); err != nil {
			return
		}
		for _, r := range recs {
			if r.Seq < 0 || r.LatencyUS < 0 || r.Status < 0 {
				t.Fatalf("invalid record accepted: %+v", r)
			}
		}
	})
}
