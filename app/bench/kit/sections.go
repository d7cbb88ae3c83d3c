package kit

import (
	"fmt"
	"slices"
	"strings"
)

// Sections are what -only selects across both benches: client/bench runs
// limit, memory, cost and latency, app/bench runs service.
var Sections = []string{"limit", "memory", "cost", "latency", "service"}

// Only parses -only: a comma-separated list of Sections, empty for all.
// wanted reports whether a section is to run.
func Only(flag string) (wanted func(section string) bool, err error) {
	if flag == "" {
		return func(string) bool { return true }, nil
	}
	picked := strings.Split(flag, ",")
	for _, s := range picked {
		if !slices.Contains(Sections, s) {
			return nil, fmt.Errorf("-only %q: no section %q (sections: %s)", flag, s, strings.Join(Sections, ","))
		}
	}
	return func(section string) bool { return slices.Contains(picked, section) }, nil
}
