package main

import (
	"slices"
	"testing"

	"github.com/cloudperf/cloudperf/app/bench/kit"
)

// Every section -only accepts is run by one of the two benches: this one, or
// app/bench for service.
func TestSectionsCoverWhatOnlyAccepts(t *testing.T) {
	names := []string{"service"}
	for _, s := range sections {
		names = append(names, s.name)
	}
	slices.Sort(names)
	want := slices.Sorted(slices.Values(kit.Sections))
	if !slices.Equal(names, want) {
		t.Errorf("client/bench runs %v plus app/bench's service; -only accepts %v", names, want)
	}
}
