package results

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// LogFormat is the per-request log's encoding.
type LogFormat uint8

// The log formats: CSV with a header, or one JSON object per line.
const (
	LogCSV LogFormat = iota
	LogJSONL
)

// LogFormatFor picks the format from a file name: .jsonl or .ndjson → JSON lines, else CSV.
func LogFormatFor(name string) LogFormat {
	if strings.HasSuffix(name, ".jsonl") || strings.HasSuffix(name, ".ndjson") {
		return LogJSONL
	}
	return LogCSV
}

// LogColumns are the CSV header and the JSON keys, in order. Times are Unix
// microseconds; durations are microseconds.
var LogColumns = []string{"seq", "stage", "warmup", "intended_us", "sent_us", "latency_us", "service_us", "status", "bytes", "class", "host"}

// LogWriter streams one line per result through a buffer, so memory stays
// flat however long the run. It writes whole lines only, so a log cut short
// by a write error still reads back: the first error sticks (every later call
// returns it), what was written before stays intact, and a line a short write
// cut in two is cut off again when the writer can (a file: Seek and Truncate).
type LogWriter struct {
	w        io.Writer
	buf      []byte // whole lines not yet written
	format   LogFormat
	base     int64 // run start, Unix µs
	lines    int64 // results accepted
	buffered int64 // of which still in buf
	header   bool  // the CSV header is still in buf
	err      error
}

const logBufferSize = 64 << 10

// NewLogWriter buffers the header (CSV) and returns the writer. start is the
// run's start: results carry offsets from it.
func NewLogWriter(w io.Writer, format LogFormat, start time.Time) *LogWriter {
	lw := &LogWriter{w: w, buf: make([]byte, 0, logBufferSize+512), format: format, base: start.UnixMicro()}
	if format == LogCSV {
		lw.buf = append(lw.buf, strings.Join(LogColumns, ",")+"\n"...)
		lw.header = true
	}
	return lw
}

// Write appends one result's line.
func (lw *LogWriter) Write(r Result) error {
	if lw.err != nil {
		return lw.err
	}
	b := lw.buf
	intended := lw.base + int64(r.Intended/time.Microsecond)
	sent := lw.base + int64(r.Sent/time.Microsecond)
	latency := int64(r.Latency() / time.Microsecond)
	service := int64(r.ServiceTime() / time.Microsecond)
	if lw.format == LogCSV {
		b = strconv.AppendInt(b, r.Seq, 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(r.Stage), 10)
		b = append(b, ',')
		b = strconv.AppendBool(b, r.Warmup)
		for _, v := range [...]int64{intended, sent, latency, service, int64(r.Status), r.Bytes} {
			b = append(b, ',')
			b = strconv.AppendInt(b, v, 10)
		}
		b = append(b, ',')
		b = append(b, r.ErrorKey()...)
		b = append(b, ',')
		b = appendCSVField(b, r.Host)
	} else {
		b = append(b, `{"seq":`...)
		b = strconv.AppendInt(b, r.Seq, 10)
		b = append(b, `,"stage":`...)
		b = strconv.AppendInt(b, int64(r.Stage), 10)
		b = append(b, `,"warmup":`...)
		b = strconv.AppendBool(b, r.Warmup)
		for i, v := range [...]int64{intended, sent, latency, service, int64(r.Status), r.Bytes} {
			b = append(b, `,"`...)
			b = append(b, LogColumns[3+i]...)
			b = append(b, `":`...)
			b = strconv.AppendInt(b, v, 10)
		}
		b = append(b, `,"class":"`...)
		b = append(b, r.ErrorKey()...)
		b = append(b, `","host":`...)
		b = appendJSONString(b, r.Host)
		b = append(b, '}')
	}
	b = append(b, '\n')
	lw.buf = b
	lw.lines++
	lw.buffered++
	if len(lw.buf) >= logBufferSize {
		return lw.Flush()
	}
	return nil
}

// Lines is how many results were written (buffered or out).
func (lw *LogWriter) Lines() int64 { return lw.lines }

// Kept is how many results' lines are out whole; after an error, the lines
// the log keeps.
func (lw *LogWriter) Kept() int64 { return lw.lines - lw.buffered }

// Flush writes out the buffer.
func (lw *LogWriter) Flush() error {
	if lw.err != nil || len(lw.buf) == 0 {
		return lw.err
	}
	n, err := lw.w.Write(lw.buf)
	if err == nil && n < len(lw.buf) {
		err = io.ErrShortWrite
	}
	if err != nil {
		lw.err = err
		n = max(0, min(n, len(lw.buf)))
		whole := bytes.LastIndexByte(lw.buf[:n], '\n') + 1
		lines := int64(bytes.Count(lw.buf[:whole], []byte{'\n'}))
		if lw.header && whole > 0 {
			lines--
		}
		lw.buffered -= lines
		if cut := int64(n - whole); cut > 0 {
			if f, ok := lw.w.(interface {
				io.Seeker
				Truncate(int64) error
			}); ok {
				if off, err := f.Seek(0, io.SeekCurrent); err == nil && off >= cut {
					_ = f.Truncate(off - cut)
				}
			}
		}
		return err
	}
	lw.buf, lw.buffered, lw.header = lw.buf[:0], 0, false
	return nil
}

func appendCSVField(b []byte, s string) []byte {
	if !strings.ContainsAny(s, ",\"\r\n") {
		return append(b, s...)
	}
	b = append(b, '"')
	b = append(b, strings.ReplaceAll(s, `"`, `""`)...)
	return append(b, '"')
}

const hexDigits = "0123456789abcdef"

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return append(b, '"')
}
