package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/cloudperf/cloudperf/client/results"
	"golang.org/x/term"
)

// progressLine redraws one status line on a terminal.
type progressLine struct{ w io.Writer }

func (p *progressLine) show(s results.Progress) {
	planned := ""
	if s.Planned > 0 {
		planned = "/" + results.FormatDuration(s.Planned)
	}
	fmt.Fprintf(p.w, "\r\033[K  %s%s  sent %d  %.1f/s  p99 %s  errors %d",
		results.FormatDuration(s.Elapsed.Truncate(1e8)), planned, s.Sent, s.Rate, results.FormatDuration(s.P99), s.Errors)
}

func (p *progressLine) clear() { fmt.Fprint(p.w, "\r\033[K") }

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
