//go:build !linux || norawio

package rawtcp

import "net"

// Wrap returns c: raw system calls are used on Linux only, and not in a
// build with -tags norawio (which `make bench` uses to measure what they save).
func Wrap(c net.Conn) net.Conn { return c }
