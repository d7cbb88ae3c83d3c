// Package rawtcp makes the client's TCP connections read and write with raw
// system calls (on Linux; elsewhere it changes nothing), for a load
// generator that does little else and runs on one core.
//
// Why: sockets in Go are non-blocking, so a read or write returns in
// microseconds, but a loopback write also delivers the segment to the peer
// and can take 20 µs or more. Through net.Conn that is an ordinary system
// call, and with GOMAXPROCS=1 (a process pinned to one core) Go's sysmon
// thread takes the P away from a call it sees twice, 20 µs apart: it wakes
// another thread to run the P and keeps itself polling every 20 µs. A raw
// call cannot be taken over, so the P stays where it is; when the socket is
// not ready the goroutine still parks on the runtime's poller, and deadlines
// work as they do on any net.Conn. What that saves is measured by
// `make bench` (README, Performance), not here: it builds the client a
// second time with -tags norawio, which leaves Wrap a pass-through, and
// compares the two.
//
// Raw calls suit non-blocking sockets only: a call that could block would
// hold its P (and with GOMAXPROCS=1 the whole process) until it returns.
package rawtcp
