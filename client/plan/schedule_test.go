package plan

import (
	"math"
	"testing"
	"time"
)

func TestScheduleAt(t *testing.T) {
	tests := []struct {
		name     string
		stages   []Stage
		limit    int64
		seq      int64
		want     time.Duration
		stage    int
		ended    bool
		expected int64
	}{
		{name: "hold: first request at zero", stages: []Stage{{Duration: time.Second, From: 10, To: 10}}, seq: 0, want: 0, expected: 10},
		{name: "hold: i/R", stages: []Stage{{Duration: time.Second, From: 10, To: 10}}, seq: 7, want: 700 * time.Millisecond, expected: 10},
		{name: "hold: ends with the duration", stages: []Stage{{Duration: time.Second, From: 10, To: 10}}, seq: 10, ended: true, expected: 10},
		{name: "limit ends first", stages: []Stage{{Duration: time.Second, From: 10, To: 10}}, limit: 3, seq: 3, ended: true, expected: 3},
		{name: "open-ended with a limit", stages: []Stage{{From: 1000, To: 1000}}, limit: 5000, seq: 4999, want: 4999 * time.Millisecond, expected: 5000},
		// Ramp 0→100/s over 10 s: N(t) = 5t², so request k is due at sqrt(k/5).
		{name: "ramp up", stages: []Stage{{Duration: 10 * time.Second, From: 0, To: 100}}, seq: 20, want: 2 * time.Second, expected: 500},
		// Ramp 100→0 over 10 s: N(t) = 100t − 5t²; N(2) = 180.
		{name: "ramp down", stages: []Stage{{Duration: 10 * time.Second, From: 100, To: 0}}, seq: 180, want: 2 * time.Second, expected: 500},
		{name: "second stage", stages: []Stage{{Duration: time.Second, From: 10, To: 10}, {Duration: time.Second, From: 100, To: 100}}, seq: 15, want: 1050 * time.Millisecond, stage: 1, expected: 110},
		{name: "pause between stages", stages: []Stage{{Duration: time.Second, From: 10, To: 10}, {Duration: 5 * time.Second}, {Duration: time.Second, From: 10, To: 10}}, seq: 10, want: 6 * time.Second, stage: 2, expected: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSchedule(tt.stages, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			at, stage, ok := s.At(tt.seq)
			if ok == tt.ended {
				t.Fatalf("At(%d) ok = %v, want %v", tt.seq, ok, !tt.ended)
			}
			if !tt.ended {
				if d := at - tt.want; d < -time.Microsecond || d > time.Microsecond {
					t.Errorf("At(%d) = %v, want %v", tt.seq, at, tt.want)
				}
				if stage != tt.stage {
					t.Errorf("stage = %d, want %d", stage, tt.stage)
				}
			}
			if got := s.Expected(); got != tt.expected {
				t.Errorf("Expected() = %d, want %d", got, tt.expected)
			}
		})
	}
}

func TestScheduleIsMonotonicAndCountsMatchRates(t *testing.T) {
	stages := []Stage{
		{Duration: 2 * time.Second, From: 50, To: 50, Warmup: true},
		{Duration: 3 * time.Second, From: 0, To: 600},
		{Duration: 2 * time.Second, From: 600, To: 600},
		{Duration: 3 * time.Second, From: 600, To: 100},
	}
	s, err := NewSchedule(stages, 0)
	if err != nil {
		t.Fatal(err)
	}
	var prev time.Duration = -1
	perStage := make([]int, len(stages))
	var n int64
	for ; ; n++ {
		at, stage, ok := s.At(n)
		if !ok {
			break
		}
		if at < prev {
			t.Fatalf("request %d due at %v before request %d at %v", n, at, n-1, prev)
		}
		if at < s.StageStart(stage) || at > s.StageStart(stage)+stages[stage].Duration {
			t.Fatalf("request %d at %v outside its stage %d", n, at, stage)
		}
		prev = at
		perStage[stage]++
	}
	want := []int{100, 900, 1200, 1050}
	for i := range want {
		if d := perStage[i] - want[i]; d < -1 || d > 1 {
			t.Errorf("stage %d scheduled %d requests, want %d±1", i, perStage[i], want[i])
		}
	}
	if n != s.Expected() {
		t.Errorf("scheduled %d, Expected() = %d", n, s.Expected())
	}
	if !s.Warmup(99) || s.Warmup(100) {
		t.Errorf("warm-up covers exactly the first 100 requests")
	}
	if got := s.OfferedBetween(0, s.Duration()); math.Abs(got-3150) > 1e-6 {
		t.Errorf("OfferedBetween(whole run) = %g, want 3150 (warm-up excluded)", got)
	}
	if got := s.OfferedBetween(5*time.Second, 6*time.Second); math.Abs(got-600) > 1e-6 {
		t.Errorf("offered in the hold's first second = %g, want 600", got)
	}
}

func TestScheduleLimitCountsAfterWarmup(t *testing.T) {
	s, err := NewSchedule([]Stage{{Duration: time.Second, From: 10, To: 10, Warmup: true}, {Duration: time.Minute, From: 10, To: 10}}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, ok := s.At(14); !ok {
		t.Error("request 14 (the 5th measured) should be due")
	}
	if _, _, ok := s.At(15); ok {
		t.Error("request 15 is past the limit")
	}
}

func TestNewScheduleRejects(t *testing.T) {
	tests := map[string][]Stage{
		"no stages":             nil,
		"negative rate":         {{Duration: time.Second, From: -1, To: 1}},
		"NaN rate":              {{Duration: time.Second, From: math.NaN(), To: 1}},
		"infinite rate":         {{Duration: time.Second, From: math.Inf(1), To: 1}},
		"negative duration":     {{Duration: -time.Second, From: 1, To: 1}},
		"open-ended, not last":  {{From: 1, To: 1}, {Duration: time.Second, From: 1, To: 1}},
		"open-ended ramp":       {{From: 1, To: 2}},
		"open-ended, no limit":  {{From: 1, To: 1}},
		"only zero rates":       {{Duration: time.Second}},
		"only warm-up sends":    {{Duration: time.Second, From: 5, To: 5, Warmup: true}, {Duration: time.Second}},
		"warm-up after a stage": {{Duration: time.Second, From: 5, To: 5}, {Duration: time.Second, From: 5, To: 5, Warmup: true}},
	}
	for name, stages := range tests {
		t.Run(name, func(t *testing.T) {
			if _, err := NewSchedule(stages, 0); err == nil {
				t.Errorf("NewSchedule(%v) accepted", stages)
			}
		})
	}
}
