package cli

import (
	"flag"
	"fmt"
	"slices"
)

// onceOnly makes a flag given twice a usage error, but for the repeatable
// ones: with the flag package the second value silently wins, so
// `--url A --url B` loaded B without a word.
func onceOnly(fs *flag.FlagSet, repeatable ...string) {
	fs.VisitAll(func(f *flag.Flag) {
		if slices.Contains(repeatable, f.Name) {
			return
		}
		v := &onceValue{Value: f.Value, name: f.Name}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			f.Value = &onceBoolValue{v}
			return
		}
		f.Value = v
	})
}

type onceValue struct {
	flag.Value
	name string
	set  bool
}

func (o *onceValue) Set(s string) error {
	if o.set {
		return fmt.Errorf("--%s is given twice: give it once", o.name)
	}
	o.set = true
	return o.Value.Set(s)
}

// onceBoolValue keeps a boolean flag usable without a value (--insecure).
type onceBoolValue struct{ *onceValue }

func (o *onceBoolValue) IsBoolFlag() bool { return true }
