package results

import "time"

// Progress is a live view of a run.
type Progress struct {
	Elapsed  time.Duration
	Planned  time.Duration
	Sent     int64
	Expected int64
	Rate     float64 // achieved so far
	P99      time.Duration
	Errors   int64
}
