package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The delay server never answers early, however much of the delay it
// spins, and answers at once without a delay it can read.
func TestAfterDelayNeverAnswersEarly(t *testing.T) {
	srv := httptest.NewServer(afterDelay())
	defer srv.Close()
	for _, tc := range []struct {
		query string
		least time.Duration
	}{
		{"?delay=15ms", 15 * time.Millisecond},
		{"?delay=15ms&spin=2ms", 15 * time.Millisecond},
		{"?delay=15ms&spin=1h", 15 * time.Millisecond}, // spins it all
		{"?delay=15ms&spin=-1ms", 15 * time.Millisecond},
		{"?delay=soon", 0},
		{"", 0},
	} {
		start := time.Now()
		resp, err := http.Get(srv.URL + "/" + tc.query)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if took := time.Since(start); took < tc.least {
			t.Errorf("%q answered after %v, want at least %v", tc.query, took, tc.least)
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"message":"Hello"`) {
			t.Errorf("%q: %d %q, want 200 and the fixed answer", tc.query, resp.StatusCode, body)
		}
	}
}
