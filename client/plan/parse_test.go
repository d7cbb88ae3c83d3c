package plan

import (
	"strings"
	"testing"
	"time"
)

func TestParseStages(t *testing.T) {
	got, err := ParseStages("30s:100, 2m:100-600,30s:100/s,10s:0")
	if err != nil {
		t.Fatal(err)
	}
	want := []Stage{
		{Duration: 30 * time.Second, From: 100, To: 100},
		{Duration: 2 * time.Minute, From: 100, To: 600},
		{Duration: 30 * time.Second, From: 100, To: 100},
		{Duration: 10 * time.Second},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("stage %d = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestParseStagesRejects(t *testing.T) {
	for _, spec := range []string{"", "30s", "x:100", "0s:100", "-1s:100", "30s:", "30s:abc", "30s:-5", "30s:100-", "30s:1-2-3", "30s:0,1m:0", "30s:NaN", "30s:1e99"} {
		if _, err := ParseStages(spec); err == nil {
			t.Errorf("ParseStages(%q) accepted", spec)
		} else if strings.Contains(err.Error(), "\n") {
			t.Errorf("ParseStages(%q) error has several lines: %q", spec, err)
		}
	}
}

func TestParseRate(t *testing.T) {
	for in, want := range map[string]float64{"300": 300, "0.5": 0.5, "100/s": 100, " 7 ": 7} {
		if got, err := ParseRate(in); err != nil || got != want {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "0", "-1", "abc", "NaN", "Inf", "1e30"} {
		if _, err := ParseRate(in); err == nil {
			t.Errorf("ParseRate(%q) accepted", in)
		}
	}
}

// FuzzParseStages: no input panics, and whatever parses makes a schedule whose
// requests are due in order.
func FuzzParseStages(f *testing.F) {
	for _, s := range []string{"30s:100,2m:100-600,30s:100", "1s:0-5", "1ms:1e6", "5m:0,1s:1", "1h:10000000-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		stages, err := ParseStages(spec)
		if err != nil {
			return
		}
		s, err := NewSchedule(stages, 1000)
		if err != nil {
			t.Fatalf("ParseStages(%q) gave stages the schedule rejects: %v", spec, err)
		}
		prev := time.Duration(-1)
		for i := int64(0); i < 50; i++ {
			at, _, ok := s.At(i)
			if !ok {
				break
			}
			if at < prev || at < 0 {
				t.Fatalf("%q: request %d due at %v after %v", spec, i, at, prev)
			}
			prev = at
		}
	})
}

func FuzzParseRate(f *testing.F) {
	for _, s := range []string{"300", "0.1", "100/s", "1e7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if r, err := ParseRate(s); err == nil && !(r > 0 && r <= MaxRate) {
			t.Fatalf("ParseRate(%q) = %v", s, r)
		}
	})
}
