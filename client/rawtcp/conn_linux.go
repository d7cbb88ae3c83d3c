//go:build linux && !norawio

package rawtcp

import (
	"io"
	"net"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// conn reads and writes a TCP connection with raw system calls, still
// waiting on the runtime's poller (and so on its deadlines) when the socket
// is not ready.
type conn struct {
	*net.TCPConn
	raw syscall.RawConn
}

// Wrap returns a TCP connection whose reads and writes are raw system calls;
// any other connection is returned as it is.
func Wrap(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	return &conn{TCPConn: tc, raw: raw}
}

func (c *conn) Write(p []byte) (n int, err error) {
	waitErr := c.raw.Write(func(fd uintptr) bool {
		for n < len(p) {
			r, e := call(unix.SYS_WRITE, fd, p[n:])
			if e == unix.EAGAIN {
				return false // the poller waits until the socket takes more
			}
			if e != 0 {
				err = os.NewSyscallError("write", e)
				return true
			}
			n += r
		}
		return true
	})
	return n, c.result("write", err, waitErr)
}

func (c *conn) Read(p []byte) (n int, err error) {
	if len(p) == 0 {
		return 0, nil
	}
	waitErr := c.raw.Read(func(fd uintptr) bool {
		r, e := call(unix.SYS_READ, fd, p)
		switch {
		case e == unix.EAGAIN:
			return false // the poller waits until there is something to read
		case e != 0:
			err = os.NewSyscallError("read", e)
		case r == 0:
			err = io.EOF
		default:
			n = r
		}
		return true
	})
	return n, c.result("read", err, waitErr)
}

// call makes a read or write system call on fd with p (not empty), again
// when a signal interrupts it.
func call(trap, fd uintptr, p []byte) (int, unix.Errno) {
	for {
		r, _, e := unix.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
		if e != unix.EINTR {
			return int(r), e
		}
	}
}

// result is the error net.Conn itself would return, from what the system
// call (err) or else the wait on the poller (waitErr) ended with.
func (c *conn) result(op string, err, waitErr error) error {
	if err == nil {
		err = unwrapOp(waitErr)
	}
	if err == nil || err == io.EOF {
		return err
	}
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

// unwrapOp takes the cause out of the OpError a RawConn wraps its own errors
// in ("raw-read": a deadline, a closed connection).
func unwrapOp(err error) error {
	if op, ok := err.(*net.OpError); ok {
		return op.Err
	}
	return err
}
