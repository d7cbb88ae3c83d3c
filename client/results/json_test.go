package results

import (
	"bytes"
	"encoding/json"
	"testing"
)

// encoderJSON is what WriteJSON must write: json.Encoder's indented output.
func encoderJSON(t *testing.T, s Summary) string {
	t.Helper()
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestWriteJSONIsTheEncodersOutput(t *testing.T) {
	run := syntheticRun(t, 1, 4, 200, 20e6, 0.01)
	withCluster := scalingRun(t)
	withCluster.Target = `http://svc/?a=1&b=<2>` // escaped as the encoder does
	for _, c := range []struct {
		name string
		s    Summary
	}{
		{"a run with histograms", run},
		{"a run with a cluster and autoscaling", withCluster},
		{"one interval", Summary{Target: "x", Timeline: run.Timeline[:1]}},
		{"an empty timeline", Summary{Timeline: []Interval{}}},
		{"no timeline", Summary{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var got bytes.Buffer
			if err := WriteJSON(&got, c.s); err != nil {
				t.Fatal(err)
			}
			if want := encoderJSON(t, c.s); got.String() != want {
				t.Errorf("WriteJSON differs from json.Encoder:\n got %d bytes: %.300s\nwant %d bytes: %.300s", got.Len(), got.String(), len(want), want)
			}
		})
	}
}

func TestWriteJSONReportsAWriteError(t *testing.T) {
	// It fails in the timeline, after the head was written.
	err := WriteJSON(&failingWriter{after: 5000}, syntheticRun(t, 2, 4, 100, 10e6, 0))
	if err == nil || err.Error() != "no space left on device" {
		t.Errorf("WriteJSON to a failing writer: %v, want no space left on device", err)
	}
}
