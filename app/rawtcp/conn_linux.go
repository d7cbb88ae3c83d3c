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
			r, _, e := unix.RawSyscall(unix.SYS_WRITE, fd, uintptr(unsafe.Pointer(&p[n])), uintptr(len(p)-n))
			switch e {
			case 0:
				n += int(r)
			case unix.EINTR:
			case unix.EAGAIN:
				return false // the poller waits until the socket takes more
			default:
				err = os.NewSyscallError("write", e)
				return true
			}
		}
		return true
	})
	if err == nil {
		err = unwrapOp(waitErr)
	}
	if err != nil {
		return n, c.opError("write", err)
	}
	return n, nil
}

func (c *conn) Read(p []byte) (n int, err error) {
	if len(p) == 0 {
		return 0, nil
	}
	waitErr := c.raw.Read(func(fd uintptr) bool {
		for {
			r, _, e := unix.RawSyscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
			switch e {
			case 0:
				n = int(r)
				if n == 0 {
					err = io.EOF
				}
				return true
			case unix.EINTR:
			case unix.EAGAIN:
				return false // the poller waits until there is something to read
			default:
				err = os.NewSyscallError("read", e)
				return true
			}
		}
	})
	if err == io.EOF {
		return 0, io.EOF
	}
	if err == nil {
		err = unwrapOp(waitErr)
	}
	if err != nil {
		return 0, c.opError("read", err)
	}
	return n, nil
}

// opError is the error net.Conn itself would return.
func (c *conn) opError(op string, err error) error {
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
