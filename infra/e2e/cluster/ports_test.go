package cluster

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"syscall"
	"testing"
)

func TestFreePortsDistinctAndBindable(t *testing.T) {
	p, err := pickPorts()
	if err != nil {
		t.Fatal(err)
	}
	all := []int{p.EtcdClient, p.EtcdPeer, p.APIServer, p.ControllerMgr, p.Scheduler, p.Kwok, p.MetricsServer}
	seen := map[int]bool{}
	lo, hi := portWindow()
	for _, port := range all {
		if seen[port] {
			t.Fatalf("port %d picked twice: %v", port, all)
		}
		seen[port] = true
		if hi > lo && (port < lo || port >= hi) {
			t.Errorf("port %d outside [%d,%d)", port, lo, hi)
		}
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			t.Errorf("port %d not bindable: %v", port, err)
			continue
		}
		l.Close()
	}
}

func TestPortWindowBelowEphemeralRange(t *testing.T) {
	lo, hi := portWindow()
	if lo == 0 && hi == 0 {
		t.Skip("no room below the ephemeral range; the kernel picks")
	}
	if lo < 1024 || hi <= lo || hi > 30000 {
		t.Errorf("window [%d,%d)", lo, hi)
	}
}

func TestIsAddrInUse(t *testing.T) {
	if !isAddrInUse(fmt.Errorf("x: %w", syscall.EADDRINUSE), "") {
		t.Error("EADDRINUSE not recognised")
	}
	if !isAddrInUse(errors.New("exited"), "listen tcp 127.0.0.1:23456: bind: address already in use") {
		t.Error("log text not recognised")
	}
	if isAddrInUse(errors.New("exited"), "connection refused") {
		t.Error("false positive")
	}
	e := &StartError{Component: Etcd, Err: errors.New("exited"), portInUse: true}
	if !errors.Is(e, errPortInUse) {
		t.Error("StartError with portInUse does not match errPortInUse")
	}
}
