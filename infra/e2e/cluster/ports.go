package cluster

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// Ports are the 127.0.0.1 TCP ports one cluster listens on.
type Ports struct {
	EtcdClient    int
	EtcdPeer      int
	APIServer     int // kube-apiserver --secure-port
	ControllerMgr int // kube-controller-manager --secure-port
	Scheduler     int // kube-scheduler --secure-port
	Kwok          int // kwok --server-address and --node-port (the fake kubelet)
	MetricsServer int // metrics-server --secure-port
}

// pickPorts fills a Ports with distinct free ports.
func pickPorts() (Ports, error) {
	p, err := freePorts(7)
	if err != nil {
		return Ports{}, err
	}
	return Ports{
		EtcdClient:    p[0],
		EtcdPeer:      p[1],
		APIServer:     p[2],
		ControllerMgr: p[3],
		Scheduler:     p[4],
		Kwok:          p[5],
		MetricsServer: p[6],
	}, nil
}

// freePorts returns n distinct TCP ports that were free on 127.0.0.1 a moment
// ago. It picks them below the kernel's ephemeral range
// (/proc/sys/net/ipv4/ip_local_port_range), where the kernel never assigns
// source ports of outgoing connections: a port chosen here cannot be taken by
// one of the components' own client connections between the pick and the
// component's bind, and random choice keeps parallel runs apart. Every pick
// is verified by listening on it; all listeners stay open until all n are
// chosen, so the n ports are distinct. A collision with a process that binds
// the same port later is still possible; Start retries on "address already in
// use".
func freePorts(n int) ([]int, error) {
	lo, hi := portWindow()
	held := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for attempts := 0; len(ports) < n; attempts++ {
		if attempts > 1000 {
			return nil, fmt.Errorf("cluster: no free port in %d-%d after %d attempts", lo, hi, attempts)
		}
		var addr string
		if hi > lo {
			addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(lo+rand.IntN(hi-lo)))
		} else {
			addr = "127.0.0.1:0" // no room below the ephemeral range: let the kernel pick
		}
		l, err := net.Listen("tcp", addr)
		if err != nil {
			continue
		}
		held = append(held, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// portWindow is the range [lo, hi) freePorts picks from: from 20000 up to the
// start of the ephemeral range, capped at 30000 so that it stays clear of
// Kubernetes' default NodePort range too (nothing binds those here, but a user
// reading the logs should not be puzzled).
func portWindow() (lo, hi int) {
	lo, hi = 20000, 30000
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if eph, err := strconv.Atoi(f[0]); err == nil && eph < hi {
				hi = eph
			}
		}
	}
	if hi-lo < 1000 {
		lo, hi = 0, 0
	}
	return lo, hi
}

// isAddrInUse reports whether err or a log text says a bind failed because the
// port was taken.
func isAddrInUse(err error, logTail string) bool {
	return errors.Is(err, syscall.EADDRINUSE) || strings.Contains(logTail, "address already in use")
}
