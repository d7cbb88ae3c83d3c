package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// subcommands are the commands besides a run: client NAME [flags] ...
var subcommands = map[string]func(args []string, stdout, stderr io.Writer) int{
	"merge":    mergeMain,
	"compare":  compareMain,
	"capacity": capacityMain,
}

// failer returns how a command fails: it writes "client: MESSAGE" to stderr
// on one line and returns the exit code.
func failer(stderr io.Writer) func(code int, format string, args ...any) int {
	return func(code int, format string, args ...any) int {
		fmt.Fprintf(stderr, "client: %s\n", oneLine(fmt.Sprintf(format, args...)))
		return code
	}
}

// parseInputs parses a subcommand's flags and its inputs in any order;
// after "--" every argument is an input. On -h it prints help and returns
// flag.ErrHelp; a flag's error is a usage error naming the subcommand.
func parseInputs(fs *flag.FlagSet, args []string, name string, help func()) ([]string, error) {
	var inputs []string
	for rest := args; ; {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				help()
				return nil, err
			}
			return nil, usageError{name + ": " + oneLine(flagDashes.Replace(err.Error()))}
		}
		left := fs.Args()
		if len(left) == 0 {
			break
		}
		if consumed := len(rest) - len(left); consumed > 0 && rest[consumed-1] == "--" {
			inputs = append(inputs, left...)
			break
		}
		inputs = append(inputs, left[0])
		rest = left[1:]
	}
	return inputs, nil
}

// checkInputNames refuses an empty input name.
func checkInputNames(name string, inputs []string) error {
	for _, in := range inputs {
		if in == "" {
			return usagef("%s: an empty input name", name)
		}
	}
	return nil
}

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeReport writes a report into f (from createFile) and closes it.
func writeReport(f *os.File, write func(io.Writer) error) error {
	err := write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// dropReport closes and removes the report file f (if any) when the report
// will not be written.
func dropReport(f *os.File, name string) {
	if f != nil {
		f.Close()
		os.Remove(name)
	}
}
