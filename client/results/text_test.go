package results

import (
	"strings"
	"testing"
	"time"

	"github.com/cloudperf/cloudperf/client/plan"
)

// A warm-up is neither in the span the rates are over nor in the stages'
// numbering: after a 5 s warm-up, 10 s at 10/s reads "over 10.0s", and
// its one stage is stage 1.
func TestWarmupOutOfSpanAndNumbering(t *testing.T) {
	stages := []plan.Stage{{Duration: 5 * time.Second, From: 10, To: 10, Warmup: true}, {Duration: 10 * time.Second, From: 10, To: 10}}
	sched, err := plan.NewSchedule(stages, 0)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMetrics(sched, time.Second)
	for seq := int64(0); ; seq++ {
		at, stage, ok := sched.At(seq)
		if !ok {
			break
		}
		m.Add(Result{Seq: seq, Stage: stage, Warmup: sched.Warmup(seq), Intended: at, Sent: at, Done: at + 100*time.Millisecond, Status: 200, Class: ClassOK})
	}
	s := m.Summarize(RunInfo{Target: "http://h/", Mode: plan.ModeAuto})
	if s.Span() != 10*time.Second || s.Elapsed.D() != 15*time.Second {
		t.Errorf("span %v, elapsed %v: want 10s measured of a 15s run", s.Span(), s.Elapsed.D())
	}
	var b strings.Builder
	if err := WriteText(&b, s); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	if !strings.Contains(text, "throughput 10.0/s over 10.0s") {
		t.Errorf("the rates are not over the measured 10 s:\n%s", text)
	}
	var rows []string
	for _, line := range strings.Split(text, "\n") {
		if f := strings.Fields(line); len(f) > 1 && (f[0] == "warm-up" || f[0] == "1" || f[0] == "2") && strings.Contains(line, "/s") {
			rows = append(rows, f[0])
		}
	}
	if strings.Join(rows, ",") != "warm-up,1" {
		t.Errorf("stages numbered %v, want warm-up,1:\n%s", rows, text)
	}
}
