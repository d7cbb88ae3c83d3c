//go:build !linux || norawio

package rawtcp

import (
	"net"
	"testing"
)

// Without raw I/O, Wrap must hand back the very connection it was given.
func TestWrapPassesThrough(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if got := Wrap(c); got != c {
		t.Errorf("Wrap returned %T %p, want the same %T %p", got, got, c, c)
	}
}
