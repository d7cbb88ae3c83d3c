package hello

import (
	"strings"
	"testing"
	"time"
)

// A query with more than one bad value gets the same error every time: the
// first in a fixed order (delay, then cpu), never whichever a map gives first.
func TestParseWorkErrorsAreStable(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  string
	}{
		{"delay=abc&cpu=xyz", `bad delay: "abc"`},
		{"cpu=xyz&delay=abc", `bad delay: "abc"`},
		{"cpu=2s&delay=11s", "delay 11s outside 0..10s"},
		{"delay=1ms&cpu=nope", `bad cpu: "nope"`},
		{"delay=-1ms&cpu=-1ms", "delay -1ms outside"},
		{"cpu=1ms;delay=1ms&delay=x", "semicolon"},
	} {
		t.Run(tc.query, func(t *testing.T) {
			_, first := parseWork(tc.query, Work{})
			if first == nil || !strings.Contains(first.Error(), tc.want) {
				t.Fatalf("parseWork(%q) = %v, want an error with %q", tc.query, first, tc.want)
			}
			for range 100 {
				if _, err := parseWork(tc.query, Work{CPU: time.Millisecond}); err == nil || err.Error() != first.Error() {
					t.Fatalf("parseWork(%q) = %v, earlier %v", tc.query, err, first)
				}
			}
		})
	}
}
