package plan

import "fmt"

// Mode chooses how requests are dispatched.
type Mode uint8

const (
	// ModeAuto is sync for a stage whose peak rate is at most SyncMaxRate, async above.
	ModeAuto Mode = iota
	// ModeSync sends one request at a time, each at its scheduled time; a late
	// response makes the next go at once (its delay is counted).
	ModeSync
	// ModeAsync is open loop: every request goes at its scheduled time whatever
	// is outstanding, up to the in-flight cap (waits at the cap are counted).
	ModeAsync
)

// SyncMaxRate is the highest rate ModeAuto runs one request at a time.
const SyncMaxRate = 100

var modeNames = []string{"auto", "sync", "async"}

func (m Mode) String() string {
	if int(m) < len(modeNames) {
		return modeNames[m]
	}
	return fmt.Sprintf("mode(%d)", m)
}

// ParseMode reads auto, sync or async.
func ParseMode(s string) (Mode, error) {
	for i, n := range modeNames {
		if n == s {
			return Mode(i), nil
		}
	}
	return 0, fmt.Errorf("mode %q: want auto, sync or async", s)
}

// For resolves ModeAuto for a stage.
func (m Mode) For(s Stage) Mode {
	if m != ModeAuto {
		return m
	}
	if s.Peak() <= SyncMaxRate {
		return ModeSync
	}
	return ModeAsync
}
