//go:build !race

package hello

const raceEnabled = false
