package hello

import (
	"math/rand/v2"
	"testing"
	"time"
)

// appendTimestamp agrees with the standard library on the layout, over
// random instants and the edges (leap days, year ends, zero fractions).
func TestAppendTimestampMatchesAppendFormat(t *testing.T) {
	instants := []time.Time{
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.UTC),
		time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC),
		time.Date(0, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2026, 11, 27, 18, 0, 0, 5, time.FixedZone("x", 5*3600+1800)),
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		instants = append(instants, time.Unix(r.Int64N(253402300799), r.Int64N(1e9)))
	}
	for _, ts := range instants {
		want := string(ts.UTC().AppendFormat(nil, TimestampLayout))
		if got := string(appendTimestamp(nil, ts)); got != want {
			t.Fatalf("appendTimestamp(%v) = %s, want %s", ts, got, want)
		}
	}
}

func BenchmarkTimestamp(b *testing.B) {
	now := time.Now()
	buf := make([]byte, 0, 64)
	b.Run("appendTimestamp", func(b *testing.B) {
		for b.Loop() {
			buf = appendTimestamp(buf[:0], now)
		}
	})
	b.Run("AppendFormat", func(b *testing.B) {
		for b.Loop() {
			buf = now.UTC().AppendFormat(buf[:0], TimestampLayout)
		}
	})
}
