// Package rawtcp makes TCP connections read and write with raw system calls
// (on Linux; elsewhere it changes nothing), for a process that does little
// else and runs on one core.
//
// Why: sockets in Go are non-blocking, so a read or write returns in
// microseconds, but a loopback write also delivers the segment to the peer
// and can take 20 µs or more. Through net.Conn that is an ordinary system
// call, and with GOMAXPROCS=1 — a process pinned to one core, or a pod with
// a CPU limit of one core or less — Go's sysmon thread takes the P away from
// a call it sees twice, 20 µs apart: it wakes another thread to run the P
// and keeps itself polling every 20 µs. For the client at 5k requests/s
// that was ~5,000 sysmon sleeps and ~700 thread wake-ups a second (strace
// -c). A raw call cannot be taken over, so the P stays where it is; when the
// socket is not ready the goroutine still parks on the runtime's poller, and
// deadlines work as they do on any net.Conn.
//
// Measured on loopback, each process pinned to its own core (perf stat,
// runs interleaved, medians): the client at 5k/s and 10k/s used 12% and 9%
// less CPU and had a third fewer context switches (7 runs of 10 s); the
// service under 5k/s had 68% fewer context switches and 7% less CPU (3
// runs). A service that is never idle (wrk, closed loop) neither gains nor
// loses: 34.8k against 35.1k requests/s, medians of 16 interleaved runs.
//
// Raw calls suit non-blocking sockets only: a call that could block would
// hold its P (and with GOMAXPROCS=1 the whole process) until it returns.
package rawtcp

import "net"

// Listen wraps a listener so that every TCP connection it accepts is Wrapped.
func Listen(ln net.Listener) net.Listener { return listener{ln} }

type listener struct{ net.Listener }

func (l listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return Wrap(c), nil
}
