package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cloudperf/cloudperf/client/results"
)

// logOutput is where the per-request log goes.
type logOutput struct {
	w      io.Writer // nil: no log
	name   string    // as the summary names it
	format results.LogFormat
	close  func() error
	remove func() // deletes a log that a refused run created
}

// openLog opens the per-request log, never overwriting one silently:
// --out FILE, --out - (stdout), --out "" (none), or by default a new
// cloudperf-<time>.csv in the working directory whose name no other run has
// taken (two runs in the same second get -2, -3, ...).
func openLog(o *options, stdout io.Writer) (*logOutput, error) {
	switch {
	case o.outSet && o.out == "":
		return &logOutput{close: func() error { return nil }, remove: func() {}}, nil
	case o.out == "-":
		return &logOutput{w: stdout, name: "stdout", format: results.LogCSV, close: func() error { return nil }, remove: func() {}}, nil
	case o.outSet:
		f, err := createFile("--out", o.out, o.force)
		if err != nil {
			return nil, err
		}
		return fileLog(f, o.out), nil
	}
	base := defaultLogName(time.Now())
	for n := 1; ; n++ {
		name := base + ".csv"
		if n > 1 {
			name = base + "-" + strconv.Itoa(n) + ".csv"
		}
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if errors.Is(err, fs.ErrExist) && n < 1000 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("cannot create the per-request log %s: %v (choose one with --out FILE, or --out \"\" for none)", name, pathErr(err))
		}
		return fileLog(f, name), nil
	}
}

// defaultLogName is the default log's name at t, without the extension:
// .gitignore ignores the pattern cloudperf-*.csv.
func defaultLogName(t time.Time) string {
	return "cloudperf-" + t.UTC().Format("20060102-150405")
}

func fileLog(f *os.File, name string) *logOutput {
	lo := &logOutput{w: f, name: name, format: results.LogFormatFor(name), close: f.Close, remove: func() {}}
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		lo.remove = func() { f.Close(); os.Remove(name) }
	}
	return lo
}

// checkOutName refuses a log name whose format would surprise: a .json
// file is what client merge reads summaries from, and a log is one JSON
// object per line, not one JSON document.
func checkOutName(name string) error {
	if ext := strings.ToLower(filepath.Ext(name)); ext == ".json" {
		return usagef("--out %s: the per-request log is CSV or JSON lines, not one JSON document: name it %s.jsonl (or .csv); the JSON summary is --format json", name, strings.TrimSuffix(name, filepath.Ext(name)))
	}
	return nil
}

// createFile creates an output file, refusing to replace one unless forced.
// A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written to as it is.
func createFile(flagName, name string, force bool) (*os.File, error) {
	flags := os.O_WRONLY | os.O_CREATE | os.O_EXCL
	if force {
		flags = os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	}
	if fi, err := os.Stat(name); err == nil && !fi.IsDir() && !fi.Mode().IsRegular() {
		flags = os.O_WRONLY
	}
	f, err := os.OpenFile(name, flags, 0o644)
	switch {
	case errors.Is(err, os.ErrExist):
		if fi, serr := os.Stat(name); serr == nil && fi.IsDir() {
			return nil, fmt.Errorf("%s %s is a directory: give a file name", flagName, name)
		}
		return nil, fmt.Errorf("%s %s already exists: pass --force to overwrite it, or choose another name", flagName, name)
	case err != nil:
		return nil, fmt.Errorf("%s: cannot create %s: %v", flagName, name, pathErr(err))
	}
	return f, nil
}
