//go:build linux && !norawio

package rawtcp

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loopbackPair dials a fresh loopback listener and returns both ends; the
// client end is wrapped by wrap.
func loopbackPair(t *testing.T, wrap func(net.Conn) net.Conn) (client net.Conn, server *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	s := <-accepted
	if s == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { c.Close(); s.Close() })
	return wrap(c), s.(*net.TCPConn)
}

// TestWrapBehavesLikeNetConn runs each case on a plain net.Conn and on a
// raw conn: both must end the same way, down to the error's type and text.
func TestWrapBehavesLikeNetConn(t *testing.T) {
	type outcome struct {
		data    string
		err     error // compared with errors.Is
		timeout bool  // a net.Error that says Timeout
	}
	cases := []struct {
		name string
		run  func(t *testing.T, c net.Conn, s *net.TCPConn) (string, error)
		want outcome
	}{
		{"request and answer", func(t *testing.T, c net.Conn, s *net.TCPConn) (string, error) {
			go func() {
				buf := make([]byte, 5)
				if _, err := io.ReadFull(s, buf); err == nil {
					s.Write(bytes.ToUpper(buf))
				}
			}()
			if _, err := c.Write([]byte("hello")); err != nil {
				return "", err
			}
			buf := make([]byte, 5)
			_, err := io.ReadFull(c, buf)
			return string(buf), err
		}, outcome{data: "HELLO"}},
		{"peer closes: EOF", func(t *testing.T, c net.Conn, s *net.TCPConn) (string, error) {
			s.Write([]byte("bye"))
			s.Close()
			got, err := io.ReadAll(c)
			if err == nil {
				_, err = c.Read(make([]byte, 1))
			}
			return string(got), err
		}, outcome{data: "bye", err: io.EOF}},
		{"peer resets", func(t *testing.T, c net.Conn, s *net.TCPConn) (string, error) {
			s.SetLinger(0)
			s.Close()
			time.Sleep(50 * time.Millisecond)
			_, err := c.Read(make([]byte, 1))
			return "", err
		}, outcome{err: syscall.ECONNRESET}},
		{"read deadline passes", func(t *testing.T, c net.Conn, s *net.TCPConn) (string, error) {
			c.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
			_, err := c.Read(make([]byte, 1))
			return "", err
		}, outcome{err: os.ErrDeadlineExceeded, timeout: true}},
		{"write deadline passes on a full socket", func(t *testing.T, c net.Conn, s *net.TCPConn) (string, error) {
			c.SetWriteDeadline(time.Now().Add(100 * time.Millisecond))
			chunk := make([]byte, 1<<20)
			for i := 0; i < 256; i++ { // the peer reads nothing: the buffers fill
				if _, err := c.Write(chunk); err != nil {
					return "", err
				}
			}
			return "", nil
		}, outcome{err: os.ErrDeadlineExceeded, timeout: true}},
		{"closed locally", func(t *testing.T, c net.Conn, s *net.TCPConn) (string, error) {
			c.Close()
			_, err := c.Read(make([]byte, 1))
			return "", err
		}, outcome{err: net.ErrClosed}},
		{"empty read", func(t *testing.T, c net.Conn, s *net.TCPConn) (string, error) {
			n, err := c.Read(nil)
			if n != 0 {
				t.Errorf("read %d bytes into nothing", n)
			}
			return "", err
		}, outcome{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var messages []string
			for i, wrap := range []func(net.Conn) net.Conn{func(c net.Conn) net.Conn { return c }, Wrap} {
				c, s := loopbackPair(t, wrap)
				if _, raw := c.(*conn); raw != (i == 1) {
					t.Fatalf("wrapped as %T", c)
				}
				data, err := tc.run(t, c, s)
				name := fmt.Sprintf("%T", c)
				if data != tc.want.data {
					t.Errorf("%s: data %q, want %q", name, data, tc.want.data)
				}
				switch want := tc.want.err; {
				case want == nil && err != nil:
					t.Errorf("%s: error %v, want none", name, err)
				case want != nil && !errors.Is(err, want):
					t.Errorf("%s: error %v, want %v", name, err, want)
				}
				var netErr net.Error
				if timeout := errors.As(err, &netErr) && netErr.Timeout(); timeout != tc.want.timeout {
					t.Errorf("%s: timeout %v, want %v (error %v)", name, timeout, tc.want.timeout, err)
				}
				msg := fmt.Sprintf("%T %v", err, err)
				msg = strings.NewReplacer(c.LocalAddr().String(), "LOCAL", c.RemoteAddr().String(), "REMOTE").Replace(msg)
				messages = append(messages, msg)
			}
			if messages[0] != messages[1] {
				t.Errorf("the error differs:\nnet.Conn: %s\nraw conn: %s", messages[0], messages[1])
			}
		})
	}
}

// TestWrapLargeTransfer moves more than the socket buffers hold, so writes
// and reads both meet a socket that is not ready and wait on the poller.
func TestWrapLargeTransfer(t *testing.T) {
	c, s := loopbackPair(t, Wrap)
	if _, ok := c.(*conn); !ok {
		t.Fatalf("wrapped as %T", c)
	}
	payload := make([]byte, 32<<20)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	want := sha256.Sum256(payload)
	got := make(chan [32]byte)
	go func() { // echoes slowly at first, so the client's writes see EAGAIN
		time.Sleep(50 * time.Millisecond)
		h := sha256.New()
		io.Copy(io.MultiWriter(h, s), io.LimitReader(s, int64(len(payload))))
		var sum [32]byte
		copy(sum[:], h.Sum(nil))
		got <- sum
	}()
	echoed := make(chan [32]byte)
	go func() {
		h := sha256.New()
		buf := make([]byte, 4096) // small reads, as fasthttp's reader makes
		io.CopyBuffer(h, io.LimitReader(c, int64(len(payload))), buf)
		var sum [32]byte
		copy(sum[:], h.Sum(nil))
		echoed <- sum
	}()
	n, err := c.Write(payload)
	if err != nil || n != len(payload) {
		t.Fatalf("wrote %d of %d: %v", n, len(payload), err)
	}
	if g := <-got; g != want {
		t.Error("the server received different bytes")
	}
	if e := <-echoed; e != want {
		t.Error("the client read back different bytes")
	}
}
