//go:build linux

package cluster

import "testing"

// The functions that kill and remove whole cgroup subtrees must refuse
// anything but a node's own root: an empty root would be every process.
func TestOnlyANodesCgroupIsTouched(t *testing.T) {
	for root, want := range map[string]bool{
		"": false, "/": false, "/kubepods": false, "/cloudperf-node-1-1/kubepods": false,
		"/cloudperf-node-123-4": true,
	} {
		if got := isNodeCgroup(root); got != want {
			t.Errorf("isNodeCgroup(%q) = %v, want %v", root, got, want)
		}
		if !want && killCgroupProcs(root) != 0 {
			t.Errorf("killCgroupProcs(%q) signalled processes", root)
		}
	}
}
