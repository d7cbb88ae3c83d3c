// Package hello is the service under test: a small JSON "Hello" service with
// health, readiness and metrics (Prometheus', package app/metrics, in the app
// binary), and a server that drains cleanly. The app binary, the client's
// --local mode and the tests all run it in-process.
package hello

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// TimestampLayout is RFC 3339 in UTC with a fixed nine-digit fraction, so every
// response carries nanoseconds and has the same length.
const TimestampLayout = "2006-01-02T15:04:05.000000000Z07:00"

// Reply is the body of GET /.
type Reply struct {
	Message   string `json:"message"`
	Timestamp string `json:"timestamp"`
	Host      string `json:"host"`
}

// helloWriter renders the reply without reflection: the handler is the hot path
// of every load test, so it appends into a pooled buffer and allocates nothing.
type helloWriter struct {
	prefix []byte // `{"message":"Hello","timestamp":"`
	suffix []byte // `","host":<quoted host>}` + "\n"
	bufs   sync.Pool
	now    func() time.Time
	size   int // of a reply whose timestamp has a four-digit year
}

func newHelloWriter(host string, now func() time.Time) *helloWriter {
	quoted, _ := json.Marshal(host) // a string always marshals
	hw := &helloWriter{
		prefix: []byte(`{"message":"Hello","timestamp":"`),
		suffix: append(append([]byte(`","host":`), quoted...), "}\n"...),
		now:    now,
	}
	tsWidth := len(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC).AppendFormat(nil, TimestampLayout))
	hw.size = len(hw.prefix) + tsWidth + len(hw.suffix)
	hw.bufs.New = func() any { b := make([]byte, 0, hw.size); return &b }
	return hw
}

// serve writes the reply in one Write and leaves the rest to net/http, as
// any handler would: the status (200), and the Content-Length, since the
// handler returns with the whole reply buffered; for HEAD net/http sends the
// same headers and drops the body.
func (hw *helloWriter) serve(w http.ResponseWriter, _ *http.Request) int {
	bp := hw.bufs.Get().(*[]byte)
	b := append((*bp)[:0], hw.prefix...)
	b = appendTimestamp(b, hw.now())
	b = append(b, hw.suffix...)

	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Cache-Control"] = noStore
	_, _ = w.Write(b)
	*bp = b
	hw.bufs.Put(bp)
	return http.StatusOK
}

var (
	jsonContentType = []string{"application/json"}
	noStore         = []string{"no-store"}
	allowGetHead    = []string{"GET, HEAD"}
)

// writeError answers with a small JSON error document.
func writeError(w http.ResponseWriter, code int, msg string) int {
	body, _ := json.Marshal(struct {
		Error string `json:"error"`
	}{msg})
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["X-Content-Type-Options"] = []string{"nosniff"}
	w.WriteHeader(code)
	_, _ = w.Write(append(body, '\n'))
	return code
}

// root serves "/" and everything the mux does not know.
func (s *Server) root(w http.ResponseWriter, r *http.Request) int {
	if r.URL.Path != "/" {
		return writeError(w, http.StatusNotFound, "not found: "+r.URL.Path)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header()["Allow"] = allowGetHead
		return writeError(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET or HEAD")
	}
	if r.URL.RawQuery != "" || s.cfg.Work != (Work{}) {
		work, err := parseWork(r.URL.RawQuery, s.cfg.Work)
		if err != nil {
			return writeError(w, http.StatusBadRequest, err.Error())
		}
		work.do(r.Context())
	}
	return s.hello.serve(w, r)
}

func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) int {
	return writeStatus(w, http.StatusOK, "ok")
}

func (s *Server) readyz(w http.ResponseWriter, _ *http.Request) int {
	if !s.Ready() {
		return writeStatus(w, http.StatusServiceUnavailable, "shutting down")
	}
	return writeStatus(w, http.StatusOK, "ok")
}

func writeStatus(w http.ResponseWriter, code int, text string) int {
	h := w.Header()
	h["Content-Type"] = []string{"text/plain; charset=utf-8"}
	h["Cache-Control"] = noStore
	w.WriteHeader(code)
	_, _ = w.Write([]byte(text + "\n"))
	return code
}
