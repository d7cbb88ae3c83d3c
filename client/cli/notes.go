package cli

import (
	"net"
	"strconv"
	"strings"

	"github.com/cloudperf/cloudperf/client/plan"
)

// usageNotes are what the flags set that will not do what they seem to:
// the run goes ahead, and each is said once on stderr.
func usageNotes(o *options, set map[string]bool) []string {
	var notes []string
	if set["max-in-flight"] && allSync(o) {
		notes = append(notes, "--max-in-flight applies to async dispatch only, and this run is sync (one request at a time, as every stage's rate is at most 100/s): add --mode async to send open loop")
	}
	return notes
}

// allSync reports a run whose every stage is dispatched one request at a time.
func allSync(o *options) bool {
	for _, st := range o.stages {
		if o.mode.For(st) != plan.ModeSync {
			return false
		}
	}
	return true
}

// looksLikeURL reports an argument that is a URL, or a host and port a
// person meant as one: http://x, localhost:5000, 127.0.0.1:5000/path.
func looksLikeURL(s string) bool {
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return true
	}
	host, _, _ := strings.Cut(s, "/")
	h, port, err := net.SplitHostPort(host)
	if err != nil || h == "" || port == "" {
		return false
	}
	_, err = strconv.ParseUint(port, 10, 16)
	return err == nil
}

// withScheme is s as an http URL, unless it has a scheme.
func withScheme(s string) string {
	if strings.Contains(s, "://") {
		return s
	}
	return "http://" + s
}
