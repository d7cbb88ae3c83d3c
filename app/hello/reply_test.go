package hello

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"
)

// What a user's client gets for GET / and HEAD /, on the wire: 200, the JSON
// Hello with the timestamp, and a Content-Length (never chunked) that net/http
// computes from the one Write, also for a reply longer than usual.
func TestReplyOnTheWire(t *testing.T) {
	for _, tc := range []struct {
		name, method string
		now          time.Time
		body         string
	}{
		{"GET", http.MethodGet, time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
			`{"message":"Hello","timestamp":"2026-11-27T12:00:00.000000000Z","host":"pod-1"}` + "\n"},
		{"HEAD", http.MethodHead, time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC),
			`{"message":"Hello","timestamp":"2026-11-27T12:00:00.000000000Z","host":"pod-1"}` + "\n"},
		{"GET past year 9999", http.MethodGet, time.Date(12345, 1, 1, 0, 0, 0, 5, time.UTC),
			`{"message":"Hello","timestamp":"12345-01-01T00:00:00.000000005Z","host":"pod-1"}` + "\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Config{Hostname: "pod-1"})
			s.hello.now = func() time.Time { return tc.now }
			ts := httptest.NewServer(s.Handler())
			defer ts.Close()

			conn, err := net.Dial("tcp", ts.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			if _, err := io.WriteString(conn, tc.method+" / HTTP/1.1\r\nHost: pod-1\r\n\r\n"); err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest(tc.method, "/", nil)
			resp, err := http.ReadResponse(bufio.NewReader(conn), req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()

			if resp.StatusCode != http.StatusOK || resp.Proto != "HTTP/1.1" {
				t.Errorf("status %q %s, want 200 HTTP/1.1", resp.Status, resp.Proto)
			}
			var names []string
			for name := range resp.Header {
				names = append(names, name)
			}
			slices.Sort(names)
			if want := []string{"Cache-Control", "Content-Length", "Content-Type", "Date"}; !slices.Equal(names, want) {
				t.Errorf("headers %v, want %v", names, want)
			}
			if len(resp.TransferEncoding) != 0 {
				t.Errorf("Transfer-Encoding %v, want a Content-Length", resp.TransferEncoding)
			}
			if cl := resp.Header.Get("Content-Length"); cl != strconv.Itoa(len(tc.body)) {
				t.Errorf("Content-Length %q, want %d", cl, len(tc.body))
			}
			if ct, cc := resp.Header.Get("Content-Type"), resp.Header.Get("Cache-Control"); ct != "application/json" || cc != "no-store" {
				t.Errorf("Content-Type %q, Cache-Control %q", ct, cc)
			}
			want := tc.body
			if tc.method == http.MethodHead {
				want = ""
			}
			if string(body) != want {
				t.Errorf("body %q, want %q", body, want)
			}
		})
	}
}
