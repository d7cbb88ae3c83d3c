package cli

import "github.com/cloudperf/cloudperf/client/load"

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
		if o.mode.For(st) != load.ModeSync {
			return false
		}
	}
	return true
}
