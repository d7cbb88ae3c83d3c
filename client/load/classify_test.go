package load

import (
	"errors"
	"fmt"
	"syscall"
	"testing"

	"github.com/cloudperf/cloudperf/client/results"
)

// Errors net/http reports only as text, and the wrapped ones that must win
// over the text.
func TestClassifyMessages(t *testing.T) {
	tests := []struct {
		err  error
		want results.Class
	}{
		{errors.New(`Get "http://x/": malformed HTTP status code "Ubuntu-3ubuntu13"`), results.ClassProtocol},
		// A server that speaks first (SSH): its banner arrives before the
		// request is written, and net/http gives up with a nil cause.
		{errors.New(`Get "http://x/": readLoopPeekFailLocked: %!w(<nil>)`), results.ClassProtocol},
		{fmt.Errorf(`Get "http://x/": readLoopPeekFailLocked: %w`, syscall.ECONNRESET), results.ClassReset},
		{errors.New(`Get "http://x/": net/http: timeout awaiting response headers`), results.ClassTimeout},
		{errors.New("something new"), results.ClassOther},
	}
	for _, tt := range tests {
		if got := Classify(tt.err); got != tt.want {
			t.Errorf("Classify(%q) = %v, want %v", tt.err, got, tt.want)
		}
	}
}
