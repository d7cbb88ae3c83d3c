package results

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// WriteJSON writes s as json.Encoder does with a two-space indent, byte for
// byte, but its timeline one interval at a time. The timeline is most of a
// long run's summary (two histograms a second), and the encoder would hold
// it twice more in memory, compact and then indented, just before the end:
// the peak memory of a run would grow with its length.
func WriteJSON(w io.Writer, s Summary) error {
	timeline := s.Timeline
	s.Timeline = nil
	head, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	// Only a top-level field is indented by exactly two spaces.
	before, after, ok := bytes.Cut(head, []byte("\n  \"timeline\": null"))
	if !ok {
		return fmt.Errorf("encoding the summary: no timeline field in %.40q", head)
	}
	bw := bufio.NewWriter(w)
	bw.Write(before)
	bw.WriteString("\n  \"timeline\": ")
	switch {
	case timeline == nil:
		bw.WriteString("null")
	case len(timeline) == 0:
		bw.WriteString("[]")
	default:
		bw.WriteByte('[')
		for i := range timeline {
			// Its fields directly: through MarshalJSON, encoding/json would
			// check and copy each interval once more before indenting it.
			f, err := timeline[i].loaded()
			if err != nil {
				return err
			}
			iv, err := json.MarshalIndent(f, "    ", "  ")
			if err != nil {
				return err
			}
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.WriteString("\n    ")
			bw.Write(iv)
		}
		bw.WriteString("\n  ]")
	}
	bw.Write(after)
	bw.WriteByte('\n')
	return bw.Flush()
}
