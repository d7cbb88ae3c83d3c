// Package plan is what a load run is asked to do: its stages, the Schedule
// that gives every request its intended send time, the dispatch Mode, and
// the parsers for their flags. It depends on nothing else in cloudperf, so
// the engine that runs a plan and the results that describe one can both
// import it.
package plan
