package results

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
)

// summaries is the same synthetic run summarized with its intervals' histograms
// spilled past the second, and kept in memory.
func summaries(t *testing.T, seconds int) (spilled, kept Summary) {
	t.Helper()
	defer func(n int) { keptInMemory = n }(keptInMemory)
	keptInMemory = 2
	spilled = syntheticSummary(t, 3, seconds, 200, 20e6, 0.01)
	keptInMemory = 1 << 30
	kept = syntheticSummary(t, 3, seconds, 200, 20e6, 0.01)
	return spilled, kept
}

func TestALongRunsHistogramsAreSpilledAndWrittenTheSame(t *testing.T) {
	spilled, kept := summaries(t, 6)
	for i, iv := range spilled.Timeline {
		if inMemory := iv.Histogram != ""; inMemory != (i < 2) || (iv.spilled != nil) == inMemory {
			t.Fatalf("interval %d: histogram in memory %v, spilled %v; want only the first 2 in memory", i, inMemory, iv.spilled != nil)
		}
	}
	var a, b bytes.Buffer
	if err := WriteJSON(&a, spilled); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&b, kept); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() || !strings.Contains(a.String(), kept.Timeline[5].Histogram) {
		t.Errorf("the spilled summary's JSON differs from the kept one's:\n%.300s\n%.300s", a.String(), b.String())
	}
	if a.String() != encoderJSON(t, spilled) {
		t.Error("json.Encoder does not write the spilled histograms as WriteJSON does")
	}

	mergedSpilled, err := Merge([]Summary{spilled, spilled})
	if err != nil {
		t.Fatal(err)
	}
	mergedKept, err := Merge([]Summary{kept, kept})
	if err != nil {
		t.Fatal(err)
	}
	if x, y := encoderJSON(t, mergedSpilled), encoderJSON(t, mergedKept); x != y {
		t.Error("merging spilled summaries differs from merging kept ones")
	}
	if iv := spilled.Timeline[4].WithoutHistograms(); iv.Histogram != "" || iv.spilled != nil {
		t.Error("WithoutHistograms kept the spilled histograms")
	}
}

func TestWithoutATemporaryDirectoryHistogramsStayInMemory(t *testing.T) {
	t.Setenv("TMPDIR", filepath.Join(t.TempDir(), "missing"))
	spilled, kept := summaries(t, 4)
	for i, iv := range spilled.Timeline {
		if iv.spilled != nil || iv.Histogram != kept.Timeline[i].Histogram {
			t.Fatalf("interval %d was spilled without a temporary directory", i)
		}
	}
}
