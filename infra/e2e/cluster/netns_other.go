//go:build !linux

package cluster

import (
	"context"
	"errors"
	"net"
)

// The node needs Linux namespaces and cgroups; elsewhere Start fails.
type namespace struct {
	pid      int
	hostLink string
	nodeIP   net.IP
	cgroup   string
}

const savedSysctls = ""

func newNamespace(context.Context, func(string, ...any)) (*namespace, error) {
	return nil, errors.New("cluster: the e2e node needs Linux")
}

func (ns *namespace) enter(args ...string) []string             { return args }
func (ns *namespace) enterIn(_ string, args ...string) []string { return args }
func (ns *namespace) destroy(func(string, ...any))              {}
func killCgroupProcs(string) int                                { return 0 }
func cgroupHierarchies() ([]string, error)                      { return nil, nil }
func nodesRunning() bool                                        { return false }
func run(context.Context, ...string) error                      { return errors.New("cluster: needs Linux") }
