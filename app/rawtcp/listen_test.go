package rawtcp_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"testing"

	"github.com/cloudperf/cloudperf/app/rawtcp"
)

// A net/http server on a wrapped listener serves every connection it accepts
// through Wrap.
func TestListenWrapsWhatItAccepts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns := make(chan string, 10)
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hello") }),
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			conns <- fmt.Sprintf("%T", c)
			return ctx
		},
	}
	go srv.Serve(rawtcp.Listen(ln))
	defer srv.Close()
	for i := 0; i < 3; i++ { // kept alive: one connection
		resp, err := http.Get("http://" + ln.Addr().String() + "/")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != "hello" {
			t.Fatalf("body %q", body)
		}
	}
	want := "*net.TCPConn"
	if runtime.GOOS == "linux" {
		want = "*rawtcp.conn"
	}
	if got := <-conns; got != want || len(conns) != 0 {
		t.Errorf("served %s (and %d more connections), want one %s", got, len(conns), want)
	}
}
