package cli

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// seen is what a server saw of the requests sent to it.
type seen struct {
	mu       sync.Mutex
	requests []string // "METHOD content-type body"
}

func recordingServer(t *testing.T) (string, *seen) {
	t.Helper()
	s := &seen{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.requests = append(s.requests, r.Method+" "+r.Header.Get("Content-Type")+" "+string(b))
		s.mu.Unlock()
		_, _ = w.Write([]byte(`{"host":"h"}`))
	}))
	t.Cleanup(srv.Close)
	return srv.URL + "/", s
}

// --body and --body-file send the same body with every request, with either
// engine: POST unless --method says otherwise, and the Content-Type given
// with --header (none when none is given).
func TestBody(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "body.json")
	if err := os.WriteFile(file, []byte(`{"from":"file"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, engine := range []string{"fasthttp", "net/http"} {
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"--body", `{"a":1}`, "--header", "Content-Type: application/json"}, `POST application/json {"a":1}`},
			{[]string{"--body-file", file, "--method", "PUT"}, `PUT  {"from":"file"}`},
			{nil, "GET  "},
		} {
			url, srv := recordingServer(t)
			args := append([]string{"--url", url, "--engine", engine, "--rate", "50", "--requests", "5", "--out", ""}, tc.args...)
			if code, _, stderr := runMain(t, args...); code != ExitOK {
				t.Fatalf("%q: exit %d: %s", args, code, stderr)
			}
			srv.mu.Lock()
			requests := srv.requests
			srv.mu.Unlock()
			if len(requests) != 5 {
				t.Fatalf("%q: %d requests", args, len(requests))
			}
			for _, r := range requests {
				if r != tc.want {
					t.Errorf("%s %q: the server saw %q, want %q", engine, tc.args, r, tc.want)
				}
			}
		}
	}
}

func TestBodyMistakes(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--body", "x", "--body-file", "f"}, "give --body or --body-file, not both"},
		{[]string{"--body", "x", "--method", "GET"}, "--method GET sends no body"},
		{[]string{"--body-file", filepath.Join(t.TempDir(), "missing")}, "--body-file: cannot read "},
	} {
		code, _, stderr := runMain(t, append([]string{"--local"}, tc.args...)...)
		if code != ExitUsage || strings.Count(stderr, "\n") != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q", tc.args, code, stderr)
		}
	}
}
