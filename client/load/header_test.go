package load

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/results"
)

// --header reaches the server as given, with both engines: one User-Agent
// (the caller's, else cloudperf's), and Host sets the request's host; the
// same on every request a hitter sends.
func TestHitterHeaders(t *testing.T) {
	got := make(chan *http.Request, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r }))
	defer srv.Close()
	tests := []struct {
		name   string
		header http.Header
		ua     []string
		host   string
	}{
		{"none", nil, []string{"cloudperf"}, ""},
		{"user agent", http.Header{"User-Agent": {"me/1"}, "X-Test": {"a", "b"}}, []string{"me/1"}, ""},
		{"host", http.Header{"Host": {"example.test"}}, []string{"cloudperf"}, "example.test"},
	}
	for _, kind := range hitterKinds {
		for _, tt := range tests {
			t.Run(kind.name+"/"+tt.name, func(t *testing.T) {
				h := kind.new(t, HTTPOptions{URL: srv.URL, Header: tt.header, Timeout: 5 * time.Second, KeepAlive: true})
				for i := 0; i < 3; i++ { // the same each time: a request reused carries nothing over
					if r := h.Hit(context.Background()); r.Class != results.ClassOK {
						t.Fatalf("Hit: %+v", r)
					}
					r := <-got
					if ua := r.Header.Values("User-Agent"); !slices.Equal(ua, tt.ua) {
						t.Errorf("User-Agent %q, want %q", ua, tt.ua)
					}
					want := tt.host
					if want == "" {
						want = srv.Listener.Addr().String()
					}
					if r.Host != want {
						t.Errorf("Host %q, want %q", r.Host, want)
					}
					if v := r.Header.Values("X-Test"); tt.header["X-Test"] != nil && !slices.Equal(v, tt.header["X-Test"]) {
						t.Errorf("X-Test %q, want %q", v, tt.header["X-Test"])
					}
				}
			})
		}
	}
}
